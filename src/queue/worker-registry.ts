import type { Redis } from 'ioredis';
import { z } from 'zod';
import { describeError } from '../errors.ts';

/**
 * The workers' registry in Redis, the contract between workers (which write it) and the
 * gateway (which reads it for `/tandem status`). Keys, under the queue prefix:
 * `<prefix>:workers` a sorted set of worker names scored by their last heartbeat, and
 * `<prefix>:workers:<name>` one worker's JSON record, with a TTL its heartbeat refreshes.
 */
export const workerRecordSchema = z.object({
  name: z.string().min(1),
  host: z.string().min(1),
  pid: z.number().int().positive(),
  /** Persona → the Ollama model it runs on this worker. */
  models: z.record(z.string(), z.string()),
  concurrency: z.number().int().positive(),
  /** Task ids of the jobs this worker is running. */
  running: z.array(z.string()),
  startedAt: z.number(),
  heartbeatAt: z.number(),
  /** How often this worker refreshes its record; a reader judges silence by it. */
  heartbeatMs: z.number().int().positive(),
});
export type WorkerRecord = z.infer<typeof workerRecordSchema>;

export interface RegisteredWorker extends WorkerRecord {
  /** How long since its last heartbeat, by the reader's clock. */
  heartbeatAgeMs: number;
  /** Its heartbeat is older than the reader's threshold: it died, hangs, or lost Redis. */
  silent: boolean;
}

export interface WorkerListing {
  workers: RegisteredWorker[];
  /** Records that exist but do not parse: reported, never a crash. */
  unreadable: { name: string; problem: string }[];
}

/** A worker silent for this many of its own heartbeat intervals is marked gone silent. */
export const silentAfterBeats = 3;
/** A record outlives its last heartbeat by this many intervals, then disappears. */
export const recordLifetimeBeats = 10;

export function workersKey(prefix: string): string {
  return `${prefix}:workers`;
}

export function workerKey(prefix: string, name: string): string {
  return `${prefix}:workers:${name}`;
}

function parseRecord(name: string, text: string): WorkerRecord | { problem: string } {
  try {
    const parsed = workerRecordSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    return { problem: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ') };
  } catch (error) {
    return { problem: `not JSON (${describeError(error)})` };
  }
}

/**
 * Every registered worker, with how long since its heartbeat and whether it has gone
 * silent (by default after `silentAfterBeats` of its own intervals). Names whose record
 * has expired are dropped from the set on the way.
 */
export async function listWorkers(
  redis: Redis,
  prefix: string,
  options: { now: () => number; silentAfterMs?: number },
): Promise<WorkerListing> {
  const names = await redis.zrange(workersKey(prefix), '0', '-1');
  if (names.length === 0) return { workers: [], unreadable: [] };
  const texts = await redis.mget(...names.map((name) => workerKey(prefix, name)));
  const now = options.now();
  const listing: WorkerListing = { workers: [], unreadable: [] };
  const expired: string[] = [];
  names.forEach((name, index) => {
    const text = texts[index];
    if (text === null || text === undefined) return void expired.push(name);
    const record = parseRecord(name, text);
    if ('problem' in record) return void listing.unreadable.push({ name, problem: record.problem });
    const heartbeatAgeMs = Math.max(0, now - record.heartbeatAt);
    const silentAfterMs = options.silentAfterMs ?? silentAfterBeats * record.heartbeatMs;
    listing.workers.push({ ...record, heartbeatAgeMs, silent: heartbeatAgeMs > silentAfterMs });
  });
  if (expired.length > 0) await redis.zrem(workersKey(prefix), ...expired);
  return listing;
}
