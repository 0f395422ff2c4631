import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../src/config.ts';
import { waitFor } from './wait-for.ts';

const cli = fileURLToPath(new URL('../../bin/tandem.js', import.meta.url));
const workerEntry = fileURLToPath(new URL('./worker-entry.ts', import.meta.url));
const gatewayEntry = fileURLToPath(new URL('./gateway-entry.ts', import.meta.url));

export interface SpawnedTandem {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** Resolves to the exit code once the process ends (null when killed). */
  exited: Promise<number | null>;
}

/**
 * `tandem <args>` as its own process, with only `environment` (plus HOME and PATH);
 * `entry` runs another script instead of the command line (node's arguments first).
 */
export function spawnTandem(
  args: string[],
  environment: Environment,
  options: { cwd?: string; stdin?: 'ignore' | 'pipe'; entry?: string[] } = {},
): SpawnedTandem {
  const child = spawn(process.execPath, [...(options.entry ?? [cli]), ...args], {
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
  return stoppable(spawnTandem([command], environment));
}

/** A worker role as its own process (test/kit/worker-entry.ts) refreshing its registration every `heartbeatMs`. */
export function startWorkerProcess(environment: Environment, heartbeatMs: number): TandemProcess {
  return stoppable(spawnTandem([String(heartbeatMs)], environment, { entry: ['--import', 'tsx', workerEntry] }));
}

/** A gateway role as its own process (test/kit/gateway-entry.ts): GitHub's write spacing off, as in the gateway harness. */
export function startGatewayProcess(environment: Environment): TandemProcess {
  return stoppable(spawnTandem([], environment, { entry: ['--import', 'tsx', gatewayEntry] }));
}

/** Resolves once an HTTP-mode gateway answers on `appUrl`; stops it and rejects, with its output, when it exits first or never answers. */
export async function waitForHttpGateway(gateway: TandemProcess, appUrl: string, timeoutMs = 30_000): Promise<void> {
  const answers = () =>
    fetch(appUrl, { method: 'POST', body: '' }).then(
      () => true,
      () => (gateway.child.exitCode !== null || gateway.child.signalCode !== null ? Promise.reject(new Error(`the gateway exited:\n${gateway.output()}`)) : undefined),
    );
  await waitFor(answers, 'the gateway to listen', timeoutMs).catch(async (error: unknown) => {
    await gateway.stop();
    throw error;
  });
}

function stoppable(spawned: SpawnedTandem): TandemProcess {
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
