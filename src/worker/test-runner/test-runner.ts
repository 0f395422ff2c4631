import type { TestResult } from '../../queue/work-job.ts';

/**
 * Why a command runs: `tests` (the default) runs with the network denied where the
 * sandbox can deny it; `install` (a dependency install such as `npm ci`) needs the
 * registry, so it keeps the network and only has its writes confined.
 */
export type RunPurpose = 'tests' | 'install';

export interface RunTestsInput {
  /** The task's working copy; the command runs there and nowhere else. */
  dir: string;
  /** A shell command line, e.g. `npm test`. */
  command: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Default `tests`. */
  purpose?: RunPurpose;
}

/** Runs a repository's tests for real and reports the outcome. */
export interface TestRunner {
  run(input: RunTestsInput): Promise<TestResult>;
}
