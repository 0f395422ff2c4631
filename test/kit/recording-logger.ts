import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.ts';

/** One pino line, parsed. */
export type LogLine = { level: number; msg: string } & Record<string, unknown>;

/** tandem's production logger writing into `lines` (parsed JSON) instead of stdout. */
export function recordingLogger(level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

/** The pino lines in a process's output (stdout and stderr interleaved), skipping anything that is not one. */
export function logLinesOf(output: string): LogLine[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}
