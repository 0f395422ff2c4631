import type { Logger } from '../../logger.ts';
import type { ProgressEvent } from '../../queue/progress-event.ts';
import type { Checkpoint, Difficulty, WorkJob } from '../../queue/work-job.ts';
import type { TestRunner } from '../test-runner/test-runner.ts';
import type { GitAuthor, TaskCheckout, Workspace } from '../workspace/workspace.ts';
import type { PersonaCaller } from './persona-caller.ts';

/** What the pipeline needs from the outside world, built once per worker. */
export interface PipelineDependencies {
  workspace: Workspace;
  testRunner: TestRunner;
  personas: PersonaCaller;
  coderMaxAttempts: number;
  testTimeoutMs: number;
  /** Per-repo test command overrides, keyed `owner/repo`. */
  testCommands: Readonly<Record<string, string>>;
  /** Per-repo dependency install overrides, keyed `owner/repo`. */
  setupCommands: Readonly<Record<string, string>>;
  logger: Logger;
  now: () => number;
}

/**
 * How one job talks back: progress for the thread, checkpoints for crash recovery. Both may
 * be written behind the pipeline, in the order they were made; an earlier write's failure
 * rejects the next call.
 */
export interface TaskHooks {
  progress(event: Omit<ProgressEvent, 'at' | 'iteration'>): Promise<void>;
  checkpoint(state: Checkpoint): Promise<void>;
  signal?: AbortSignal;
}

/** Everything a pipeline step works with. */
export interface TaskRun {
  job: WorkJob;
  checkout: TaskCheckout;
  state: Checkpoint;
  testCommand: string;
  /** Installs the repository's dependencies; undefined when it needs none. */
  setupCommand: string | undefined;
  dependencies: PipelineDependencies;
  hooks: TaskHooks;
  logger: Logger;
}

/** Review rounds (Reviewer comments sent back to the Coder) allowed by the router's verdict (DESIGN §3). */
export function maxReviewRounds(difficulty: Difficulty, reflection: boolean): number {
  if (difficulty === 'low') return 1;
  return reflection ? 3 : 1;
}

/** `1 review round`, `3 review rounds`. */
export function roundsText(rounds: number): string {
  return `${rounds} review round${rounds === 1 ? '' : 's'}`;
}

export function personaAuthor(persona: string): GitAuthor {
  return { name: `tandem ${persona}`, email: `${persona.toLowerCase()}@tandem.invalid` };
}

/** A branch name for a new task: `tandem/<task-id>-<slug of the request>`. */
export function taskBranchName(taskId: string, request: string): string {
  const slug = request
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug ? `tandem/${taskId}-${slug}` : `tandem/${taskId}`;
}

/**
 * Commits whatever the step changed, pushes it, and records where the task stands. The
 * push passes the output guardrail first (see `TaskCheckout.push`): a blocked push throws
 * `output_blocked` before the checkpoint, and the task ends in a `failed` report.
 */
export async function saveStep(run: TaskRun, persona: string, message: string): Promise<void> {
  const sha = await run.checkout.commit(message, personaAuthor(persona));
  if (sha) await run.checkout.push();
  await run.hooks.checkpoint(run.state);
}

export function testCountsText(run: TaskRun): string {
  const test = run.state.lastTest;
  if (!test) return 'tests not run';
  if (test.timedOut) return 'tests timed out';
  if (test.counts) {
    const total = test.counts.passed + test.counts.failed;
    return `tests ${test.counts.passed}/${total} ${test.passed ? '✓' : '✗'}`;
  }
  return test.passed ? 'tests pass ✓' : `tests fail ✗ (exit ${test.exitCode})`;
}

/** One progress line or detail, cut to what a progress event carries. */
export function clip(text: string, limit = 500): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
