import { UnrecoverableError, WaitingError, type Job, type Queue } from 'bullmq';
import { describeError, toJobError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { progressEventSchema } from '../queue/progress-event.ts';
import { addReportJob, parseWorkJob } from '../queue/queues.ts';
import type { ReportJob } from '../queue/report-job.ts';
import type { WorkJob } from '../queue/work-job.ts';
import { orderedWrites } from './ordered-writes.ts';
import { runTask } from './pipeline/run-task.ts';
import { clip } from './pipeline/task-run.ts';
import type { PipelineDependencies } from './pipeline/task-run.ts';

/** The abort reason a worker gives its jobs when it shuts down (they go back to the queue). */
export const shutdownReason = 'worker-shutdown';

export interface WorkProcessorOptions {
  dependencies: PipelineDependencies;
  reportQueue: Queue;
  logger: Logger;
  /**
   * Aborted when the worker shuts down: a job BullMQ still hands over while closing goes back
   * to the queue unstarted. The jobs in hand are stopped through their own signals (BullMQ's
   * `cancelAllJobs(shutdownReason)`) and go back at their checkpoint.
   */
  shutdown?: AbortSignal;
}

export interface WorkOutcome {
  taskId: string;
  status: ReportJob['status'];
  branch?: string;
  headSha?: string;
}

/** ` in 10 s`: when BullMQ will try `job` again after this failure, if its backoff says. */
function retryDelayText(job: Job): string {
  const backoff = job.opts.backoff;
  if (typeof backoff === 'number') return ` in ${Math.round(backoff / 1000)} s`;
  if (!backoff?.delay) return '';
  const delayMs = backoff.type === 'exponential' ? backoff.delay * 2 ** job.attemptsMade : backoff.delay;
  return ` in ${Math.round(delayMs / 1000)} s`;
}

/** A report for a job whose payload could not be read: the reason, so the thread can say it. */
function unreadablePayloadReport(job: Job, reason: string): ReportJob {
  const data = (job.data ?? {}) as Partial<Record<string, unknown>>;
  return {
    taskId: typeof data.taskId === 'string' && data.taskId !== '' ? data.taskId : String(job.id),
    iteration: typeof data.iteration === 'number' && data.iteration > 0 ? Math.floor(data.iteration) : 1,
    status: 'failed',
    changeSummary: [],
    diffStat: { files: 0, insertions: 0, deletions: 0, text: '' },
    review: { approved: false, rounds: 0, notes: [] },
    attempts: 0,
    usage: {},
    wallMs: 0,
    error: { code: 'job_payload_invalid', message: reason },
  };
}

/**
 * The BullMQ processor of the `work` queue: parse the payload, run the pipeline with
 * progress and checkpoints on the job, and hand the report to the gateway.
 */
export function createWorkProcessor(options: WorkProcessorOptions) {
  const { dependencies, reportQueue, logger, shutdown } = options;

  /** Shutting down: the job goes back to the queue and resumes from its checkpoint. */
  async function giveBack(job: Job, token: string | undefined): Promise<never> {
    await job.moveToWait(token);
    logger.info({ jobId: job.id, stage: job.data?.checkpoint?.stage }, 'worker shutting down: the job is back in the queue at its checkpoint');
    throw new WaitingError();
  }

  // Three parameters, so BullMQ passes the job's abort signal: aborted by `/tandem cancel`
  // (`cancelJob`) and by a shutdown (`cancelAllJobs(shutdownReason)`).
  return async function processWork(job: Job, token?: string, signal?: AbortSignal): Promise<WorkOutcome> {
    // BullMQ may still hand over a job while it closes (a fetch already waiting): not started, given back.
    if (shutdown?.aborted) return giveBack(job, token);
    let work: WorkJob;
    try {
      work = parseWorkJob(job.data);
    } catch (error) {
      const reason = describeError(error);
      logger.error({ jobId: job.id, reason }, 'unreadable work job');
      await addReportJob(reportQueue, unreadablePayloadReport(job, reason));
      throw new UnrecoverableError(reason);
    }

    const taskLogger = () => logger.child({ taskId: work.taskId, iteration: work.iteration });
    // Progress lines and checkpoints reach Redis in the order they were made, behind the pipeline.
    const jobWrites = orderedWrites();
    const report = await runTask(
      work,
      dependencies,
      {
        signal,
        progress: async (event) => {
          const line = progressEventSchema.parse({ ...event, iteration: work.iteration, at: dependencies.now() });
          jobWrites.write(() => job.updateProgress(line));
        },
        checkpoint: async (state) => {
          // A copy: the pipeline goes on changing its state while the write waits its turn.
          const data = { ...work, checkpoint: structuredClone(state) };
          jobWrites.write(() => job.updateData(data));
        },
      },
      { finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1), attempt: job.attemptsMade + 1 },
    ).catch(async (error: unknown) => {
      if (signal?.aborted && signal.reason === shutdownReason) return undefined;
      const attempt = job.attemptsMade + 1;
      const attemptLogger = taskLogger();
      attemptLogger.warn({ err: error, attempt }, 'task attempt failed; BullMQ will retry');
      // The thread's status line says what went wrong and that the task goes on.
      const text = clip(`${describeError(error)} — trying again${retryDelayText(job)} (attempt ${attempt + 1} of ${job.opts.attempts ?? 1})`);
      const line = progressEventSchema.parse({ persona: 'worker', phase: 'error', text, iteration: work.iteration, at: dependencies.now() });
      // After the attempt's own lines, when they could be written.
      await jobWrites.written().catch(() => undefined);
      await job.updateProgress(line).catch((progressError: unknown) => attemptLogger.warn({ err: progressError }, 'could not report the retry'));
      throw toJobError(error);
    });

    if (report === undefined || (signal?.aborted && signal.reason === shutdownReason)) {
      await jobWrites.written().catch(() => undefined);
      return giveBack(job, token);
    }

    // The task's last progress lines and checkpoint are written before its report.
    await jobWrites.written().catch((error: unknown) => {
      throw toJobError(error);
    });
    await addReportJob(reportQueue, report);
    taskLogger().info({ status: report.status, branch: report.branch, wallMs: report.wallMs }, 'task reported');
    if (report.status === 'failed') throw new UnrecoverableError(report.error?.message ?? 'the task failed');
    return { taskId: report.taskId, status: report.status, branch: report.branch, headSha: report.headSha };
  }
}
