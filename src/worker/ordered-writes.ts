/** Writes made in order in the background; see `orderedWrites`. */
export interface OrderedWrites {
  /** Starts `makeWrite` once every earlier write has succeeded; throws at once when one is known to have failed. */
  write(makeWrite: () => Promise<unknown>): void;
  /** Resolves once every write so far is made; rejects with the first failure. */
  written(): Promise<void>;
}

/**
 * Writes that go out one after another without holding up whoever asked for them: a
 * progress line or a checkpoint need not reach Redis before the pipeline goes on. A failure
 * sticks: the writes after it are not made, the next `write` throws it and `written` rejects
 * with it, so nothing gets ahead of a lost write and the attempt still fails. `written` waits
 * for every write so far (before the report, or before a job goes back to the queue).
 */
export function orderedWrites(): OrderedWrites {
  let last: Promise<unknown> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  return {
    write(makeWrite: () => Promise<unknown>): void {
      if (failure) throw failure.error;
      last = last.then(makeWrite);
      last.catch((error: unknown) => {
        failure ??= { error };
      });
    },
    async written(): Promise<void> {
      await last;
    },
  };
}
