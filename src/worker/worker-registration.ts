import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { TandemError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { personaNameSchema } from '../queue/work-job.ts';
import { recordLifetimeBeats, workerKey, workersKey, type WorkerRecord } from '../queue/worker-registry.ts';

export const defaultHeartbeatMs = 5_000;

export interface WorkerRegistrationOptions {
  redis: Redis;
  prefix: string;
  name: string;
  /** The configured model of each persona (extra keys, such as the router's, are left out). */
  models: Readonly<Record<string, string>>;
  concurrency: number;
  /** Ids of the jobs running now (`<taskId>-<iteration>`, see workJobId). */
  runningJobs: () => Iterable<string>;
  logger: Logger;
  now?: () => number;
  /** How often the record is refreshed (default 5 s); it expires after `recordLifetimeBeats` of them. */
  heartbeatMs?: number;
  host?: string;
}

/** The task id of a work job id: workJobId appends `-<iteration>`. */
function taskIdOf(jobId: string): string {
  return jobId.replace(/-\d+$/, '');
}

/**
 * One worker's entry in the registry `/tandem status` reads (see queue/worker-registry.ts):
 * written at start, refreshed by a heartbeat timer and whenever `refresh` is called, and
 * removed by `close`. A worker that dies without closing stays listed, gone silent, until
 * its record expires.
 */
export class WorkerRegistration {
  readonly #options: WorkerRegistrationOptions;
  readonly #now: () => number;
  readonly #heartbeatMs: number;
  readonly #logger: Logger;
  readonly #startedAt: number;
  #timer: NodeJS.Timeout | undefined;
  /** The write in flight; a refresh asked for meanwhile sets `#again` instead of queueing up. */
  #writing: Promise<void> | undefined;
  #again = false;
  #soon: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: WorkerRegistrationOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#heartbeatMs = options.heartbeatMs ?? defaultHeartbeatMs;
    this.#logger = options.logger.child({ component: 'worker registration', worker: options.name });
    this.#startedAt = this.#now();
  }

  /** Writes the record and starts the heartbeat. */
  async start(): Promise<void> {
    await this.#write();
    this.#timer ??= setInterval(() => void this.refresh(), this.#heartbeatMs);
    this.#timer.unref();
  }

  /**
   * Rewrites the record shortly (the running jobs changed): many changes at once make one
   * write, and the write stays out of the way of the job that is just starting.
   */
  refreshSoon(delayMs = 100): void {
    if (this.#closing || this.#soon) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      void this.refresh();
    }, delayMs);
    this.#soon.unref();
  }

  /** Rewrites the record now (a heartbeat, or the running jobs changed). Never throws. */
  refresh(): Promise<void> {
    if (this.#closing) return Promise.resolve();
    if (this.#writing) {
      this.#again = true;
      return this.#writing;
    }
    this.#writing = (async () => {
      do {
        this.#again = false;
        await this.#write().catch((error: unknown) => this.#logger.warn({ err: error }, 'could not refresh the worker registration'));
      } while (this.#again && !this.#closing);
      this.#writing = undefined;
    })();
    return this.#writing;
  }

  /** Stops the heartbeat and removes the record. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      clearTimeout(this.#soon);
      await this.#writing;
      const { redis, prefix, name } = this.#options;
      await redis.multi().del(workerKey(prefix, name)).zrem(workersKey(prefix), name).exec();
    })();
    return this.#closing;
  }

  #record(): WorkerRecord {
    const options = this.#options;
    const models = Object.fromEntries(personaNameSchema.options.flatMap((persona) => (options.models[persona] ? [[persona, options.models[persona]]] : [])));
    return {
      name: options.name,
      host: options.host ?? hostname(),
      pid: process.pid,
      models,
      concurrency: options.concurrency,
      running: [...new Set([...options.runningJobs()].map(taskIdOf))],
      startedAt: this.#startedAt,
      heartbeatAt: this.#now(),
      heartbeatMs: this.#heartbeatMs,
    };
  }

  async #write(): Promise<void> {
    const { redis, prefix, name } = this.#options;
    const record = this.#record();
    const results = await redis
      .multi()
      .set(workerKey(prefix, name), JSON.stringify(record), 'PX', recordLifetimeBeats * this.#heartbeatMs)
      .zadd(workersKey(prefix), record.heartbeatAt, name)
      .exec();
    const failure = results?.find(([error]) => error)?.[0];
    if (failure) throw new TandemError('worker_registration_failed', `could not register worker ${name}: ${failure.message}`, { cause: failure, retryable: true });
  }
}
