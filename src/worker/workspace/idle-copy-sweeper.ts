import type { Logger } from '../../logger.ts';

export interface IdleCopySweeperOptions {
  /** Deletes the kept working copies no task used for `maxIdleMs`; resolves to how many. */
  removeIdleCopies: (maxIdleMs: number) => Promise<number>;
  /** `WORKSPACE_KEEP_DAYS`, in milliseconds. */
  maxIdleMs: number;
  /** Time between sweeps (default one hour). */
  intervalMs?: number;
  logger: Logger;
}

export const defaultSweepIntervalMs = 3_600_000;

/**
 * Keeps `WORKSPACE_DIR` from growing with every repository a worker ever worked on: sweeps
 * out the kept working copies left unused for `maxIdleMs`, when the worker starts and then
 * every `intervalMs`, one sweep at a time. A failed sweep is logged and tried again at the
 * next one.
 */
export class IdleCopySweeper {
  readonly #options: IdleCopySweeperOptions;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  constructor(options: IdleCopySweeperOptions) {
    this.#options = options;
  }

  /** Sweeps now, then every `intervalMs` until `close`. */
  start(): void {
    if (this.#closed || this.#timer) return;
    this.#sweep();
    this.#timer = setInterval(() => this.#sweep(), this.#options.intervalMs ?? defaultSweepIntervalMs);
    this.#timer.unref();
  }

  /** Stops sweeping; resolves once a sweep under way has ended. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#sweeping;
  }

  #sweep(): void {
    if (this.#closed || this.#sweeping) return;
    const { removeIdleCopies, maxIdleMs, logger } = this.#options;
    this.#sweeping = removeIdleCopies(maxIdleMs)
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error }, 'could not delete the kept working copies left unused'),
      )
      .finally(() => {
        this.#sweeping = undefined;
      });
  }
}
