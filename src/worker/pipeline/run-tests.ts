import type { TestResult } from '../../queue/work-job.ts';
import type { TaskRun } from './task-run.ts';

/** Runs the repository's tests in the task's working copy, for real. */
export function runTests(run: TaskRun): Promise<TestResult> {
  return run.dependencies.testRunner.run({
    dir: run.checkout.dir,
    command: run.testCommand,
    timeoutMs: run.dependencies.testTimeoutMs,
    signal: run.hooks.signal,
  });
}
