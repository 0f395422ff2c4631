import type { TestResult } from '../../queue/work-job.ts';

export interface RunTestsInput {
  /** The task's working copy; the command runs there and nowhere else. */
  dir: string;
  /** A shell command line, e.g. `npm test`. */
  command: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs a repository's tests for real and reports the outcome. */
export interface TestRunner {
  run(input: RunTestsInput): Promise<TestResult>;
}
