import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const redactedPaths = [
  'token',
  '*.token',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'env',
  '*.env',
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  destination?: DestinationStream;
}

/** The process logger: pino, JSON lines on stdout (or the given destination), secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'tandem',
      level: options.level ?? 'info',
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination(1),
  );
}

/** A logger that writes nothing, for callers that were given none. */
export const silentLogger: Logger = pino({ level: 'silent' });
