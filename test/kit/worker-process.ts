import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../src/config.ts';

const cli = fileURLToPath(new URL('../../bin/tandem.js', import.meta.url));

export interface SpawnedTandem {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** Resolves to the exit code once the process ends (null when killed). */
  exited: Promise<number | null>;
}

/** `tandem <args>` as its own process, with only `environment` (plus HOME and PATH). */
export function spawnTandem(args: string[], environment: Environment, options: { cwd?: string; stdin?: 'ignore' | 'pipe' } = {}): SpawnedTandem {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...environment },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

export interface TandemProcess {
  child: ChildProcess;
  output(): string;
  /** Sends `signal` and waits for the exit; resolves to the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `tandem <command>` as its own process, the way an operator starts it. */
export function startTandemProcess(command: string, environment: Environment): TandemProcess {
  const spawned = spawnTandem([command], environment);
  const { child } = spawned;
  return {
    child,
    output: spawned.output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return spawned.exited;
    },
  };
}
