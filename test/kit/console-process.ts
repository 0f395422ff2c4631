import type { ChildProcess } from 'node:child_process';
import type { Environment } from '../../src/config.ts';
import { waitFor } from './wait-for.ts';
import { spawnTandem } from './worker-process.ts';

export interface ConsoleProcess {
  child: ChildProcess;
  output(): string;
  /** Types a line, as a person at the terminal would. */
  type(line: string): void;
  /** Waits until the output (from `from` on) matches; returns the match. */
  waitForOutput(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** Resolves to the exit code once the process ends. */
  exited: Promise<number | null>;
  kill(): void;
}

/** `tandem console …` as its own process, driven through stdin and read from stdout and stderr. */
export function startConsoleProcess(args: string[], environment: Environment, cwd?: string): ConsoleProcess {
  const { child, output, exited } = spawnTandem(['console', ...args], environment, { cwd, stdin: 'pipe' });
  return {
    child,
    output,
    type(line) {
      child.stdin!.write(`${line}\n`);
    },
    waitForOutput(pattern, timeoutMs = 60_000, from = 0) {
      return waitFor(
        () =>
          child.exitCode !== null
            ? Promise.reject(new Error(`the console exited (${child.exitCode}):\n${output()}`))
            : (output().slice(from).match(pattern) ?? undefined),
        `${pattern} in the console's output:\n${output()}`,
        timeoutMs,
      );
    },
    exited,
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
