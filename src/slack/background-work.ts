import type { Logger } from '../logger.ts';

/**
 * Work started after Slack has its ack: tracked so shutdown can wait for it, with one
 * place where its errors end up (logged, and told to the person when a way to is given).
 */
export class BackgroundWork {
  readonly #running = new Set<Promise<void>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Starts `work` once the event loop has taken the I/O already waiting (`setImmediate` runs
   * after the poll phase): the Slack requests that came in meanwhile get their acks before
   * this work's first steps take the loop.
   */
  run(label: string, work: () => Promise<unknown>, onError?: (error: unknown) => Promise<unknown>): void {
    const task = (async () => {
      try {
        await new Promise((resolve) => setImmediate(resolve));
        await work();
      } catch (error) {
        this.#logger.error({ err: error, work: label }, 'gateway work failed');
        await onError?.(error).catch((reportError: unknown) =>
          this.#logger.error({ err: reportError, work: label }, 'could not report a failure'),
        );
      }
    })();
    this.#running.add(task);
    void task.finally(() => this.#running.delete(task));
  }

  /** Resolves when all work started so far has finished. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
