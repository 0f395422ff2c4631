import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TandemError } from '../errors.ts';
import { taskIdSchema } from '../queue/work-job.ts';
import { activeTaskStatuses, allowedTransitions, isActiveStatus, taskRecordSchema, type TaskRecord, type TaskStatus } from './task-record.ts';
import {
  appendFeedbackScript,
  createScript,
  encode,
  explain,
  parseRecord,
  patchFields,
  releaseScript,
  transitionScript,
  updateScript,
  type TaskPatch,
} from './task-scripts.ts';

export type { TaskPatch } from './task-scripts.ts';

export type TransitionResult =
  | { ok: true; record: TaskRecord }
  | { ok: false; record: TaskRecord | undefined; reason: 'not_found' | 'status_mismatch' };

export interface TaskStoreOptions {
  redis: Redis;
  /** The prefix the BullMQ queues use; every key lives under `<prefix>:tasks:` or `<prefix>:events:`. */
  prefix: string;
  now?: () => number;
  /** How long a task is kept once it is no longer active (default 30 days). */
  inactiveRetentionMs?: number;
}

/** Eight hex characters, e.g. `7f3a09c2`: matches `taskIdSchema`, and is what a thread shows. */
export function createTaskId(random: (size: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(4)).toString('hex');
}

type CommandName = 'tandemTaskCreate' | 'tandemTaskTransition' | 'tandemTaskUpdate' | 'tandemTaskAppendFeedback' | 'tandemTaskRelease';
type Commands = Record<CommandName, (...args: string[]) => Promise<unknown>>;

/**
 * Task records in Redis (DESIGN §2). Keys, all under `<prefix>:tasks:`:
 * `<id>` a hash, one JSON-encoded field per record field (patches of different fields never
 * clobber each other); `<id>:feedback` a list (`pendingFeedback`); `<id>:claim:<action>` a
 * lock; `_status:<status>` a sorted set of ids by when they entered it; `_thread:<channel>:<ts>`
 * → id. Ids cannot start with `_`, so indexes never collide with tasks. Active tasks never
 * expire; a task that leaves the active statuses expires, with its feedback and thread
 * index, `inactiveRetentionMs` later, and lives on again if a follow-up re-queues it.
 */
export class TaskStore {
  readonly #redis: Redis & Commands;
  readonly #base: string;
  readonly #eventBase: string;
  readonly #now: () => number;
  readonly #retentionMs: number;
  /** Written into our claims, so `release` never frees another process's claim. */
  readonly #owner = randomBytes(8).toString('hex');

  constructor(options: TaskStoreOptions) {
    const scripts = { tandemTaskCreate: createScript, tandemTaskTransition: transitionScript, tandemTaskUpdate: updateScript };
    for (const [name, lua] of Object.entries(scripts)) options.redis.defineCommand(name, { lua, numberOfKeys: 2 });
    options.redis.defineCommand('tandemTaskAppendFeedback', { lua: appendFeedbackScript, numberOfKeys: 2 });
    options.redis.defineCommand('tandemTaskRelease', { lua: releaseScript, numberOfKeys: 1 });
    this.#redis = options.redis as Redis & Commands;
    this.#base = `${options.prefix}:tasks:`;
    this.#eventBase = `${options.prefix}:events:`;
    this.#now = options.now ?? Date.now;
    this.#retentionMs = options.inactiveRetentionMs ?? 30 * 24 * 3600 * 1000;
  }

  /** Stores a new task (validated). Returns false, changing nothing, when the id exists. */
  async create(record: TaskRecord): Promise<boolean> {
    const parsed = taskRecordSchema.safeParse(record);
    if (!parsed.success) throw new TandemError('task_record_invalid', `task record is invalid: ${explain(parsed.error)}`);
    const { pendingFeedback, ...fields } = parsed.data;
    const pairs = Object.entries(fields).filter(([, value]) => value !== undefined);
    const header = this.#header(parsed.data.taskId, parsed.data.status, this.#now(), { pairs: String(pairs.length) });
    const created = await this.#redis.tandemTaskCreate(...this.#keys(parsed.data.taskId), header, ...encode(pairs), ...pendingFeedback);
    return created === 1;
  }

