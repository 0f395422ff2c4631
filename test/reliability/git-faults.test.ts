import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addWorkJob } from '../../src/queue/queues.ts';
import { concurrentPushScripts, pushToTaskBranch, taskBranch, type TaskBranchAddress } from '../kit/concurrent-push.ts';
import { assertNothingRunning } from '../kit/fault-checks.ts';
import { git } from '../kit/git-repos.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorPlan, calculatorRepo, json, scriptedTeam } from '../kit/scripted-team.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';

// Issue 6, item 7: a push rejected because someone pushed to the task branch meanwhile
// (rebased onto their commit, or reported on a conflict), and a clone that fails.

let harness: WorkerHarness;

before(async () => {
  harness = await createWorkerHarness('git-faults');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  await harness.startWorker();
});
after(() => harness.close());

const branchOf = (taskId: string): TaskBranchAddress => ({ remotes: harness.remotes, owner: 'acme', name: 'calc', branchPrefix: `tandem/${taskId}-` });

/** The worker's team for a task whose second push meets `meanwhile`'s commit (see concurrentPushScripts). */
function teamWithConcurrentPush(meanwhile: () => Promise<unknown>, secondEdit: { path: string; search: string; replace: string }) {
  return scriptedTeam({
    planner: () => json(calculatorPlan),
    ...concurrentPushScripts(meanwhile, secondEdit),
    tester: () => json({ passed: true, summary: 'All scenarios pass.', uncovered: [] }),
  });
}

test('a push rejected as non-fast-forward is rebased onto the other commit and pushed', async () => {
  let theirs = '';
  const since = harness.ollama.chatRequests().length;
  harness.ollama.setResponder(
    teamWithConcurrentPush(
      async () => (theirs = await pushToTaskBranch(branchOf('task-rebase'), { 'README.md': '# calc\n\nTiny arithmetic helpers, now documented.\n' }, 'docs: a better README')),
      { path: 'src/add.js', search: 'return a + b;', replace: 'return b + a;' },
    ),
  );
  await addWorkJob(harness.workQueue, { taskId: 'task-rebase', repo: { owner: 'acme', name: 'calc' }, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-rebase', 1, 45_000);

  assert.equal(report.status, 'passed', JSON.stringify(report.error));
  assert.equal(report.branch, await taskBranch(branchOf('task-rebase')));
  const clone = await harness.remotes.clone('acme', 'calc', report.branch);
  assert.equal(await git(clone, 'rev-parse', 'HEAD'), report.headSha, 'the report names the pushed head');
  assert.equal(await git(clone, 'merge-base', '--is-ancestor', theirs, 'HEAD').then(() => 'kept'), 'kept', 'their commit is kept');
  assert.match(await git(clone, 'show', 'HEAD:README.md'), /now documented/);
  assert.match(await git(clone, 'show', 'HEAD:src/add.js'), /return b \+ a;/, 'the second Coder change is on top');
  assert.equal(await git(clone, 'log', '-1', '--format=%an', 'HEAD'), 'tandem Coder');
  const coders = harness.ollama.chatRequests().slice(since).filter((chat) => personaOf(chat) === 'coder');
  assert.equal(coders.length, 2, 'the rejected push cost no extra model call');
  await assertNothingRunning({ queues: [harness.workQueue] });
});

test('a push rejected with conflicting commits is a clear failed report, and the remote keeps their commit', async () => {
  let theirs = '';
  harness.ollama.setResponder(
    teamWithConcurrentPush(
      async () => (theirs = await pushToTaskBranch(branchOf('task-conflict'), { 'src/add.js': 'export function add(a, b) {\n  return Number(a) + Number(b);\n}\n' }, 'fix: coerce')),
      { path: 'src/add.js', search: 'return a + b;', replace: 'return (a + b);' },
    ),
  );
  const started = Date.now();
  await addWorkJob(harness.workQueue, { taskId: 'task-conflict', repo: { owner: 'acme', name: 'calc' }, request: 'fix add again', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-conflict', 1, 45_000);

  assert.equal(report.status, 'failed');
  assert.equal(report.error?.code, 'git_push_rejected');
  assert.match(report.error!.message, /was rejected: someone else pushed to it, and rebasing the task's commits onto theirs failed \(conflict in src\/add\.js\)/);
  assert.match(report.error!.message, /Merge tandem\/task-conflict-\S+ by hand, or reply in this thread/);
  const remoteHead = (await git(harness.remotes.root, 'ls-remote', join(harness.remotes.root, 'acme', 'calc.git'), report.branch!)).split('\t')[0];
  assert.equal(remoteHead, theirs, 'nothing was forced over their commit');
  const job = await harness.workQueue.getJob('task-conflict-1');
  assert.equal(job?.attemptsMade, 1, 'not retried: the same conflict would come back');
  assert.ok(Date.now() - started < 30_000);
  await assertNothingRunning({ queues: [harness.workQueue] });
});

test('a clone that fails (the repository is missing) is a clear failed report naming the repo, the URL and GIT_REMOTE_URL', async () => {
  await addWorkJob(harness.workQueue, { taskId: 'task-no-repo', repo: { owner: 'acme', name: 'missing' }, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-no-repo', 1, 20_000);

  assert.equal(report.status, 'failed');
  assert.equal(report.error?.code, 'git_clone_failed');
  const message = report.error!.message;
  assert.match(message, /^cloning acme\/missing from file:\/\/\S+\/acme\/missing\.git failed: /);
  assert.match(message, /does not appear to be a git repository|does not exist/);
  assert.match(message, /Check that acme\/missing exists there, that GIT_REMOTE_URL points at the right host, and that GITHUB_TOKEN can read it/);
  const job = await harness.workQueue.getJob('task-no-repo-1');
  assert.equal(job?.attemptsMade, 1, 'a missing repository is not retried');
  assert.equal(harness.ollama.chatRequests().filter((chat) => /task-no-repo/.test(JSON.stringify(chat.messages))).length, 0);
  await assertNothingRunning({ queues: [harness.workQueue] });
});
