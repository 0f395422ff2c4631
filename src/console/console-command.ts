import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { pino } from 'pino';
import { loadConfig, readEnvironment } from '../config.ts';
import { createLogger } from '../logger.ts';
import { runConsole } from './start-console.ts';

/** `tandem console [--repo <path> | owner/repo]` on this process's terminal; returns the exit code. */
export async function runConsoleCommand(args: string[]): Promise<number> {
  const environment = readEnvironment();
  const config = loadConfig(environment);
  const logFile = join(config.paths.home, 'console', 'console.log');
  mkdirSync(dirname(logFile), { recursive: true });
  // The terminal is the conversation: logs go to a file.
  const logger = createLogger({ level: config.logLevel, destination: pino.destination({ dest: logFile, sync: false }) });
  const ask = process.stdin.isTTY
    ? async (question: string) => {
        const prompt = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await prompt.question(question);
        prompt.close();
        return !/^n/i.test(answer.trim());
      }
    : undefined;
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  await runConsole({
    signal: stop.signal,
    args,
    environment,
    // `npm start -- --repo ../x` resolves from where npm was run, not from tandem's folder.
    cwd: process.env.INIT_CWD ?? process.cwd(),
    input: process.stdin,
    output: process.stdout,
    user: userInfo().username.replace(/[^A-Za-z0-9_.-]/g, '') || 'you',
    logger,
    ask,
  });
  // readline let go of stdin, but an open stdin would keep the process alive.
  process.stdin.destroy();
  logger.flush();
  return 0;
}
