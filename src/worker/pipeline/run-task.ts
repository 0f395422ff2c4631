import { TandemError, isTandemError } from '../../errors.ts';
import { PersonaAnswerError } from '../../models/structured-call.ts';
import type { ReportJob } from '../../queue/report-job.ts';
import type { Checkpoint, WorkJob } from '../../queue/work-job.ts';
import { detectSetupCommand } from '../test-runner/detect-setup-command.ts';
import { detectTestCommand } from '../test-runner/detect-test-command.ts';
import type { TaskCheckout } from '../workspace/workspace.ts';
import { buildReport } from './build-report.ts';
import { codeStep } from './code-step.ts';
import { planStep } from './plan-step.ts';
import { installInitialDependencies } from './run-tests.ts';
import { reviewStep } from './review-step.ts';
import { stuckReason } from './stuck-reason.ts';
import { taskBranchName, type PipelineDependencies, type TaskHooks, type TaskRun } from './task-run.ts';
import { testerStep } from './tester-step.ts';

/** Who the thread should name for an error: the persona whose answer failed, or the output guardrail. */
function errorPersona(error: unknown): string | undefined {
  if (error instanceof PersonaAnswerError) return error.persona;
  return isTandemError(error) && error.code === 'output_blocked' ? 'guardrail' : undefined;
}

/** The report's error for an error the task ends on, with advice where there is some. */
function failureOf(error: unknown, attempt: number | undefined): { code: string; message: string; persona?: string } {
  const code = isTandemError(error) ? error.code : 'internal_error';
  const message = error instanceof Error ? error.message : String(error);
  const advice = failureAdvice(code, attempt);
  return { code, message: advice ? `${message.replace(/[.\s]+$/, '')}. ${advice}` : message, persona: errorPersona(error) };
}

export interface RunTaskOptions {
  /** The last try BullMQ will make: a transient error then ends in a `failed` report too. */
  finalAttempt: boolean;
  /** Which try this is (1 for the first), for the failure message. */
  attempt?: number;
}

/** What the lead can do about a failure the worker gave up on, by error code. */
function failureAdvice(code: string, attempt: number | undefined): string | undefined {
  const tries = attempt && attempt > 1 ? `Gave up after ${attempt} attempts. ` : '';
  if (code === 'model_timeout') {
    return `${tries}The model may still be loading or be too slow for this task: check \`ollama ps\` on the worker Mac (WORKER_OLLAMA_URL), then reply in this thread to try again.`;
  }
  if (code === 'model_unreachable' || code === 'model_error') {
    return `${tries}Check that Ollama runs at WORKER_OLLAMA_URL and serves the model (\`ollama ps\`, its server log), then reply in this thread to try again.`;
  }
  if (code === 'model_not_found') return 'Pull the model on the worker Mac, then reply in this thread to try again.';
  if (code.startsWith('git_') && tries) return `${tries.trim()} Reply in this thread to try again.`;
  return undefined;
}

function startingState(job: WorkJob, checkout: TaskCheckout, now: number): Checkpoint {
  return {
    branch: checkout.branch,
    baseBranch: checkout.baseBranch,
    stage: 'plan',
    round: 0,
    attempts: 0,
    phaseAttempts: 0,
    pendingComments: [],
    reviewApproved: false,
    reviewNotes: [],
    coderSummaries: [],
    usage: {},
    testMs: 0,
    startedAt: now,
  };
}

/**
 * One task iteration: Planner → Coder ⇄ tests ⇄ Reviewer → Tester, resuming from the
 * job's checkpoint. Returns the report (passed, stuck, or failed for errors that cannot
 * succeed on retry); throws transient errors so BullMQ tries again from the checkpoint.
 */
