import { TandemError } from '../../errors.ts';
import type { TestResult } from '../../queue/work-job.ts';
import type { TaskRun } from './task-run.ts';

/** Test runs have no network; installs fetch packages, so theirs is allowed (writes stay confined). */
async function runCommand(run: TaskRun, command: string, purpose: 'tests' | 'install'): Promise<TestResult> {
  const running = run.dependencies.testRunner.run({
    dir: run.checkout.dir,
    command,
    purpose,
    timeoutMs: run.dependencies.testTimeoutMs,
    signal: run.hooks.signal,
  });
  // The copy's git upkeep runs beside the command, which never uses the copy's git.
  const upkeep = run.checkout.maintain();
  const result = await running.finally(() => upkeep);
  run.state.testMs += result.durationMs;
  return result;
}

/** Runs the repository's tests in the task's working copy, for real. */
export function runTests(run: TaskRun): Promise<TestResult> {
  return runCommand(run, run.testCommand, 'tests');
}

/**
 * Installs the repository's dependencies (sandboxed like the tests, but with the network). Returns the
 * failed run, or undefined when the install succeeded or none is needed.
 */
export async function installDependencies(run: TaskRun): Promise<TestResult | undefined> {
  if (run.setupCommand === undefined) return undefined;
  const result = await runCommand(run, run.setupCommand, 'install');
  return result.passed ? undefined : result;
}

/** Installs the dependencies of the checkout as it came from the remote; a failure there is not the Coder's. */
export async function installInitialDependencies(run: TaskRun): Promise<void> {
  const failed = await installDependencies(run);
  if (failed) {
    throw new TandemError(
      'setup_failed',
      `installing dependencies with \`${failed.command}\` failed (exit ${failed.exitCode}${failed.timedOut ? ', timed out' : ''}): ${failed.outputTail.slice(-600)}`,
      { retryable: true },
    );
  }
}
