/** Writes made in order in the background; see `orderedWrites`. */
export interface OrderedWrites {
  /** Starts `makeWrite` once every earlier write has succeeded. */
  write(makeWrite: () => Promise<unknown>): void;
  /** Resolves once every write so far is made; rejects with the first failure. */
  written(): Promise<void>;
}

/**
 * Writes that go out one after another without holding up whoever asked for them: a
 * progress line need not reach Redis before the pipeline goes on. `written` waits for all
 * of them so far and rejects when one failed (the ones after it are not made), so a
 * checkpoint or the report never gets ahead of the thread's lines and a failed write still
 * fails the attempt.
 */
export function orderedWrites(): OrderedWrites {
  let last: Promise<unknown> = Promise.resolve();
  return {
    write(makeWrite: () => Promise<unknown>): void {
      last = last.then(makeWrite);
      // Seen by the next `written`; not an unhandled rejection meanwhile.
      last.catch(() => undefined);
    },
    async written(): Promise<void> {
      await last;
    },
  };
}