export async function runTask(
  job: WorkJob,
  dependencies: PipelineDependencies,
  hooks: TaskHooks,
  options: RunTaskOptions,
): Promise<ReportJob> {
  const logger = dependencies.logger.child({ taskId: job.taskId, iteration: job.iteration });
  let state = job.checkpoint;
  let checkout: TaskCheckout | undefined;
  try {
    checkout = await dependencies.workspace.open({
      taskId: job.taskId,
      repo: job.repo,
      branch: state?.branch ?? job.branch ?? taskBranchName(job.taskId, job.request),
      baseBranch: state?.baseBranch ?? job.baseBranch,
      signal: hooks.signal,
    });
    state ??= startingState(job, checkout, dependencies.now());
    const repoKey = `${job.repo.owner}/${job.repo.name}`;
    const testCommand = await detectTestCommand(checkout.dir, dependencies.testCommands[repoKey]);
    if (!testCommand) {
      throw new TandemError(
        'no_test_command',
        `no test command found in ${job.repo.owner}/${job.repo.name} (looked for package.json, pyproject.toml, go.mod, Cargo.toml, a Makefile with test); set one in TEST_COMMANDS`,
      );
    }
    const setupCommand = await detectSetupCommand(checkout.dir, dependencies.setupCommands[repoKey]);
    const run: TaskRun = { job, checkout, state, testCommand, setupCommand, dependencies, hooks, logger };
    logger.info({ stage: state.stage, branch: state.branch, testCommand, setupCommand }, 'task started');
    await installInitialDependencies(run);

    while (state.stage !== 'test') {
      if (state.stage === 'plan') {
        if ((await planStep(run)) === 'needs_knowledge') return await finish(run, 'stuck');
      } else if (state.stage === 'code') {
        if ((await codeStep(run)) === 'stuck') return await finish(run, 'stuck');
      } else await reviewStep(run);
    }
    const tester = await testerStep(run);
    // The real test run decides, whatever the Tester persona says; a change the Reviewer
    // did not approve within its review rounds hit the bound, so it is stuck (DESIGN §3).
    const done = state.lastTest?.passed === true && state.reviewApproved;
    return await finish(run, done ? 'passed' : 'stuck', tester);
  } catch (error) {
    const cancelled = hooks.signal?.aborted === true || (isTandemError(error) && error.code === 'task_cancelled');
    const transient = isTandemError(error) ? error.retryable : true;
    if (transient && !cancelled && !options.finalAttempt) throw error;
    // A cancel or a shutdown is asked for, not a failure (a shutdown's job goes back to the queue).
    if (cancelled) logger.info({ reason: String(hooks.signal?.reason ?? 'cancelled') }, 'task stopped');
    else logger.error({ err: error }, 'task failed');
    return buildReport({
      job,
      state,
      status: 'failed',
      error: cancelled
        ? { code: 'task_cancelled', message: 'the task was cancelled; its branch keeps the work done so far' }
        : failureOf(error, options.attempt),
      now: dependencies.now(),
    });
  } finally {
    await checkout?.dispose().catch((error: unknown) => logger.warn({ err: error }, 'could not remove the working copy'));
  }

  async function finish(run: TaskRun, status: 'passed' | 'stuck', tester?: Awaited<ReturnType<typeof testerStep>>) {
    const diffStat = await run.checkout.diffStat();
    // A task stuck before any change (the Planner needs knowledge) leaves no empty branch behind: it gets no PR.
    if (status === 'passed' || diffStat.files > 0 || run.checkout.existedOnRemote) await run.checkout.push();
    const error = status === 'stuck' ? stuckReason(run) : undefined;
    return buildReport({
      job: run.job,
      state: run.state,
      status,
      headSha: await run.checkout.headSha(),
      diffStat,
      tester,
      error,
      diff: status === 'stuck' ? await sosDiff(run.checkout) : undefined,
      frontier: dependencies.personas.frontierDescription,
      now: dependencies.now(),
    });
  }
}

/** The largest diff a report carries for the SOS prompt; a longer one is cut and says so. */
const sosDiffCharacters = 60_000;

async function sosDiff(checkout: TaskCheckout): Promise<string> {
  const diff = await checkout.diff();
  if (diff.length <= sosDiffCharacters) return diff;
  return `${diff.slice(0, sosDiffCharacters)}\n[… ${diff.length - sosDiffCharacters} more characters of diff cut …]\n`;
}
