import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { TandemError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { redisErrorListener } from './redis-errors.ts';
import { reportJobSchema, type ReportJob } from './report-job.ts';
import { workJobSchema, type WorkJob, type WorkJobInput } from './work-job.ts';

export const queueNames = { work: 'work', report: 'report' } as const;

/**
 * A Redis connection as BullMQ wants it for workers and queue events (blocking commands):
 * commands wait through a Redis restart instead of failing, and ioredis reconnects forever.
 * With `logger`, the connection's errors are logged (a restart once, not on every retry)
 * instead of ioredis printing "Unhandled error event" for each reconnection attempt.
 */
export function createRedisConnection(url: string, options: { logger?: Logger; name?: string } = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
  if (options.logger) {
    const name = options.name ?? 'redis';
    redis.on('error', redisErrorListener(options.logger, name));
    let lost = false;
    redis.on('close', () => (lost = true));
    redis.on('ready', () => {
      if (lost) options.logger!.info({ source: name }, `${name}: Redis connection is back`);
      lost = false;
    });
  }
  return redis;
}

/** Work jobs retry a transient failure (model or git unreachable) from their checkpoint. */
export const workJobOptions: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export const reportJobOptions: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** One job per task iteration: adding the same iteration twice is a no-op. */
export function workJobId(taskId: string, iteration: number): string {
  return `${taskId}-${iteration}`;
}

function parseOrExplain<Value>(label: string, parse: () => Value): Value {
  try {
    return parse();
  } catch (error) {
    const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
    const detail = issues?.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new TandemError('job_payload_invalid', `the ${label} job payload is invalid: ${detail ?? String(error)}`, {
      cause: error,
    });
  }
}

export function parseWorkJob(data: unknown): WorkJob {
  return parseOrExplain('work', () => workJobSchema.parse(data));
}

export function parseReportJob(data: unknown): ReportJob {
  return parseOrExplain('report', () => reportJobSchema.parse(data));
}

/** Validates and enqueues a task for the workers. */
export async function addWorkJob(queue: Queue, input: WorkJobInput): Promise<WorkJob> {
  const job = parseWorkJob(input);
  await queue.add(queueNames.work, job, { ...workJobOptions, jobId: workJobId(job.taskId, job.iteration) });
  return job;
}

/** The id of the report job of one task iteration: one report per iteration, however often it is sent. */
export function reportJobId(taskId: string, iteration: number): string {
  return workJobId(taskId.replace(/[^a-z0-9-]/gi, '-'), iteration);
}

/** Validates and enqueues a worker's report for the gateway. */
export async function addReportJob(queue: Queue, input: ReportJob): Promise<ReportJob> {
  const report = parseReportJob(input);
  await queue.add(queueNames.report, report, { ...reportJobOptions, jobId: reportJobId(report.taskId, report.iteration) });
  return report;
}

export function createQueue(name: string, connection: ConnectionOptions | Redis, prefix: string): Queue {
  return new Queue(name, { connection: connection as ConnectionOptions, prefix });
}
