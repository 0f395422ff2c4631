import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { progressEventSchema, type ProgressEvent } from '../queue/progress-event.ts';
import { queueNames } from '../queue/queues.ts';
import { redisErrorListener } from '../queue/redis-errors.ts';
import { compareStreamIds, progressCursorKey, taskIdOfJob, workEventsStreamKey } from './progress-stream.ts';

export interface ProgressForwarder {
  /** The id of the last stream event whose delivery (and every earlier one's) has settled. */
  cursor(): string;
  /**
   * Resolves once every progress event the workers have written so far for `taskId` has
   * been relayed and its thread writes are done: the report waits for it, so the thread
   * reads plan, change, review, test, then report, even when Slack writes run slow.
   */
  relayed(taskId: string): Promise<void>;
  close(): Promise<void>;
}

export interface ProgressForwarderOptions {
  /** A dedicated connection for `QueueEvents`' blocking reads. */
  connection: Redis;
  /** A connection for ordinary commands: reading the backlog, saving the cursor. */
  commands: Redis;
  prefix: string;
  /**
   * Takes one event; the next event of the task waits for it. When its writes go on after
   * it resolved, it hands back `written`, which `relayed` and the cursor wait for instead.
   */
  deliver: (taskId: string, event: ProgressEvent) => Promise<{ written: Promise<void> } | undefined | void>;
  logger: Logger;
}

const backlogPageSize = 500;

/**
 * Listens to the workers' `job.updateProgress` through BullMQ's `QueueEvents` and hands
 * each event to `deliver`, one at a time per task so a thread reads in order. A delivery
 * may leave its Slack writes queued (`written`): the next event does not wait for them,
 * so the surface can collapse waiting edits, but `relayed` does.
 *
 * The id of the last relayed event is kept in Redis, so a gateway that was down (killed,
 * restarted, upgraded) first relays the events it missed — the threads catch up — and
 * only then resolves and goes on live. An event is counted as relayed once its delivery
 * has settled, so a gateway killed in that instant may repeat one milestone, never drop it.
 * The first gateway ever to run on a prefix starts from the stream's end.
 */
export async function forwardProgress(options: ProgressForwarderOptions): Promise<ProgressForwarder> {
  const { logger, commands, prefix } = options;
  const cursorKey = progressCursorKey(prefix);
  const streamKey = workEventsStreamKey(prefix);
  // Per task: the deliveries in order (each waits for the one before), and the writes still going.
  const chains = new Map<string, Promise<void>>();
  const writing = new Map<string, Set<Promise<void>>>();

  // Events in arrival order until their delivery settles; the cursor advances over the settled head.
  const pending: { id: string; settled: boolean }[] = [];
  const saved = await commands.get(cursorKey);
  let cursor = saved ?? (await lastStreamId(commands, streamKey)) ?? '0-0';
  let saving: Promise<void> | undefined;
  let saveAgain = false;

  const saveCursor = (): void => {
    if (saving) {
      saveAgain = true;
      return;
    }
    saving = (async () => {
      do {
        saveAgain = false;
        await commands
          .set(cursorKey, cursor)
          .catch((error: unknown) => logger.warn({ err: error }, 'could not save the progress cursor'));
      } while (saveAgain);
    })().finally(() => {
      saving = undefined;
    });
  };

  const advance = (): void => {
    let moved = false;
    while (pending[0]?.settled) {
      cursor = pending.shift()!.id;
      moved = true;
    }
    if (moved) saveCursor();
  };

  const dispatch = (id: string, jobId: string, data: unknown): void => {
    if (compareStreamIds(id, cursor) <= 0 || pending.some((entry) => entry.id === id)) return;
    const entry = { id, settled: false };
    pending.push(entry);
    const parsed = progressEventSchema.safeParse(data);
    if (!parsed.success) {
      logger.warn({ jobId }, 'a progress event that is not tandem’s was ignored');
      entry.settled = true;
      advance();
      return;
    }
    const taskId = taskIdOfJob(jobId);
    const previous = chains.get(taskId) ?? Promise.resolve();
    const delivered = previous.then(() => options.deliver(taskId, parsed.data));
    const next = delivered.then(
      () => undefined,
      () => undefined,
    );
    chains.set(taskId, next);
    void next.finally(() => {
      if (chains.get(taskId) === next) chains.delete(taskId);
    });
    const writes = writing.get(taskId) ?? new Set<Promise<void>>();
    writing.set(taskId, writes);
    const done = delivered
      .then((delivery) => delivery?.written)
      .catch((error: unknown) => logger.error({ taskId, err: error }, 'could not relay progress'))
      .finally(() => {
        entry.settled = true;
        advance();
        writes.delete(done);
        if (writes.size === 0 && writing.get(taskId) === writes) writing.delete(taskId);
      });
    writes.add(done);
  };

  /** Every delivery of the task dispatched so far, and its writes, settled. */
  const settled = async (taskId: string): Promise<void> => {
    await chains.get(taskId);
    await Promise.all([...(writing.get(taskId) ?? [])]);
  };
  const allSettled = () => Promise.allSettled([...chains.keys(), ...writing.keys()].map(settled));

  /** Dispatches every progress event after the cursor (already dispatched ones are skipped). */
  const readBacklog = async (): Promise<{ dispatched: number; lastId: string }> => {
    let readFrom = cursor;
    let dispatched = 0;
    for (;;) {
      const entries = await commands.xrange(streamKey, `(${readFrom}`, '+', 'COUNT', backlogPageSize);
      for (const [id, fields] of entries) {
        readFrom = id;
        const event = fieldsToObject(fields);
        if (event.event !== 'progress' || event.jobId === undefined) continue;
        dispatched += 1;
        dispatch(id, event.jobId, parseJson(event.data));
      }
      if (entries.length < backlogPageSize) return { dispatched, lastId: readFrom };
    }
  };

  // Catch up: relay what was written since the cursor, then go live from the last id read.
  const backlog = await readBacklog();
  const readFrom = backlog.lastId;
  const missed = backlog.dispatched;
  await allSettled();
  if (missed > 0) logger.info({ events: missed }, 'relayed the progress missed while the gateway was down');
  if (pending.length === 0 && compareStreamIds(readFrom, cursor) > 0) cursor = readFrom;
  if (saved !== cursor) saveCursor();

  const events = new QueueEvents(queueNames.work, { connection: options.connection, prefix, lastEventId: readFrom });
  events.on('error', redisErrorListener(logger, 'progress relay'));
  events.on('progress', ({ jobId, data }, id) => dispatch(id, jobId, data));
  await events.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    cursor: () => cursor,
    async relayed(taskId) {
      await readBacklog();
      await settled(taskId);
    },
    close() {
      closing ??= (async () => {
        await events.close();
        await allSettled();
        await saving;
      })();
      return closing;
    },
  };
}

async function lastStreamId(redis: Redis, streamKey: string): Promise<string | undefined> {
  const [last] = await redis.xrevrange(streamKey, '+', '-', 'COUNT', 1);
  return last?.[0];
}

function fieldsToObject(fields: string[]): Record<string, string | undefined> {
  const object: Record<string, string> = {};
  for (let index = 0; index + 1 < fields.length; index += 2) object[fields[index]!] = fields[index + 1]!;
  return object;
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
