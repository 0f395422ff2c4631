import type { Logger } from '../logger.ts';

const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** True for the errors a Redis that is restarting or unreachable causes (ioredis reconnects by itself). */
export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && connectionErrorCodes.has(code)) return true;
  return /Connection is closed|connect ETIMEDOUT|Stream isn't writeable|LOADING/i.test(error.message);
}

/**
 * An `error` listener for a Redis connection, a BullMQ queue, worker or queue events:
 * connection errors (Redis restarting) are logged once per `quietMs` as a warning, since
 * ioredis reconnects on its own; anything else is logged as an error every time.
 */
export function redisErrorListener(logger: Logger, source: string, quietMs = 30_000): (error: unknown) => void {
  let lastWarnedAt = Number.NEGATIVE_INFINITY;
  return (error) => {
    if (!isRedisConnectionError(error)) {
      logger.error({ err: error, source }, `${source}: Redis error`);
      return;
    }
    const now = Date.now();
    if (now - lastWarnedAt < quietMs) return;
    lastWarnedAt = now;
    logger.warn({ err: error, source }, `${source}: Redis is unreachable; reconnecting`);
  };
}
