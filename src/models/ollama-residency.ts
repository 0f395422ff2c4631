import { Ollama } from 'ollama';
import { TandemError } from '../errors.ts';

type Fetch = typeof fetch;

export interface LoadedModel {
  name: string;
  /** Bytes of (V)RAM the model holds. */
  sizeVram: number;
  expiresAt: string | undefined;
}

/** Which models an Ollama holds in memory, and loading one ahead of its first call (DESIGN §4). */
export class OllamaResidency {
  readonly host: string;
  readonly #client: Ollama;

  constructor(options: { host: string; fetch?: Fetch }) {
    this.host = options.host;
    this.#client = new Ollama({ host: options.host, fetch: options.fetch });
  }

  /** Loads `model` and keeps it for `keepAlive` (`-1`: until unloaded): an empty prompt is Ollama's load request. */
  async load(model: string, keepAlive: string | number): Promise<void> {
    try {
      await this.#client.generate({ model, prompt: '', keep_alive: keepAlive, stream: false });
    } catch (error) {
      const status = (error as { status_code?: number }).status_code;
      throw new TandemError(
        status === 404 ? 'model_not_found' : 'model_unreachable',
        status === 404 ? `${model} is not installed at ${this.host} (run: ollama pull ${model})` : `cannot load ${model} at ${this.host}`,
        { cause: error, retryable: status !== 404 },
      );
    }
  }

  async loaded(): Promise<LoadedModel[]> {
    const answer = await this.#client.ps();
    return answer.models.map((model) => ({
      name: model.name,
      sizeVram: model.size_vram,
      expiresAt: model.expires_at ? String(model.expires_at) : undefined,
    }));
  }
}
