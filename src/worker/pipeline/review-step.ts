import { reviewerAnswerSchema, reviewerSystemPrompt, reviewerUserPrompt } from '../../personas/reviewer.ts';
import { clip, maxReviewRounds, roundsText, type TaskRun } from './task-run.ts';

/**
 * Reviewer: the diff against the plan. Comments go back to the Coder while review rounds
 * remain (DESIGN §3); a round is one set of comments sent back, and the Reviewer sees the
 * Coder's answer to the last one. Not approved then, the task ends `stuck` (see `runTask`)
 * with the open comments in the report.
 */
export async function reviewStep(run: TaskRun): Promise<void> {
  const { job, state } = run;
  const review = state.round + 1;
  await run.hooks.progress({ persona: 'reviewer', phase: 'start', text: `Reviewer · review ${review}`, round: state.round });
  const diff = await run.checkout.diff();
  const answer = await run.dependencies.personas.call({
    persona: 'reviewer',
    schema: reviewerAnswerSchema,
    usage: state.usage,
    signal: run.hooks.signal,
    system: reviewerSystemPrompt,
    user: (budget) => reviewerUserPrompt({ request: job.request, plan: state.plan!, diff, test: state.lastTest, feedback: job.feedback }, budget),
  });

  let text: string;
  if (answer.approved) {
    state.reviewApproved = true;
    state.stage = 'test';
    text = answer.comments.length ? `approved, with ${answer.comments.length} remarks` : 'approved';
    state.reviewNotes.push(...answer.comments.map((comment) => ({ round: review, ...comment })));
  } else {
    const comments = answer.comments.length
      ? answer.comments
      : [{ path: '', comment: 'The Reviewer did not approve and gave no specific comment.' }];
    state.reviewNotes.push(...comments.map((comment) => ({ round: review, ...comment })));
    if (state.round < maxReviewRounds(job.difficulty, job.reflection)) {
      state.round += 1;
      state.pendingComments = comments;
      state.phaseAttempts = 0;
      state.stage = 'code';
      text = `${comments.length} comments → back to Coder`;
    } else {
      // The bound is hit (DESIGN §3): the final test run still happens, then the task is stuck.
      state.stage = 'test';
      const open = comments.length === 1 ? '1 comment' : `${comments.length} comments`;
      text = `not approved after ${roundsText(state.round)}: ${open} still open, so the task will be stuck`;
    }
  }
  // The Reviewer only reads the diff: there is nothing to commit, only where the task stands.
  await run.hooks.checkpoint(state);
  const details = answer.comments.slice(0, 20).map((comment) => clip(comment.path ? `${comment.path}: ${comment.comment}` : comment.comment));
  await run.hooks.progress({ persona: 'reviewer', phase: 'end', text, round: state.round, details });
}
