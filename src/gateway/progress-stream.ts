// Where the workers' progress events live in Redis, and how their ids compare.
import { queueNames } from '../queue/queues.ts';

/** `7f3a9c21-2` (the work job id) → `7f3a9c21`. */
export function taskIdOfJob(jobId: string): string {
  return jobId.replace(/-\d+$/, '');
}

/** The Redis key holding the id of the last `work` event the gateway has relayed (all before it are done). */
export function progressCursorKey(prefix: string): string {
  return `${prefix}:gateway:progress-cursor`;
}

/** The stream BullMQ writes the `work` queue's events to (what `QueueEvents` reads). */
export function workEventsStreamKey(prefix: string): string {
  return `${prefix}:${queueNames.work}:events`;
}

/** Compares two stream ids (`<ms>-<seq>`): negative when `first` comes before `second`. */
export function compareStreamIds(first: string, second: string): number {
  const [firstMs = 0n, firstSeq = 0n] = first.split('-').map((part) => BigInt(part));
  const [secondMs = 0n, secondSeq = 0n] = second.split('-').map((part) => BigInt(part));
  if (firstMs !== secondMs) return firstMs < secondMs ? -1 : 1;
  return firstSeq === secondSeq ? 0 : firstSeq < secondSeq ? -1 : 1;
}
