import { setTimeout as sleep } from 'node:timers/promises';
import { TandemError, isTandemError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { ChatAnswer, ChatRequest, ModelClient } from './model-client.ts';

export interface ModelRetryOptions {
  /** Calls in all, the first included (default 3). */
  attempts?: number;
  /** Wait before the first retry; it doubles for each further retry (default 2 s). */
  baseDelayMs?: number;
  /** Upper bound of one wait (default 30 s). */
  maxDelayMs?: number;
  /** Error codes retried here (default: `model_error` and `model_unreachable`, when retryable). */
  codes?: readonly string[];
  logger?: Logger;
}

/**
 * Codes retried within one call. `model_timeout` is left to the job's own retries: each
 * try already waited the whole timeout, so retrying it here would multiply that wait.
 */
export const defaultRetriedModelCodes: readonly string[] = ['model_error', 'model_unreachable'];

/**
 * A `ModelClient` that retries quick transient failures (Ollama answering 5xx or 429, or
 * not reachable) a bounded number of times with exponential backoff. A cancelled request
 * is never retried and its backoff wait ends at once. The error of the last try is thrown
 * with how many tries were made; it stays retryable, so the job may still try again later.
 */
export class RetryingModelClient implements ModelClient {
  readonly #inner: ModelClient;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #codes: ReadonlySet<string>;
  readonly #logger: Logger;

  constructor(inner: ModelClient, options: ModelRetryOptions = {}) {
    this.#inner = inner;
    this.#attempts = Math.max(1, Math.floor(options.attempts ?? 3));
    this.#baseDelayMs = Math.max(0, options.baseDelayMs ?? 2_000);
    this.#maxDelayMs = Math.max(this.#baseDelayMs, options.maxDelayMs ?? 30_000);
    this.#codes = new Set(options.codes ?? defaultRetriedModelCodes);
    this.#logger = options.logger ?? silentLogger;
  }

  async chat(request: ChatRequest): Promise<ChatAnswer> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#inner.chat(request);
      } catch (error) {
        const retried = isTandemError(error) && error.retryable && this.#codes.has(error.code);
        if (!retried || request.signal?.aborted) throw error;
        if (attempt >= this.#attempts) {
          if (attempt === 1) throw error;
          throw new TandemError(error.code, `${error.message} (${attempt} tries)`, { cause: error, retryable: true });
        }
        const delayMs = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
        this.#logger.warn({ model: request.model, code: error.code, attempt, delayMs, reason: error.message }, 'model call failed; retrying');
        try {
          await sleep(delayMs, undefined, { signal: request.signal });
        } catch (sleepError) {
          throw new TandemError('task_cancelled', `the call to ${request.model} was cancelled while waiting to retry`, { cause: sleepError });
        }
      }
    }
  }
}
