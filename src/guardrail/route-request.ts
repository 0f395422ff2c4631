import type { z } from 'zod';
import { describeError, isTandemError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import type { ModelSettings } from '../models/model-client.ts';
import { PersonaAnswerError, structuredCall, type CallUsage } from '../models/structured-call.ts';
import { routerAnswerSchema, routerSystemPrompt, routerUserPrompt, type RouterAnswer } from '../personas/router.ts';
import type { Repo } from '../queue/work-job.ts';
import { redactSecrets } from './redact-secrets.ts';

export type { ModelSettings };

export interface RouteRequestInput extends ModelSettings {
  text: string;
  repo?: Repo;
  feedback?: string[];
}

/** The Router's answer (or the fallback) and what the calls cost. */
export interface RouteResult {
  route: RouterAnswer;
  usage: CallUsage;
}

/** Usage of no calls at all. */
export const emptyUsage = (): CallUsage => ({ calls: 0, promptTokens: 0, outputTokens: 0, durationMs: 0, loadMs: 0 });

/** The sum of two calls' usage. */
export function addUsage(left: CallUsage, right: CallUsage): CallUsage {
  return {
    calls: left.calls + right.calls,
    promptTokens: left.promptTokens + right.promptTokens,
    outputTokens: left.outputTokens + right.outputTokens,
    durationMs: left.durationMs + right.durationMs,
    loadMs: left.loadMs + right.loadMs,
  };
}

/** Whether `error` is the caller cancelling, which is passed on rather than answered. */
export function isCancellation(error: unknown, signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted) || (isTandemError(error) && error.code === 'task_cancelled');
}

/**
 * Asks the Router how hard a request is and whether review rounds help. The text is
 * redacted again here (redaction is idempotent), so a caller cannot leak a secret to the
 * model by skipping `screenRequest`. When the Router fails (unreachable, or invalid JSON
 * twice) the answer is `medium`, reflection on, not confident — so a human lead is asked
 * before anything runs. Only cancellation throws.
 */
/**
 * One short, deterministic structured call on the gateway's model (Guardrail, Router):
 * temperature 0, room for a small answer, the prompt fitted to what is left.
 */
export function gatewayCall<Schema extends z.ZodType>(
  settings: ModelSettings,
  call: { persona: string; schema: Schema; system: string; user: (budgetTokens: number) => string },
) {
  return structuredCall({
    client: settings.client,
    persona: call.persona,
    model: settings.model,
    schema: call.schema,
    system: call.system,
    user: call.user(Math.max(1000, settings.maxContext - 3000)),
    keepAlive: settings.keepAlive,
    maxContext: settings.maxContext,
    answerTokens: 1024,
    temperature: 0,
    signal: settings.signal,
    logger: settings.logger ?? silentLogger,
  });
}

export async function routeRequest(input: RouteRequestInput): Promise<RouteResult> {
  const logger = input.logger ?? silentLogger;
  try {
    const routed = await gatewayCall(input, {
      persona: 'Router',
      schema: routerAnswerSchema,
      system: routerSystemPrompt,
      user: (budget) => routerUserPrompt(redactSecrets(input.text).text, input.repo, input.feedback ?? [], budget),
    });
    return { route: routed.value, usage: routed.usage };
  } catch (error) {
    if (isCancellation(error, input.signal)) throw error;
    logger.warn({ error: describeError(error) }, 'router failed: asking a human lead');
    const problem = describeError(error).replace(/\s+/g, ' ');
    return {
      route: {
        difficulty: 'medium',
        reflection: true,
        confident: false,
        reason: `the router could not decide: ${problem.length <= 200 ? problem : `${problem.slice(0, 199)}…`}`,
      },
      usage: error instanceof PersonaAnswerError ? error.usage : emptyUsage(),
    };
  }
}
