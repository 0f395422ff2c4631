import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const pollIntervalMs = 50;

/** Sends `signal` to every process of the group; false when the group no longer exists. */
export function signalProcessGroup(groupId: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-groupId, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Group members that are not zombies, per `ps` (undefined when `ps` cannot tell). */
function livingMembers(groupId: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('ps', ['-A', '-o', 'pgid=,stat='], { timeout: 2000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      const living = stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter(([group, state]) => Number(group) === groupId && state !== undefined && !state.startsWith('Z'));
      resolve(living.length);
    });
  });
}

/**
 * Whether any process of the group still runs. `kill(-group, 0)` also sees zombies that
 * nobody has reaped yet (an init that reaps slowly), so a positive answer is checked with `ps`.
 */
export async function isProcessGroupRunning(groupId: number): Promise<boolean> {
  if (!signalProcessGroup(groupId, 0)) return false;
  const living = await livingMembers(groupId);
  return living === undefined || living > 0;
}

async function waitUntilGone(groupId: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isProcessGroupRunning(groupId))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollIntervalMs);
  }
}

export interface StopProcessGroupOptions {
  /** Time between SIGTERM and SIGKILL. */
  graceMs: number;
  /** How long to wait for the group to vanish after SIGKILL. */
  killWaitMs: number;
}

/** SIGTERM the group, SIGKILL what remains after the grace period; true once it is gone. */
export async function stopProcessGroup(groupId: number, options: StopProcessGroupOptions): Promise<boolean> {
  if (!signalProcessGroup(groupId, 'SIGTERM')) return true;
  if (await waitUntilGone(groupId, options.graceMs)) return true;
  if (!signalProcessGroup(groupId, 'SIGKILL')) return true;
  return waitUntilGone(groupId, options.killWaitMs);
}
