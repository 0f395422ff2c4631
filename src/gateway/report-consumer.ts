import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeError, toJobError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ReportJob } from '../queue/report-job.ts';
import { parseReportJob, queueNames } from '../queue/queues.ts';
import { redisErrorListener } from '../queue/redis-errors.ts';

export interface ReportConsumerOptions {
  connection: Redis;
  prefix: string;
  deliver: (report: ReportJob) => Promise<void>;
  /** The report will not be retried: tell the thread. */
  undeliverable: (report: ReportJob, problem: string) => Promise<void>;
  logger: Logger;
}

/**
 * The gateway's BullMQ worker on `report`: each report becomes a PR and a thread
 * message. A failure is retried with backoff; the last failure is told to the thread.
 */
export function consumeReports(options: ReportConsumerOptions): Worker {
  const { logger } = options;
  const worker = new Worker(
    queueNames.report,
    async (job: Job) => {
      let report: ReportJob;
      try {
        report = parseReportJob(job.data);
      } catch (error) {
        throw toJobError(error);
      }
      try {
        await options.deliver(report);
      } catch (error) {
        const jobError = toJobError(error);
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || jobError.name === 'UnrecoverableError';
        if (lastAttempt) await options.undeliverable(report, describeError(error));
        throw jobError;
      }
    },
    { connection: options.connection, prefix: options.prefix, concurrency: 4 },
  );
  worker.on('failed', (job, error) => logger.error({ jobId: job?.id, err: error }, 'report delivery failed'));
  worker.on('error', redisErrorListener(logger, 'report consumer'));
  return worker;
}
