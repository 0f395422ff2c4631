import { Ollama } from 'ollama';
import { bufferedFetch } from '../buffered-fetch.ts';
import { TandemError } from '../errors.ts';

type Fetch = typeof fetch;

export interface LoadedModel {
  name: string;
  /** Bytes of memory the model holds, its KV cache included (`/api/ps` `size`). */
  size: number;
  /** The part of `size` on the GPU; on Apple silicon memory is shared, so usually all of it. */
  sizeVram: number;
  expiresAt: string | undefined;
}

/** What Ollama says about an installed model that tells how much memory it will take. */
export interface ModelFootprint {
  /** Bytes of the model's weights file (`/api/tags` `size`). */
  weightBytes: number;
  /** From `/api/show` `model_info`: layers, KV heads and the width of one head, when the model says. */
  layers?: number;
  kvHeads?: number;
  headWidth?: number;
}

function numberAt(info: Record<string, unknown>, suffix: string): number | undefined {
  const entry = Object.entries(info).find(([key]) => key.endsWith(suffix));
  return typeof entry?.[1] === 'number' && entry[1] > 0 ? entry[1] : undefined;
}

/** Which models an Ollama holds in memory, and loading or unloading one (DESIGN §4). */
export class OllamaResidency {
  readonly host: string;
  readonly #client: Ollama;

  /** `fetch` defaults to `bufferedFetch`: every answer here is read whole. */
  constructor(options: { host: string; fetch?: Fetch }) {
    this.host = options.host;
    this.#client = new Ollama({ host: options.host, fetch: options.fetch ?? bufferedFetch });
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

  /** Asks Ollama to release `model` now (`keep_alive: 0` with an empty prompt). */
  async unload(model: string): Promise<void> {
    try {
      await this.#client.generate({ model, prompt: '', keep_alive: 0, stream: false });
    } catch (error) {
      throw new TandemError('model_unreachable', `cannot unload ${model} at ${this.host}`, { cause: error, retryable: true });
    }
  }

  async loaded(): Promise<LoadedModel[]> {
    let answer: Awaited<ReturnType<Ollama['ps']>>;
    try {
      answer = await this.#client.ps();
    } catch (error) {
      throw new TandemError('model_unreachable', `cannot reach Ollama at ${this.host} to see what it holds (is \`ollama serve\` running there?)`, { cause: error, retryable: true });
    }
    return answer.models.map((model) => ({
      name: model.name,
      size: model.size ?? model.size_vram ?? 0,
      sizeVram: model.size_vram,
      expiresAt: model.expires_at ? String(model.expires_at) : undefined,
    }));
  }

  /** The weights' size from `/api/tags` and the KV cache's shape from `/api/show`, for memory planning. */
  async footprint(model: string): Promise<ModelFootprint> {
    const fullName = model.includes(':') ? model : `${model}:latest`;
    let weightBytes: number | undefined;
    let info: Record<string, unknown> = {};
    try {
      const installed = (await this.#client.list()).models;
      weightBytes = installed.find((candidate) => candidate.name === model || candidate.name === fullName)?.size;
      if (weightBytes !== undefined) info = ((await this.#client.show({ model })).model_info ?? {}) as unknown as Record<string, unknown>;
    } catch (error) {
      throw new TandemError('model_unreachable', `cannot ask Ollama at ${this.host} about ${model}`, { cause: error, retryable: true });
    }
    if (weightBytes === undefined) {
      throw new TandemError('model_not_found', `${model} is not installed at ${this.host} (run: ollama pull ${model})`);
    }
    const heads = numberAt(info, '.attention.head_count');
    const width = numberAt(info, '.embedding_length');
    return {
      weightBytes,
      layers: numberAt(info, '.block_count'),
      kvHeads: numberAt(info, '.attention.head_count_kv') ?? heads,
      headWidth: numberAt(info, '.attention.key_length') ?? (heads && width ? width / heads : undefined),
    };
  }
}
