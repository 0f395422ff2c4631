import { clip, roundsText, type TaskRun } from './task-run.ts';

export interface StuckReason {
  code: string;
  persona: string;
  message: string;
}

/** Why a task is stuck, in words the thread and the SOS prompt use. */
export function stuckReason(run: TaskRun): StuckReason {
  const { state, testCommand } = run;
  const missing = state.stage === 'plan' ? (state.plan?.missingKnowledge ?? []) : [];
  if (missing.length > 0) {
    return { code: 'needs_knowledge', persona: 'planner', message: `the Planner needs knowledge it lacks: ${missing.join('; ')}` };
  }
  if (state.stage === 'test' && state.lastTest?.passed === true && !state.reviewApproved) return reviewNotApproved(run);
  const exit = state.lastTest?.exitCode ?? 'without a code';
  return {
    code: 'tests_failing',
    persona: 'coder',
    message:
      state.stage === 'test'
        ? `the final test run failed although the Coder's run passed; the tests may be flaky (${testCommand} exited ${exit})`
        : `the tests still fail after ${state.attempts} Coder attempts (${testCommand} exited ${exit})`,
  };
}

/** The tests pass, but the Reviewer's last review still asked for changes and no round was left. */
function reviewNotApproved(run: TaskRun): StuckReason {
  const { job, state } = run;
  const lastReview = state.round + 1;
  const open = state.reviewNotes.filter((note) => note.round === lastReview);
  const setting = job.difficulty === 'low' ? 'low difficulty' : `${job.difficulty} difficulty ${job.reflection ? 'with' : 'without'} reflection`;
  const comments = open.map((note) => (note.path ? `${note.path}: ${note.comment}` : note.comment)).join('; ');
  return {
    code: 'review_not_approved',
    persona: 'reviewer',
    message: clip(
      `the Reviewer did not approve the change after ${roundsText(state.round)} (the most for ${setting}); the tests pass. ` +
        `Open comments: ${comments}`,
      1000,
    ),
  };
}
