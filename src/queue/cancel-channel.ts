import type { Redis } from 'ioredis';

/** The pub/sub channel on which a task's cancellation reaches every worker. */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/** Asks whichever worker runs `taskId` to stop it (its model call is aborted). */
export async function publishCancel(redis: Redis, prefix: string, taskId: string): Promise<number> {
  return redis.publish(cancelChannel(prefix), taskId);
}

/**
 * Listens for cancellations on a dedicated subscriber connection (a subscribed
 * connection can run no other command). Returns the unsubscribe function.
 */
export async function subscribeCancel(
  subscriber: Redis,
  prefix: string,
  onCancel: (taskId: string) => void,
): Promise<() => Promise<void>> {
  const channel = cancelChannel(prefix);
  const listener = (from: string, taskId: string) => {
    if (from === channel) onCancel(taskId);
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel).catch(() => undefined);
  };
}
