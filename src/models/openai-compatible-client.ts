import { z } from 'zod';
import { modelCallFetch } from '../buffered-fetch.ts';
import { TandemError } from '../errors.ts';
import type { ChatAnswer, ChatRequest, ModelClient } from './model-client.ts';

type Fetch = typeof fetch;

export interface OpenAiCompatibleClientOptions {
  /** The API's base URL, e.g. `https://api.openai.com/v1`; requests go to `<url>/chat/completions`. */
  apiUrl: string;
  apiKey: string;
  /** Default: `modelCallFetch`, without undici's deadlines: `timeoutMs` bounds each call. */
  fetch?: Fetch;
  /** Upper bound for one call (default 5 min). */
  timeoutMs?: number;
}

const completionSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullable().optional() }), finish_reason: z.string().nullable().optional() }))
    .min(1, 'the answer has no choices'),
  usage: z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() }).partial().optional(),
});

const errorSchema = z.object({ error: z.object({ message: z.string() }).partial() }).partial();

/**
 * `ModelClient` over an OpenAI-compatible `/chat/completions` API (DESIGN §1: the
 * frontier model of the SOS path). A request's `format` becomes a `json_schema` response
 * format; `numCtx` and `keepAlive` mean nothing to a cloud API and are not sent.
 */
export class OpenAiCompatibleClient implements ModelClient {
  readonly endpoint: string;
  readonly #apiKey: string;
  readonly #fetch: Fetch;
  readonly #timeoutMs: number;

  constructor(options: OpenAiCompatibleClientOptions) {
    this.endpoint = `${options.apiUrl.replace(/\/+$/, '')}/chat/completions`;
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? modelCallFetch;
    this.#timeoutMs = options.timeoutMs ?? 5 * 60_000;
  }

  async chat(request: ChatRequest): Promise<ChatAnswer> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const started = Date.now();
    const body = {
      model: request.model,
      messages: request.messages,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.format ? { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: request.format, strict: false } } } : {}),
    };
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#apiKey}` },
        body: JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) throw new TandemError('task_cancelled', `the call to ${request.model} was cancelled`, { cause: error });
      if (timeout.aborted) {
        throw new TandemError('model_timeout', `${request.model} at ${this.endpoint} did not answer within ${Math.round(this.#timeoutMs / 1000)} s`, { cause: error, retryable: true });
      }
      throw new TandemError('model_unreachable', `cannot reach the frontier API at ${this.endpoint} (FRONTIER_API_URL)`, { cause: error, retryable: true });
    }
    if (!response.ok) throw this.#failure(response.status, text, request.model);
    let parsed: z.infer<typeof completionSchema>;
    try {
      parsed = completionSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new TandemError('model_error', `the frontier API at ${this.endpoint} sent an answer that is not a chat completion`, { cause: error, retryable: true });
    }
    return {
      content: parsed.choices[0]!.message.content ?? '',
      promptTokens: parsed.usage?.prompt_tokens ?? 0,
      outputTokens: parsed.usage?.completion_tokens ?? 0,
      durationMs: Date.now() - started,
      loadMs: 0,
    };
  }

  #failure(status: number, text: string, model: string): TandemError {
    let detail = text.slice(0, 300);
    try {
      detail = errorSchema.parse(JSON.parse(text)).error?.message ?? detail;
    } catch {
      // not JSON: the start of the body says what happened
    }
    const where = `the frontier API (${model} at ${this.endpoint}) answered ${status}: ${detail.trim().replace(/[.\s]+$/, '')}`;
    if (status === 401 || status === 403) return new TandemError('frontier_rejected', `${where}. Check FRONTIER_API_KEY.`);
    if (status === 404) return new TandemError('model_not_found', `${where}. Check FRONTIER_MODEL and FRONTIER_API_URL.`);
    return new TandemError('model_error', where, { retryable: status === 429 || status >= 500 });
  }
}