  /** The task, or undefined when there is none (an id that is not a task id included). */
  async get(taskId: string): Promise<TaskRecord | undefined> {
    if (!isTaskId(taskId)) return undefined;
    return (await this.#read([taskId]))[0];
  }

  /**
   * Compare-and-set of the status: moves to `to` only when the current status is one of
   * `from`, applying `patch` and `updatedAt` in the same step, so of two racing callers
   * exactly one wins. Throws `invalid_transition` when any `from` → `to` is not in
   * `allowedTransitions` (a programming error, whatever the current status).
   */
  async transition(taskId: string, request: { from: TaskStatus | readonly TaskStatus[]; to: TaskStatus; patch?: TaskPatch }): Promise<TransitionResult> {
    const from: readonly TaskStatus[] = typeof request.from === 'string' ? [request.from] : request.from;
    const illegal = from.filter((status) => !allowedTransitions[status].includes(request.to));
    if (illegal.length > 0 || from.length === 0) {
      throw new TandemError('invalid_transition', `a task may not move from ${illegal.join(', ') || '(no status)'} to ${request.to}`);
    }
    if (!isTaskId(taskId)) return { ok: false, record: undefined, reason: 'not_found' };
    const now = this.#now();
    const { pairs, unset } = patchFields(request.patch ?? {}, now);
    pairs.push(['status', request.to]);
    const header = this.#header(taskId, request.to, now, { from, unset, pairs: String(pairs.length) });
    const reply = (await this.#redis.tandemTaskTransition(...this.#keys(taskId), header, ...encode(pairs))) as [string, string[]?, string[]?];
    const [outcome, hash, feedback] = reply;
    if (outcome === 'not_found') return { ok: false, record: undefined, reason: 'not_found' };
    const record = parseRecord(taskId, hash ?? [], feedback ?? []);
    return outcome === 'ok' ? { ok: true, record } : { ok: false, record, reason: 'status_mismatch' };
  }

  /** Patches fields other than the status (atomic, only if the task exists). Returns the record, or undefined. */
  async update(taskId: string, patch: TaskPatch): Promise<TaskRecord | undefined> {
    if (!isTaskId(taskId)) return undefined;
    const { pairs, unset } = patchFields(patch, this.#now());
    const header = JSON.stringify({ base: this.#base, taskId, unset, pairs: String(pairs.length) });
    const reply = (await this.#redis.tandemTaskUpdate(...this.#keys(taskId), header, ...encode(pairs))) as [string[], string[]] | null;
    return reply ? parseRecord(taskId, reply[0], reply[1]) : undefined;
  }

  /** Queues a thread reply for the next iteration. Returns false when the task does not exist. */
  async appendFeedback(taskId: string, text: string): Promise<boolean> {
    if (!isTaskId(taskId)) return false;
    return (await this.#redis.tandemTaskAppendFeedback(...this.#keys(taskId), text)) === 1;
  }

  /** Returns every pending feedback text, oldest first, and clears them in the same step. */
  async takeFeedback(taskId: string): Promise<string[]> {
    if (!isTaskId(taskId)) return [];
    const feedbackKey = this.#keys(taskId)[1];
    const results = await exec(this.#redis.multi().lrange(feedbackKey, 0, -1).del(feedbackKey));
    return results[0] as string[];
  }

  /** The task whose thread this is, if any. */
  async findByThread(channel: string, threadTs: string): Promise<string | undefined> {
    return (await this.#redis.get(`${this.#base}_thread:${channel}:${threadTs}`)) ?? undefined;
  }

  /** Every active task (running or waiting on someone, see `activeTaskStatuses`), oldest first. */
  async listActive(): Promise<TaskRecord[]> {
    return this.listByStatus(...activeTaskStatuses);
  }

  /** Every task in one of these statuses, oldest first. Expired tasks are dropped from the index. */
  async listByStatus(...statuses: TaskStatus[]): Promise<TaskRecord[]> {
    const batch = this.#redis.multi();
    for (const status of statuses) batch.zrange(`${this.#base}_status:${status}`, '0', '-1');
    const taskIds = [...new Set((await exec(batch)).flat() as string[])];
    const records = await this.#read(taskIds);
    const gone = taskIds.filter((_, index) => records[index] === undefined);
    if (gone.length > 0) {
      const cleanup = this.#redis.multi();
      for (const status of statuses) cleanup.zrem(`${this.#base}_status:${status}`, ...gone);
      await exec(cleanup);
    }
    const found = records.filter((record): record is TaskRecord => record !== undefined && statuses.includes(record.status));
    return found.sort((left, right) => left.createdAt - right.createdAt);
  }

  /**
   * A lock for a long action on a task, e.g. a lead's decision: `claim(id, 'decide', ms)` →
   * merge on GitHub → `transition(awaiting_approval → merged)` → `release(id, 'decide')`.
   * A second click while the first merges gets false. Expires after `ttlMs` if never released.
   */
  async claim(taskId: string, action: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(`${this.#base}${taskId}:claim:${action}`, this.#owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Frees a claim this store holds. Returns false when it had expired or belongs to someone else. */
  async release(taskId: string, action: string): Promise<boolean> {
    return (await this.#redis.tandemTaskRelease(`${this.#base}${taskId}:claim:${action}`, this.#owner)) === 1;
  }

  /**
   * True the first time an id is seen within `ttlSeconds`, false after: de-duplicates Slack
   * retries (the same `event_id`) and double clicks (the same `action_ts`).
   */
  async claimEvent(eventId: string, ttlSeconds = 3600): Promise<boolean> {
    return (await this.#redis.set(`${this.#eventBase}${eventId}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  #keys(taskId: string): [string, string] {
    return [`${this.#base}${taskId}`, `${this.#base}${taskId}:feedback`];
  }

  /** The scripts' JSON header; an inactive target status sets the lifetime and prunes expired index entries. */
  #header(taskId: string, to: TaskStatus, now: number, extra: Record<string, unknown>): string {
    const retention = { retentionMs: String(this.#retentionMs), expiredBefore: String(now - this.#retentionMs) };
    return JSON.stringify({ base: this.#base, taskId, to, active: isActiveStatus(to), now: String(now), ...retention, ...extra });
  }

  async #read(taskIds: string[]): Promise<(TaskRecord | undefined)[]> {
    if (taskIds.length === 0) return [];
    const batch = this.#redis.multi();
    for (const taskId of taskIds) batch.hgetall(this.#keys(taskId)[0]).lrange(this.#keys(taskId)[1], 0, -1);
    const results = await exec(batch);
    return taskIds.map((taskId, index) => {
      const hash = results[index * 2] as Record<string, string>;
      return Object.keys(hash).length === 0 ? undefined : parseRecord(taskId, Object.entries(hash).flat(), results[index * 2 + 1] as string[]);
    });
  }
}

function isTaskId(taskId: string): boolean {
  return taskIdSchema.safeParse(taskId).success;
}

async function exec(batch: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const results = (await batch.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
