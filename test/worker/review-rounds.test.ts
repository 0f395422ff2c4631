import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Difficulty } from '../../src/queue/work-job.ts';
import { addWorkJob, workJobId } from '../../src/queue/queues.ts';
import { git } from '../kit/git-repos.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorFix, calculatorPlan, calculatorRepo, fixedAdd, json, scriptedTeam } from '../kit/scripted-team.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';

// DESIGN §3: low → at most 1 review round; medium/high with reflection → up to 3. A round is
// one set of Reviewer comments sent back to the Coder; the Reviewer then sees the answer to
// it. A Reviewer still not approving when the rounds are used up hits the bound: `stuck`.

let harness: WorkerHarness;

before(async () => {
  harness = await createWorkerHarness('review-rounds');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  await harness.startWorker();
});
after(() => harness.close());

const repo = { owner: 'acme', name: 'calc' };

/** A Reviewer that never approves (comment n on its n-th review) and a Coder that answers each comment. */
function pickyTeam() {
  return scriptedTeam({
    planner: () => json(calculatorPlan),
    coder: (_chat, call) =>
      call === 1
        ? json(calculatorFix)
        : json({ summary: `Address nitpick ${call - 1}`, edits: [{ path: 'src/add.js', action: 'write', content: `// nitpick ${call - 1} addressed\n${fixedAdd}` }] }),
    reviewer: (_chat, call) => json({ approved: false, comments: [{ path: 'src/add.js', comment: `nitpick ${call}` }] }),
    tester: () => json({ passed: true, summary: 'Both scenarios are covered and pass.', uncovered: [] }),
  });
}

async function runPickyTask(taskId: string, difficulty: Difficulty, reflection: boolean) {
  const team = pickyTeam();
  harness.ollama.setResponder(team);
  const chatsBefore = harness.ollama.chatRequests().length;
  await addWorkJob(harness.workQueue, { taskId, repo, request: 'fix add', difficulty, reflection, requester: 'U1' });
  const report = await harness.waitForReport(taskId);
  const chats = harness.ollama.chatRequests().slice(chatsBefore);
  const reviewerEnds = harness.progress
    .filter((entry) => entry.jobId === workJobId(taskId, 1) && entry.event.persona === 'reviewer' && entry.event.phase === 'end')
    .map((entry) => entry.event.text);
  return { team, report, chats, reviewerEnds };
}

test('medium with reflection: exactly 3 review rounds, then the task is stuck with the open comments', async () => {
  const { team, report, chats, reviewerEnds } = await runPickyTask('task-picky-three', 'medium', true);

  assert.equal(report.status, 'stuck');
  assert.equal(report.review.rounds, 3);
  assert.equal(report.review.approved, false);
  assert.equal(team.calls.get('reviewer'), 4, 'three rounds of comments, and a last look at the third answer');
  assert.equal(team.calls.get('coder'), 4);
  assert.deepEqual(report.review.notes.map((note) => `${note.round}:${note.path}:${note.comment}`), [
    '1:src/add.js:nitpick 1', '2:src/add.js:nitpick 2', '3:src/add.js:nitpick 3', '4:src/add.js:nitpick 4',
  ]);
  // Each round's comments went back to the Coder.
  const coders = chats.filter((chat) => personaOf(chat) === 'coder');
  for (const round of [1, 2, 3]) assert.match(coders[round]!.messages[1]!.content, new RegExp(`nitpick ${round}\\b`));

  // Why it is stuck, with the comment still open; the tests themselves pass.
  assert.equal(report.error?.code, 'review_not_approved');
  assert.equal(report.error?.persona, 'reviewer');
  assert.equal(
    report.error?.message,
    'the Reviewer did not approve the change after 3 review rounds (the most for medium difficulty with reflection); the tests pass. Open comments: src/add.js: nitpick 4',
  );
  assert.equal(report.test?.passed, true);
  assert.deepEqual(report.tester, { passed: true, summary: 'Both scenarios are covered and pass.', uncovered: [] });
  assert.deepEqual(reviewerEnds.slice(0, 3), ['1 comments → back to Coder', '1 comments → back to Coder', '1 comments → back to Coder']);
  assert.equal(reviewerEnds[3], 'not approved after 3 review rounds: 1 comment still open, so the task will be stuck');

  // A stuck task keeps its work on the branch, and the report carries the diff for the SOS prompt.
  const clone = await harness.remotes.clone('acme', 'calc', report.branch);
  assert.equal(await git(clone, 'rev-parse', 'HEAD'), report.headSha);
  assert.match(await git(clone, 'show', 'HEAD:src/add.js'), /nitpick 3 addressed/);
  assert.match(report.diff ?? '', /nitpick 3 addressed/);
});

