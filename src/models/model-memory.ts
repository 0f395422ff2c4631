import { setTimeout as sleep } from 'node:timers/promises';
import { TandemError, isTandemError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { LoadedModel, ModelFootprint, OllamaResidency } from './ollama-residency.ts';

/** What `ModelMemory` needs of an Ollama: `OllamaResidency` in production. */
export type Residency = Pick<OllamaResidency, 'host' | 'loaded' | 'unload' | 'footprint'>;

export interface ModelMemoryOptions {
  residency: Residency;
  /** Bytes the worker may let its Ollama hold at once (`WORKER_MEMORY_GB`). */
  budgetBytes: number;
  /** The worker's own model: unloaded only when nothing else makes room. */
  residentModel: string;
  /** The largest `num_ctx` a call may use: the KV cache is planned for it. */
  maxContext: number;
  logger?: Logger;
  /** How long to wait for Ollama to report an unloaded model gone (default 30 s). */
  unloadWaitMs?: number;
}

const gigabyte = 1024 ** 3;
export const formatGigabytes = (bytes: number) => `${(bytes / gigabyte).toFixed(1)} GB`;

/**
 * Memory a model takes once loaded: its weights plus an f16 KV cache for `numCtx` tokens
 * (2 × layers × KV heads × head width × 2 bytes per token). When `/api/show` does not give
 * the shape, 15% over the weights stands in. Models with sliding-window or linear
 * attention need less than this; the estimate errs on the safe side.
 */
export function estimateModelBytes(footprint: ModelFootprint, numCtx: number): number {
  const { weightBytes, layers, kvHeads, headWidth } = footprint;
  if (layers && kvHeads && headWidth) return weightBytes + 2 * layers * kvHeads * headWidth * 2 * numCtx;
  return Math.round(weightBytes * 1.15);
}

/** Why `model` cannot be loaded within the budget, and what to change. */
export function overBudgetText(model: string, neededBytes: number, maxContext: number, budgetBytes: number): string {
  return `${model} needs about ${formatGigabytes(neededBytes)} with a ${maxContext}-token context, more than the worker's memory budget of ${formatGigabytes(budgetBytes)} (WORKER_MEMORY_GB): use a smaller model or quantisation, lower WORKER_MAX_CONTEXT, or raise WORKER_MEMORY_GB`;
}

/**
 * Keeps the worker's Ollama within its memory budget (DESIGN §4). Before a persona call
 * loads a model, `use` checks what `/api/ps` says is loaded against the budget and unloads
 * other models first — never the model of a call still running here; such a call is waited
 * for. A model that alone exceeds the budget is refused with a clear error.
 */
export class ModelMemory {
  readonly #options: Required<Omit<ModelMemoryOptions, 'logger'>> & { logger: Logger };
  /** Calls running now, per model, with the bytes the model was planned to take. */
  readonly #inUse = new Map<string, { calls: number; bytes: number }>();
  /** Admissions are one at a time, so two calls never plan with the same free memory. */
  #admitting: Promise<void> = Promise.resolve();
  #callEnded: (() => void)[] = [];

  constructor(options: ModelMemoryOptions) {
    this.#options = { unloadWaitMs: 30_000, logger: silentLogger, ...options };
  }

  get budgetBytes(): number {
    return this.#options.budgetBytes;
  }

  /**
   * Runs `call` on `model` once the model fits in the budget. When the Ollama cannot be
   * asked what it holds, the call goes ahead unchecked: it fails itself, with the model
   * client's retries and its message, if the Ollama is really gone.
   */
  async use<T>(model: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const admitted = this.#admitting.then(() =>
      this.#admit(model, signal).catch((error: unknown) => {
        if (!isTandemError(error) || error.code !== 'model_unreachable') throw error;
        this.#options.logger.warn({ model, reason: error.message }, 'could not check the memory budget; calling the model anyway');
        this.#countCall(model, 0);
      }),
    );
    this.#admitting = admitted.catch(() => undefined);
    await admitted;
    try {
      return await call();
    } finally {
      const entry = this.#inUse.get(model);
      if (entry && entry.calls > 1) entry.calls -= 1;
      else this.#inUse.delete(model);
      for (const wake of this.#callEnded.splice(0)) wake();
    }
  }

  /** Releases `model` at once (a persona's model at the end of its step), unless a call still uses it. */
  async release(model: string): Promise<void> {
    if (this.#inUse.has(model)) return;
    await this.#options.residency.unload(model);
  }

  async #admit(model: string, signal: AbortSignal | undefined): Promise<void> {
    const { residency, budgetBytes, logger } = this.#options;
    let bytes = 0;
    for (;;) {
      signal?.throwIfAborted();
      const loaded = await residency.loaded();
      const present = loaded.find((entry) => entry.name === model);
      if (present || this.#inUse.has(model)) {
        bytes = present?.size ?? this.#inUse.get(model)!.bytes;
        break;
      }
      const needed = estimateModelBytes(await residency.footprint(model), this.#options.maxContext);
      if (needed > budgetBytes) throw new TandemError('model_over_budget', overBudgetText(model, needed, this.#options.maxContext, budgetBytes));
      const victims = this.#victims(loaded, needed);
      if (victims === 'wait') {
        logger.info({ model }, 'waiting for a running call to end before loading');
        await new Promise<void>((resolve) => this.#callEnded.push(resolve));
        continue;
      }
      for (const victim of victims) {
        logger.info({ model, unloading: victim.name, size: formatGigabytes(victim.size), budget: formatGigabytes(budgetBytes) }, 'unloading a model to make room');
        await residency.unload(victim.name);
      }
      await this.#waitUntilGone(victims.map((victim) => victim.name));
      bytes = needed;
      break;
    }
    this.#countCall(model, bytes);
  }

  #countCall(model: string, bytes: number): void {
    const entry = this.#inUse.get(model);
    if (entry) entry.calls += 1;
    else this.#inUse.set(model, { calls: 1, bytes });
  }

  /** The models to unload so `needed` bytes fit: others first, the resident model last; 'wait' when only busy ones would do. */
  #victims(loaded: LoadedModel[], needed: number): LoadedModel[] | 'wait' {
    // A model whose call has started may not show in /api/ps yet: it is counted all the same.
    const loading = [...this.#inUse].filter(([name]) => !loaded.some((entry) => entry.name === name));
    let used = loaded.reduce((total, entry) => total + entry.size, 0) + loading.reduce((total, [, entry]) => total + entry.bytes, 0);
    if (used + needed <= this.#options.budgetBytes) return [];
    const candidates = loaded
      .filter((entry) => !this.#inUse.has(entry.name))
      .sort((left, right) => Number(left.name === this.#options.residentModel) - Number(right.name === this.#options.residentModel) || right.size - left.size);
    const chosen: LoadedModel[] = [];
    for (const candidate of candidates) {
      if (used + needed <= this.#options.budgetBytes) break;
      chosen.push(candidate);
      used -= candidate.size;
    }
    return used + needed <= this.#options.budgetBytes ? chosen : 'wait';
  }

  async #waitUntilGone(names: string[]): Promise<void> {
    if (names.length === 0) return;
    const deadline = Date.now() + this.#options.unloadWaitMs;
    for (;;) {
      const loaded = await this.#options.residency.loaded();
      const left = names.filter((name) => loaded.some((entry) => entry.name === name));
      if (left.length === 0) return;
      if (Date.now() > deadline) {
        throw new TandemError('model_unload_timeout', `Ollama at ${this.#options.residency.host} still holds ${left.join(', ')} after being asked to unload it`, { retryable: true });
      }
      await sleep(250);
    }
  }
}
