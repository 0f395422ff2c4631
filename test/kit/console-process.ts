import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../src/config.ts';
import { waitFor } from './wait-for.ts';

const cli = fileURLToPath(new URL('../../bin/tandem.js', import.meta.url));

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
  const child = spawn(process.execPath, [cli, 'console', ...args], {
    cwd,
    env: { HOME: process.env.HOME, PATH: process.env.PATH, ...environment },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output: () => output,
    type(line) {
      child.stdin!.write(`${line}\n`);
    },
    waitForOutput(pattern, timeoutMs = 60_000, from = 0) {
      return waitFor(
        () => (child.exitCode !== null ? Promise.reject(new Error(`the console exited (${child.exitCode}):\n${output}`)) : output.slice(from).match(pattern) ?? undefined),
        `${pattern} in the console's output:\n${output}`,
        timeoutMs,
      );
    },
    exited,
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
