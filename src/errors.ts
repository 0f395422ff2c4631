import { UnrecoverableError } from 'bullmq';

/**
 * The one error base of tandem: a stable `code` operators and tests can rely on, the
 * underlying `cause`, and whether trying the same thing again may succeed.
 */
export class TandemError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TandemError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

export function isTandemError(error: unknown): error is TandemError {
  return error instanceof TandemError;
}

/** A short, log-safe description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof TandemError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * What a BullMQ processor should throw: errors that cannot succeed on retry become
 * `UnrecoverableError`, so BullMQ fails the job at once instead of retrying it.
 */
export function toJobError(error: unknown): Error {
  if (error instanceof UnrecoverableError) return error;
  if (error instanceof TandemError && !error.retryable) {
    const unrecoverable = new UnrecoverableError(`${error.code}: ${error.message}`);
    (unrecoverable as Error & { cause?: unknown }).cause = error;
    return unrecoverable;
  }
  return error instanceof Error ? error : new Error(String(error));
}
