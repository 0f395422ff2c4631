import { Ollama } from 'ollama';
import { modelCallFetch } from '../buffered-fetch.ts';
import { TandemError } from '../errors.ts';
import type { ChatAnswer, ChatRequest, ModelClient } from './model-client.ts';

type Fetch = typeof fetch;

export interface OllamaModelClientOptions {
  /** Ollama's base URL, e.g. `http://127.0.0.1:11434`. */
  host: string;
  /** Default: `modelCallFetch`, without undici's deadlines: `timeoutMs` bounds each call. */
  fetch?: Fetch;
  /** Upper bound for one call, model loading included. */
  timeoutMs?: number;
}

const nanosecondsToMs = (value: number | undefined) => (value ?? 0) / 1e6;

/** `ModelClient` over Ollama's `/api/chat` through the official client. */
export class OllamaModelClient implements ModelClient {
  readonly host: string;
  private readonly fetch: Fetch;
  private readonly timeoutMs: number;

  constructor(options: OllamaModelClientOptions) {
    this.host = options.host;
    this.fetch = options.fetch ?? modelCallFetch;
    this.timeoutMs = options.timeoutMs ?? 15 * 60_000;
  }

  async chat(request: ChatRequest): Promise<ChatAnswer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    // The client takes no signal for non-streamed calls; its injectable fetch does.
    const baseFetch = this.fetch;
    const client = new Ollama({
      host: this.host,
      fetch: ((input: Parameters<Fetch>[0], init?: RequestInit) => baseFetch(input, { ...init, signal })) as Fetch,
    });
    try {
      const response = await client.chat({
        model: request.model,
        messages: request.messages,
        format: request.format,
        keep_alive: request.keepAlive,
        options: { num_ctx: request.numCtx, ...(request.temperature === undefined ? {} : { temperature: request.temperature }) },
        stream: false,
      });
      return {
        content: response.message?.content ?? '',
        promptTokens: response.prompt_eval_count ?? 0,
        outputTokens: response.eval_count ?? 0,
        durationMs: nanosecondsToMs(response.total_duration),
        loadMs: nanosecondsToMs(response.load_duration),
      };
    } catch (error) {
      throw this.classify(error, request, timeout.aborted);
    }
  }

  private classify(error: unknown, request: ChatRequest, timedOut: boolean): TandemError {
    const where = `${request.model} at ${this.host}`;
    if (request.signal?.aborted) {
      return new TandemError('task_cancelled', `the call to ${where} was cancelled`, { cause: error });
    }
    if (timedOut) {
      return new TandemError('model_timeout', `${where} did not answer within ${Math.round(this.timeoutMs / 1000)} s`, {
        cause: error,
        retryable: true,
      });
    }
    const status = (error as { status_code?: number }).status_code;
    if (typeof status === 'number') {
      const detail = (error as Error).message;
      if (status === 404) {
        return new TandemError('model_not_found', `${where}: ${detail} (run: ollama pull ${request.model})`, {
          cause: error,
        });
      }
      return new TandemError('model_error', `${where} answered ${status}: ${detail}`, {
        cause: error,
        retryable: status >= 500 || status === 429,
      });
    }
    if (error instanceof SyntaxError) {
      return new TandemError('model_error', `${where} sent a reply that is not Ollama's JSON (${error.message})`, {
        cause: error,
        retryable: true,
      });
    }
    return new TandemError('model_unreachable', `cannot reach Ollama at ${this.host} for ${request.model} (is \`ollama serve\` running there?)`, {
      cause: error,
      retryable: true,
    });
  }
}
