import { z } from 'zod';
import { TandemError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { silentLogger } from '../logger.ts';
import { contextWindowFor, estimateMessagesTokens, fitText } from './context-window.ts';
import type { ChatMessage, ModelClient } from './model-client.ts';

export interface CallUsage {
  calls: number;
  promptTokens: number;
  outputTokens: number;
  durationMs: number;
  loadMs: number;
}

/** A persona answered with invalid JSON twice; carries what the two calls cost. */
export class PersonaAnswerError extends TandemError {
  readonly persona: string;
  readonly usage: CallUsage;

  constructor(persona: string, model: string, problem: string, usage: CallUsage) {
    super('persona_invalid_answer', `the ${persona} (${model}) gave an invalid answer twice; last problem: ${problem}`);
    this.persona = persona;
    this.usage = usage;
  }
}

export interface StructuredCallInput<Schema extends z.ZodType> {
  client: ModelClient;
  /** Who is answering, for errors and logs (e.g. `Planner`). */
  persona: string;
  model: string;
  schema: Schema;
  system: string;
  user: string;
  keepAlive: string | number;
  /** The largest `num_ctx` this model may be given. */
  maxContext: number;
  /** Room kept for the answer, in tokens. */
  answerTokens?: number;
  /**
   * Room the prompt leaves for the repair retry (default 1024 tokens): the rejected answer
   * is quoted back cut to fit it, so the retry stays within the same `num_ctx`.
   */
  repairTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface StructuredCallResult<Value> {
  value: Value;
  usage: CallUsage;
}

/** Parses a model's text as JSON, tolerating a Markdown code fence around it. */
function parseJson(content: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const trimmed = content.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(trimmed);
  const text = fenced ? fenced[1]! : trimmed;
  if (text === '') return { ok: false, problem: 'the answer was empty' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problem: `the answer is not valid JSON (${(error as Error).message})` };
  }
}

function validate<Schema extends z.ZodType>(schema: Schema, content: string) {
  const parsed = parseJson(content);
  if (!parsed.ok) return { ok: false as const, problem: parsed.problem };
  const result = schema.safeParse(parsed.value);
  if (result.success) return { ok: true as const, value: result.data as z.infer<Schema> };
  const problems = result.error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return { ok: false as const, problem: `the answer does not match the schema: ${problems.join('; ')}` };
}

/**
 * Each answer schema's JSON schema, made once: `toJSONSchema` walks the whole schema every
 * time (about 70 µs for the Coder's). The persona schemas are module constants; the
 * objects here are shared by every call and never modified.
 */
const answerFormats = new WeakMap<z.ZodType, Record<string, unknown>>();

function answerFormat(schema: z.ZodType): Record<string, unknown> {
  let format = answerFormats.get(schema);
  if (format === undefined) {
    format = z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
    answerFormats.set(schema, format);
  }
  return format;
}

/**
 * One structured persona call (DESIGN §3): Ollama's `format` is the JSON schema of the
 * expected answer, the answer is validated with zod, and an invalid answer is retried
 * once with the problem quoted. A second invalid answer is a persona error, not a crash.
 */
export async function structuredCall<Schema extends z.ZodType>(
  input: StructuredCallInput<Schema>,
): Promise<StructuredCallResult<z.infer<Schema>>> {
  const logger = input.logger ?? silentLogger;
  const format = answerFormat(input.schema);
  const messages: ChatMessage[] = [
    { role: 'system', content: input.system },
    { role: 'user', content: input.user },
  ];
  const usage: CallUsage = { calls: 0, promptTokens: 0, outputTokens: 0, durationMs: 0, loadMs: 0 };
  let lastProblem = '';

  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const numCtx = contextWindowFor(estimateMessagesTokens(messages), input.answerTokens ?? 4096, input.maxContext);
    const answer = await input.client.chat({
      model: input.model,
      messages,
      format,
      numCtx,
      keepAlive: input.keepAlive,
      temperature: input.temperature,
      signal: input.signal,
    });
    usage.calls += 1;
    usage.promptTokens += answer.promptTokens;
    usage.outputTokens += answer.outputTokens;
    usage.durationMs += answer.durationMs;
    usage.loadMs += answer.loadMs;

    const checked = validate(input.schema, answer.content);
    if (checked.ok) return { value: checked.value, usage };

    lastProblem = checked.problem;
    logger.warn({ persona: input.persona, attempt, problem: lastProblem }, 'model answer rejected');
    messages.push(
      { role: 'assistant', content: fitText(answer.content, Math.max(64, (input.repairTokens ?? 1024) - 300)) },
      {
        role: 'user',
        content: `Your answer was rejected: ${lastProblem.slice(0, 600)}. Answer again with only one JSON object that follows the schema exactly.`,
      },
    );
  }

  throw new PersonaAnswerError(input.persona, input.model, lastProblem, usage);
}
