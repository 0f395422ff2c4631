import type { z } from 'zod';
import { TandemError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { estimateTokens } from '../../models/context-window.ts';
import type { ModelClient } from '../../models/model-client.ts';
import type { ModelMemory } from '../../models/model-memory.ts';
import { PersonaAnswerError, structuredCall, type CallUsage } from '../../models/structured-call.ts';
import type { PersonaName, UsageByPersona } from '../../queue/work-job.ts';

export type PersonaModels = Record<PersonaName, string>;

export interface PersonaCallerOptions {
  client: ModelClient;
  models: PersonaModels;
  /** The model this worker keeps resident; others load on demand and are released after their step. */
  residentModel: string;
  /** keep_alive for the resident model: released after this idle period. */
  idleRelease: string;
  maxContext: number;
  /** Keeps the worker's Ollama within its memory budget; absent, models load as Ollama sees fit. */
  memory?: ModelMemory;
  /** The frontier model an escalated task's Coder uses (SOS), when FRONTIER_* are set. */
  frontier?: FrontierCoder;
  logger: Logger;
}

/** The cloud model that stands in for the Coder when a human lead escalates a stuck task. */
export interface FrontierCoder {
  client: ModelClient;
  model: string;
  /** Where the calls go, for the thread and the logs (the API's origin). */
  origin: string;
  maxContext: number;
}

const personaTitles: Record<PersonaName, string> = {
  planner: 'Planner',
  coder: 'Coder',
  reviewer: 'Reviewer',
  tester: 'Tester',
};

/** Answer room per persona, in tokens: the Coder writes whole files. */
const answerTokens: Record<PersonaName, number> = { planner: 2048, coder: 8192, reviewer: 2048, tester: 1024 };
/** Room kept for the repair retry: the rejected answer quoted back (cut to fit) and the problem. */
const repairRoom = 1024;

export function addUsage(total: UsageByPersona, persona: PersonaName, usage: CallUsage): void {
  const current = total[persona] ?? { calls: 0, promptTokens: 0, outputTokens: 0, durationMs: 0, loadMs: 0 };
  total[persona] = {
    calls: current.calls + usage.calls,
    promptTokens: current.promptTokens + usage.promptTokens,
    outputTokens: current.outputTokens + usage.outputTokens,
    durationMs: current.durationMs + usage.durationMs,
    loadMs: current.loadMs + usage.loadMs,
  };
}

/** Calls the worker's personas with their model, context window and residency policy. */
export class PersonaCaller {
  constructor(private readonly options: PersonaCallerOptions) {}

  /** The frontier Coder's model and where its calls go, or undefined when none is configured. */
  get frontierDescription(): { model: string; origin: string } | undefined {
    const frontier = this.options.frontier;
    return frontier ? { model: frontier.model, origin: frontier.origin } : undefined;
  }

  /**
   * Asks `persona`; `user` builds the user message for the token budget left by the
   * system prompt and the answer.
   * What the call cost is added to `usage`, also when the persona's answer was unusable.
   */
  async call<Schema extends z.ZodType>(input: {
    persona: PersonaName;
    schema: Schema;
    system: string;
    /** Builds the user message within a token budget. */
    user: (budgetTokens: number) => string | Promise<string>;
    usage: UsageByPersona;
    signal?: AbortSignal;
    /** The task was escalated: the Coder's calls go to the frontier model. */
    escalated?: boolean;
  }): Promise<z.infer<Schema>> {
    if (input.escalated && input.persona === 'coder') return this.#callFrontier(input);
    const model = this.options.models[input.persona];
    const resident = model === this.options.residentModel;
    const memory = this.options.memory;
    const target = {
      client: this.options.client,
      model,
      maxContext: this.options.maxContext,
      // Another persona's model stays loaded through its step's repair retry, then is released below.
      keepAlive: resident || memory ? this.options.idleRelease : 0,
    };
    // The prompt is built while the memory budget is checked (an /api/ps round trip).
    const user = this.#userMessage(input, target.maxContext);
    if (!memory) return this.#ask(input, target, await user);
    user.catch(() => undefined); // awaited in the call; a refused admission leaves it unread
    try {
      return await memory.use(model, async () => this.#ask(input, target, await user), input.signal);
    } finally {
      if (!resident) {
        await memory.release(model).catch((error: unknown) => this.options.logger.warn({ model, err: error }, 'could not release the persona model'));
      }
    }
  }

  async #callFrontier<Schema extends z.ZodType>(input: Parameters<PersonaCaller['call']>[0] & { schema: Schema }): Promise<z.infer<Schema>> {
    const frontier = this.options.frontier;
    if (!frontier) {
      throw new TandemError(
        'frontier_not_configured',
        'this task was escalated to a frontier model, but this worker has no FRONTIER_API_URL, FRONTIER_API_KEY and FRONTIER_MODEL: set them in the worker\'s .env and reply in the thread, or escalate again',
      );
    }
    const user = await this.#userMessage(input, frontier.maxContext);
    return this.#ask(input, { client: frontier.client, model: frontier.model, maxContext: frontier.maxContext, keepAlive: 0 }, user);
  }

  /** The user message, built for the token budget the system prompt and the answer leave in `maxContext`. */
  async #userMessage(input: Parameters<PersonaCaller['call']>[0], maxContext: number): Promise<string> {
    const budget = maxContext - answerTokens[input.persona] - estimateTokens(input.system) - repairRoom - 64;
    return input.user(Math.max(512, budget));
  }

  async #ask<Schema extends z.ZodType>(
    input: Parameters<PersonaCaller['call']>[0] & { schema: Schema },
    target: { client: ModelClient; model: string; maxContext: number; keepAlive: string | number },
    user: string,
  ): Promise<z.infer<Schema>> {
    const answerRoom = answerTokens[input.persona];
    try {
      const result = await structuredCall({
        client: target.client,
        persona: personaTitles[input.persona],
        model: target.model,
        schema: input.schema,
        system: input.system,
        user,
        keepAlive: target.keepAlive,
        maxContext: target.maxContext,
        answerTokens: answerRoom,
        repairTokens: repairRoom,
        temperature: 0.2,
        signal: input.signal,
        logger: this.options.logger,
      });
      addUsage(input.usage, input.persona, result.usage);
      return result.value;
    } catch (error) {
      if (error instanceof PersonaAnswerError) addUsage(input.usage, input.persona, error.usage);
      throw error;
    }
  }
}
