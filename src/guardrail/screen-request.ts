import { describeError, isTandemError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { PersonaAnswerError, type CallUsage } from '../models/structured-call.ts';
import { guardrailAnswerSchema, guardrailSystemPrompt, guardrailUserPrompt } from '../personas/guardrail.ts';
import type { RouterAnswer } from '../personas/router.ts';
import type { Repo } from '../queue/work-job.ts';
import { redactSecrets } from './redact-secrets.ts';
import { addUsage, emptyUsage, gatewayCall, isCancellation, routeRequest, type ModelSettings } from './route-request.ts';
import { screenByRules } from './rules.ts';

export { routeRequest, type RouteRequestInput, type RouteResult } from './route-request.ts';

/** What `screenRequest` needs: the raw request, its repository, and the gateway model. */
export interface ScreenRequestInput extends ModelSettings {
  /** The request as the person typed it (it may hold secrets: nothing downstream sees them). */
  text: string;
  repo?: Repo;
  /** Whether to ask the Router too (new tasks); `false` screens only (thread follow-ups). Default `true`. */
  route?: boolean;
  /** Thread feedback, for the Router. */
  feedback?: string[];
}

/** A screening verdict; `redactedText` is the only form of the request that may travel further. */
export type ScreenResult =
  | {
      verdict: 'block';
      /** `rules`: the deterministic layer; `model`: the Guardrail model, or the fail-closed answer when it could not judge. */
      layer: 'rules' | 'model';
      /** `secret`, `prompt_injection`, `destructive`, `exfiltration`, the model's own category, or `guardrail_unavailable`. */
      category: string;
      reason: string;
      redactedText: string;
      usage: CallUsage;
    }
  | { verdict: 'allow'; redactedText: string; route?: RouterAnswer; usage: CallUsage };

/** The category of the fail-closed block when the Guardrail model could not judge a request. */
export const guardrailUnavailable = 'guardrail_unavailable';

const oneLine = (text: string, limit: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
};

function unavailableReason(error: unknown): string {
  const what =
    error instanceof PersonaAnswerError
      ? 'the Guardrail model gave an invalid answer twice'
      : isTandemError(error) && error.code === 'model_not_found'
        ? oneLine(error.message, 200)
        : `the Guardrail model is unreachable (${oneLine(describeError(error), 160)})`;
  return `The safety check could not judge this request: ${what}. Nothing was queued. Try again in a minute; if it keeps failing, check ROUTER_OLLAMA_URL and ROUTER_MODEL (\`tandem doctor\` says what to fix).`;
}

/**
 * Screens a request before anything is queued (DESIGN §2, §5): secrets are redacted first
 * (`redactedText` is what may be logged, stored and sent to models), then the
 * deterministic rules, then the Guardrail model on the redacted text, then — for an
 * allowed request, unless `route` is false — the Router.
 *
 * The Guardrail fails CLOSED: when its model is unreachable, errors, or answers invalid
 * JSON twice, the request is blocked with category `guardrail_unavailable` (layer `model`)
 * and a reason that says to try again and what to check. Only cancellation (the `signal`)
 * throws. A Router failure never blocks: see `routeRequest`.
 */
export async function screenRequest(input: ScreenRequestInput): Promise<ScreenResult> {
  const logger = input.logger ?? silentLogger;
  const redaction = redactSecrets(input.text);
  const redactedText = redaction.text;
  let usage = emptyUsage();

  const rules = screenByRules(input.text, redaction);
  if (rules.verdict === 'block') {
    logger.info({ layer: 'rules', category: rules.category, rule: rules.rule }, 'request blocked');
    return { verdict: 'block', layer: 'rules', category: rules.category, reason: rules.reason, redactedText, usage };
  }

  try {
    const judged = await gatewayCall(input, {
      persona: 'Guardrail',
      schema: guardrailAnswerSchema,
      system: guardrailSystemPrompt,
      user: (budget) => guardrailUserPrompt(redactedText, input.repo, budget),
    });
    usage = addUsage(usage, judged.usage);
    if (judged.value.verdict === 'block') {
      const category = judged.value.category.trim().toLowerCase() || 'unsafe';
      const reason = oneLine(judged.value.reason, 300) || 'The safety check judged this request unsafe.';
      logger.info({ layer: 'model', category }, 'request blocked');
      return { verdict: 'block', layer: 'model', category, reason, redactedText, usage };
    }
  } catch (error) {
    if (isCancellation(error, input.signal)) throw error;
    if (error instanceof PersonaAnswerError) usage = addUsage(usage, error.usage);
    logger.warn({ error: describeError(error) }, 'guardrail model unavailable: request blocked (fail closed)');
    return { verdict: 'block', layer: 'model', category: guardrailUnavailable, reason: unavailableReason(error), redactedText, usage };
  }

  if (input.route === false) return { verdict: 'allow', redactedText, usage };
  const routed = await routeRequest({ ...input, text: redactedText });
  return { verdict: 'allow', redactedText, route: routed.route, usage: addUsage(usage, routed.usage) };
}
