import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../src/config.ts';
import { waitFor } from '../kit/wait-for.ts';

const cli = fileURLToPath(new URL('../../bin/tandem.js', import.meta.url));

/** util-linux `script`, which runs a command on a new pseudo-terminal; undefined when missing. */
export function scriptCommand(): string | undefined {
  try {
    const path = execFileSync('sh', ['-c', 'command -v script'], { encoding: 'utf8' }).trim();
    return /util-linux/.test(execFileSync(path, ['--version'], { encoding: 'utf8' })) ? path : undefined;
  } catch {
    return undefined;
  }
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export interface TerminalConsole {
  output(): string;
  /** Types a line and presses Enter, as a person at the terminal does. */
  type(line: string): void;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The console's exit code, which `script -e` passes on. */
  exited: Promise<number | null>;
  kill(): void;
}

/**
 * `tandem console …` on a pseudo-terminal (`script -qefc`), so its stdin is a TTY: the
 * console then asks questions, as it does for a person. The output is the terminal's,
 * echo of what was typed included.
 */
export function startTerminalConsole(script: string, args: string[], environment: Environment): TerminalConsole {
  const command = [process.execPath, cli, 'console', ...args].map(quote).join(' ');
  const child = spawn(script, ['-q', '-e', '-f', '-c', command, '/dev/null'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/sh', TERM: 'dumb', ...environment },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    output: () => output,
    type(line) {
      child.stdin.write(`${line}\r`);
    },
    waitForOutput(pattern, timeoutMs = 60_000) {
      return waitFor(
        () => (child.exitCode !== null ? Promise.reject(new Error(`the console exited (${child.exitCode}):\n${output}`)) : (output.match(pattern) ?? undefined)),
        `${pattern} on the terminal:\n${output}`,
        timeoutMs,
      );
    },
    exited,
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
