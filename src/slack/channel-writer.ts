/**
 * Slack allows about one message a second per channel (DESIGN §2). Writes to one channel
 * run one after another, spaced by `minIntervalMs`; an edit of a message that is still
 * waiting replaces the waiting edit (only the newest status matters) and takes its turn
 * at the end of the queue, after the writes queued before it. A 429 is retried by the
 * Web API client after `Retry-After`, and the channel's queue waits for it.
 */
export class ChannelWriter {
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  readonly #channels = new Map<string, ChannelQueue>();

  constructor(options: { minIntervalMs?: number; now?: () => number } = {}) {
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Runs `write` in the channel's turn. Writes sharing a `coalesceKey` that are still
   * waiting collapse into the newest one, in the newest one's place: so an edit never
   * shows a state ahead of the messages queued before it. Every caller gets that write's result.
   */
  write<Result>(channel: string, write: () => Promise<Result>, coalesceKey?: string): Promise<Result> {
    let queue = this.#channels.get(channel);
    if (!queue) {
      queue = { pending: [], lastWriteAt: 0, running: false };
      this.#channels.set(channel, queue);
    }
    return new Promise<Result>((resolve, reject) => {
      const index = coalesceKey === undefined ? -1 : queue.pending.findIndex((entry) => entry.key === coalesceKey);
      const settle = { resolve: resolve as (value: unknown) => void, reject };
      const settles = index === -1 ? [] : queue.pending.splice(index, 1)[0]!.settles;
      queue.pending.push({ key: coalesceKey, write, settles: [...settles, settle] });
      if (!queue.running) void this.#drain(queue);
    });
  }

  /** Resolves when every channel's queue is empty. */
  async idle(): Promise<void> {
    while ([...this.#channels.values()].some((queue) => queue.running || queue.pending.length > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async #drain(queue: ChannelQueue): Promise<void> {
    queue.running = true;
    try {
      while (queue.pending.length > 0) {
        // A write leaves the queue only when its turn comes, so a newer edit can still replace it while it waits.
        const wait = queue.lastWriteAt + this.#minIntervalMs - this.#now();
        if (wait > 0) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        const entry = queue.pending.shift()!;
        try {
          const result = await entry.write();
          for (const settle of entry.settles) settle.resolve(result);
        } catch (error) {
          for (const settle of entry.settles) settle.reject(error);
        } finally {
          queue.lastWriteAt = this.#now();
        }
      }
    } finally {
      queue.running = false;
    }
  }
}

interface PendingWrite {
  key: string | undefined;
  write: () => Promise<unknown>;
  settles: { resolve: (value: unknown) => void; reject: (error: unknown) => void }[];
}

interface ChannelQueue {
  pending: PendingWrite[];
  lastWriteAt: number;
  running: boolean;
}
