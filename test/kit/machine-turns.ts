import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Turns on the machine for a test run's files. `npm test` runs two test files at a time on
 * a two-core machine; a phase that times tandem (the burst's acks) would time the other
 * file's work as much as tandem's. So every test file shares the machine, and such a phase
 * has it alone: while it waits for or holds its turn, no other test file starts, and it
 * begins once the files already running have ended.
 *
 * test/run.js names a fresh directory in `TANDEM_TEST_TURNS` and preloads this module in
 * every test file's process (node's runner marks those with `NODE_TEST_CONTEXT`), where it
 * waits for any phase holding the machine alone, then registers the process until it
 * exits. Processes a test file spawns with its environment are not test files: the first
 * one to register sets `TANDEM_TEST_FILE_PID`. Without `TANDEM_TEST_TURNS` (a test file
 * run on its own) there is nobody to take turns with and nothing waits.
 */

const pollMs = 100;
const sharedPrefix = 'shared-';
const alonePrefix = 'alone-';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live processes (other than this one) that hold a `prefix` file in `directory`. */
function holders(directory: string, prefix: string): number[] {
  return readdirSync(directory)
    .filter((name) => name.startsWith(prefix))
    .map((name) => Number(name.slice(prefix.length)))
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid && isAlive(pid));
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Registers this test file's process as sharing the machine, once any phase that has it
 * alone has ended (or after `maxWaitMs`, should that phase never end); registered until exit.
 * Both sides write their file before they look for the other's, so at least one sees the other.
 */
export async function shareMachine(directory: string, maxWaitMs = 120_000): Promise<void> {
  mkdirSync(directory, { recursive: true });
  const mine = join(directory, `${sharedPrefix}${process.pid}`);
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    writeFileSync(mine, '');
    if (holders(directory, alonePrefix).length === 0 || Date.now() > deadline) break;
    removeQuietly(mine);
    await sleep(pollMs);
  }
  process.once('exit', () => removeQuietly(mine));
}

export interface MachineTurn {
  /** Whether every other test file had ended when the turn began (false: `maxWaitMs` ran out first). */
  alone: boolean;
  waitedMs: number;
  /** Lets other test files start again; safe to call twice. */
  release(): void;
}

/**
 * Waits until no other test file of this run is running, keeping new ones from starting
 * meanwhile, and holds the machine until `release` (or this process's exit). After
 * `maxWaitMs` it goes ahead anyway and says so in `alone`.
 */
export async function haveMachineAlone(maxWaitMs = 90_000, directory = process.env.TANDEM_TEST_TURNS): Promise<MachineTurn> {
  const started = Date.now();
  if (!directory) return { alone: true, waitedMs: 0, release: () => undefined };
  mkdirSync(directory, { recursive: true });
  const mine = join(directory, `${alonePrefix}${process.pid}`);
  writeFileSync(mine, '');
  const release = () => removeQuietly(mine);
  process.once('exit', release);
  while (holders(directory, sharedPrefix).length > 0 && Date.now() - started < maxWaitMs) await sleep(pollMs);
  return { alone: holders(directory, sharedPrefix).length === 0, waitedMs: Date.now() - started, release };
}

const turns = process.env.TANDEM_TEST_TURNS;
if (turns && process.env.NODE_TEST_CONTEXT && !process.env.TANDEM_TEST_FILE_PID) {
  process.env.TANDEM_TEST_FILE_PID = String(process.pid);
  await shareMachine(turns);
}
