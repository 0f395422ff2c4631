import type { z } from 'zod';
import type { Logger } from '../../logger.ts';
import { estimateTokens } from '../../models/context-window.ts';
import type { ModelClient } from '../../models/model-client.ts';
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
  logger: Logger;
}

const personaTitles: Record<PersonaName, string> = {
  planner: 'Planner',
  coder: 'Coder',
  reviewer: 'Reviewer',
  tester: 'Tester',
};

/** Answer room per persona, in tokens: the Coder writes whole files. */
const answerTokens: Record<PersonaName, number> = { planner: 2048, coder: 8192, reviewer: 2048, tester: 1024 };

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
  }): Promise<z.infer<Schema>> {
    const model = this.options.models[input.persona];
    const answerRoom = answerTokens[input.persona];
    const budget = this.options.maxContext - answerRoom - estimateTokens(input.system) - 64;
    const system = input.system;
    const user = await input.user(Math.max(512, budget));
    try {
      const result = await structuredCall({
        client: this.options.client,
        persona: personaTitles[input.persona],
        model,
        schema: input.schema,
        system,
        user,
        keepAlive: model === this.options.residentModel ? this.options.idleRelease : 0,
        maxContext: this.options.maxContext,
        answerTokens: answerRoom,
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
