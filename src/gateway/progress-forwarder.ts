import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { progressEventSchema, type ProgressEvent } from '../queue/progress-event.ts';
import { queueNames } from '../queue/queues.ts';

/** `7f3a9c21-2` (the work job id) → `7f3a9c21`. */
export function taskIdOfJob(jobId: string): string {
  return jobId.replace(/-\d+$/, '');
}

export interface ProgressForwarder {
  close(): Promise<void>;
}

/**
 * Listens to the workers' `job.updateProgress` through BullMQ's `QueueEvents` and hands
 * each event to `deliver`, one at a time per task so a thread reads in order.
 */
export async function forwardProgress(options: {
  connection: Redis;
  prefix: string;
  deliver: (taskId: string, event: ProgressEvent) => Promise<void>;
  logger: Logger;
}): Promise<ProgressForwarder> {
  const { logger } = options;
  const events = new QueueEvents(queueNames.work, { connection: options.connection, prefix: options.prefix });
  const chains = new Map<string, Promise<void>>();
  events.on('progress', ({ jobId, data }) => {
    const parsed = progressEventSchema.safeParse(data);
    if (!parsed.success) {
      logger.warn({ jobId }, 'a progress event that is not tandem’s was ignored');
      return;
    }
    const taskId = taskIdOfJob(jobId);
    const previous = chains.get(taskId) ?? Promise.resolve();
    const next = previous
      .then(() => options.deliver(taskId, parsed.data))
      .catch((error: unknown) => logger.error({ taskId, err: error }, 'could not relay progress'));
    chains.set(taskId, next);
    void next.finally(() => {
      if (chains.get(taskId) === next) chains.delete(taskId);
    });
  });
  await events.waitUntilReady();
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await events.close();
        await Promise.allSettled([...chains.values()]);
      })();
      return closing;
    },
  };
}