test('medium without reflection: one review round, then stuck', async () => {
  const { team, report, reviewerEnds } = await runPickyTask('task-picky-one', 'medium', false);
  assert.equal(report.status, 'stuck');
  assert.equal(report.review.rounds, 1);
  assert.equal(team.calls.get('reviewer'), 2);
  assert.equal(team.calls.get('coder'), 2);
  assert.equal(report.error?.code, 'review_not_approved');
  assert.match(report.error!.message, /after 1 review round \(the most for medium difficulty without reflection\); the tests pass\. Open comments: src\/add\.js: nitpick 2$/);
  assert.equal(reviewerEnds.at(-1), 'not approved after 1 review round: 1 comment still open, so the task will be stuck');
});

test('low difficulty: one review round whatever the reflection; approval in the last review passes', async () => {
  const picky = await runPickyTask('task-picky-low', 'low', true);
  assert.equal(picky.report.status, 'stuck');
  assert.equal(picky.report.review.rounds, 1);
  assert.equal(picky.team.calls.get('reviewer'), 2);
  assert.match(picky.report.error!.message, /after 1 review round \(the most for low difficulty\)/);

  const team = scriptedTeam({
    planner: () => json(calculatorPlan),
    coder: () => json(calculatorFix),
    reviewer: (_chat, call) => json(call === 1 ? { approved: false, comments: [{ path: 'src/add.js', comment: 'nitpick' }] } : { approved: true, comments: [] }),
    tester: () => json({ passed: true, summary: 'ok', uncovered: [] }),
  });
  harness.ollama.setResponder(team);
  await addWorkJob(harness.workQueue, { taskId: 'task-fixed-low', repo, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-fixed-low');
  assert.equal(report.status, 'passed', JSON.stringify(report.error));
  assert.equal(report.review.approved, true);
  assert.equal(report.review.rounds, 1);
  assert.equal(report.error, undefined);
});

test('the lead’s feedback in the thread reaches the Reviewer of the next iteration', async () => {
  const first = await harness.waitForReport('task-picky-one');
  const team = scriptedTeam({
    planner: () => json(calculatorPlan),
    coder: () => json({ summary: 'Keep it as it is', edits: [{ path: 'README.md', action: 'write', content: '# calc\n\nadd() adds.\n' }] }),
    reviewer: () => json({ approved: true, comments: [] }),
    tester: () => json({ passed: true, summary: 'ok', uncovered: [] }),
  });
  harness.ollama.setResponder(team);
  const chatsBefore = harness.ollama.chatRequests().length;
  const feedback = ['the nitpicks are fine as they are; ship it'];
  await addWorkJob(harness.workQueue, { taskId: 'task-picky-one', iteration: 2, repo, branch: first.branch, request: 'fix add', feedback, difficulty: 'medium', reflection: false });
  const report = await harness.waitForReport('task-picky-one', 2);
  assert.equal(report.status, 'passed', JSON.stringify(report.error));
  const reviewer = harness.ollama.chatRequests().slice(chatsBefore).find((chat) => personaOf(chat) === 'reviewer')!;
  assert.match(reviewer.messages[1]!.content, /Feedback from the team lead[\s\S]*the nitpicks are fine as they are; ship it/);
});
