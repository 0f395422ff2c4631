import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addWorkJob, workJobId } from '../../src/queue/queues.ts';
import { git } from '../kit/git-repos.ts';
import { personaOf } from '../kit/ollama-server.ts';
import {
  calculatorFix,
  calculatorPlan,
  calculatorRepo,
  fixedAdd,
  happyTeam,
  json,
  scriptedTeam,
} from '../kit/scripted-team.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';
import { packCount } from './workspace/workspace-fixture.ts';

const execFileAsync = promisify(execFile);
let harness: WorkerHarness;

before(async () => {
  harness = await createWorkerHarness('pipeline', { CODER_MAX_ATTEMPTS: '2' });
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  await harness.startWorker();
});
after(() => harness.close());

const repo = { owner: 'acme', name: 'calc' };

test('a failing test becomes a reviewed, tested, pushed branch with a full report', async () => {
  const team = scriptedTeam({
    planner: () => json(calculatorPlan),
    coder: (_chat, call) =>
      call === 1
        ? json(calculatorFix)
        : json({ summary: 'Name the parameters', edits: [{ path: 'src/add.js', action: 'write', content: fixedAdd.replace('(a, b)', '(left, right)').replace('a + b', 'left + right') }] }),
    reviewer: (_chat, call) =>
      call === 1
        ? json({ approved: false, comments: [{ path: 'src/add.js', comment: 'Use descriptive parameter names' }] })
        : json({ approved: true, comments: [] }),
    tester: () => json({ passed: true, summary: 'Both scenarios are covered and pass.', uncovered: [] }),
  });
  harness.ollama.setResponder(team);
  const chatsBefore = harness.ollama.chatRequests().length;

  await addWorkJob(harness.workQueue, { taskId: 'task-7f3a', repo, request: 'fix add so that it adds', difficulty: 'medium', reflection: true, requester: 'U1' });
  const report = await harness.waitForReport('task-7f3a');

  assert.equal(report.status, 'passed', JSON.stringify(report.error));
  assert.match(report.branch!, /^tandem\/task-7f3a-fix-add-so-that-it-adds$/);
  assert.equal(report.baseBranch, 'main');
  assert.deepEqual(report.plan, calculatorPlan);
  assert.deepEqual(report.changeSummary, [calculatorFix.summary, 'Name the parameters']);
  assert.equal(report.diffStat.files, 2);
  assert.ok(report.diffStat.insertions > 0);
  assert.match(report.diffStat.text, /src\/add\.js/);
  assert.equal(report.test?.command, 'npm test');
  assert.equal(report.test?.exitCode, 0);
  assert.equal(report.test?.passed, true);
  assert.deepEqual(report.test?.counts, { passed: 2, failed: 0 });
  assert.equal(report.review.approved, true);
  assert.equal(report.review.rounds, 1);
  assert.deepEqual(report.review.notes, [{ round: 1, path: 'src/add.js', comment: 'Use descriptive parameter names' }]);
  assert.deepEqual(report.tester, { passed: true, summary: 'Both scenarios are covered and pass.', uncovered: [] });
  assert.equal(report.attempts, 2);
  assert.deepEqual(Object.keys(report.usage).sort(), ['coder', 'planner', 'reviewer', 'tester']);
  assert.equal(report.usage.coder?.calls, 2);
  assert.ok(report.usage.planner!.promptTokens > 0);
  assert.ok(report.wallMs > 0);
  assert.equal(report.requester, 'U1');

  // The pushed branch is the reported head, and its tests pass in a fresh clone.
  const clone = await harness.remotes.clone('acme', 'calc', report.branch);
  assert.equal(await git(clone, 'rev-parse', 'HEAD'), report.headSha);
  // Without the runner's NODE_TEST_CONTEXT, so the nested run prints its own summary.
  const { NODE_TEST_CONTEXT: _context, ...environment } = process.env;
  const { stdout } = await execFileAsync('node', ['--test'], { cwd: clone, env: environment });
  assert.match(stdout, /# pass 2/);
  assert.match(await git(clone, 'log', '--format=%an|%s', '-1'), /^tandem Coder\|Name the parameters$/);

  // Every model call followed the protocol: schema format, num_ctx, keep_alive.
  const chats = harness.ollama.chatRequests().slice(chatsBefore);
  assert.deepEqual(chats.map((chat) => personaOf(chat)), ['planner', 'coder', 'reviewer', 'coder', 'reviewer', 'tester']);
  for (const chat of chats) {
    assert.equal(chat.model, 'qwen3-coder-next:q4_K_M');
    assert.equal(typeof chat.format, 'object');
    assert.ok(Number(chat.options?.num_ctx) >= 4096);
    assert.equal(chat.keepAlive, '10m');
  }
  // The second Coder call carries the Reviewer's comment; no chat history crosses personas.
  assert.match(chats[3]!.messages[1]!.content, /Use descriptive parameter names/);
  assert.equal(chats[3]!.messages.length, 2);

  // Progress: a start and an end event for each persona step, in order.
  const events = harness.progress.filter((entry) => entry.jobId === workJobId('task-7f3a', 1)).map((entry) => `${entry.event.persona}:${entry.event.phase}`);
  assert.deepEqual(events, [
    'planner:start', 'planner:end', 'coder:start', 'coder:end', 'reviewer:start', 'reviewer:end',
    'coder:start', 'coder:end', 'reviewer:start', 'reviewer:end', 'tester:start', 'tester:end',
  ]);
  const coderEnd = harness.progress.find((entry) => entry.event.persona === 'coder' && entry.event.phase === 'end');
  assert.match(coderEnd!.event.text, /2 files changed \(\+\d+ −\d+\); tests 2\/2 ✓/);
});

test('a follow-up iteration adds commits to the same branch', async () => {
  const first = await harness.waitForReport('task-7f3a');
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json({ summary: 'Document add()', steps: ['Add a usage line to README.md'], tests: [] }),
      coder: () => json({ summary: 'Document add() in the README', edits: [{ path: 'README.md', action: 'replace', search: 'Tiny arithmetic helpers.', replace: 'Tiny arithmetic helpers: `add(2, 3) === 5`.' }] }),
      reviewer: () => json({ approved: true, comments: [] }),
      tester: () => json({ passed: true, summary: 'Docs only.', uncovered: [] }),
    }),
  );
  await addWorkJob(harness.workQueue, {
    taskId: 'task-7f3a', iteration: 2, repo, branch: first.branch, request: 'fix add so that it adds',
    feedback: ['please document add in the README'], difficulty: 'low', reflection: false,
  });
  const second = await harness.waitForReport('task-7f3a', 2);
  assert.equal(second.status, 'passed');
  assert.equal(second.branch, first.branch);
  const clone = await harness.remotes.clone('acme', 'calc', second.branch);
  assert.equal(await git(clone, 'rev-parse', 'HEAD'), second.headSha);
  assert.equal(await git(clone, 'merge-base', '--is-ancestor', first.headSha!, 'HEAD'), '');
  assert.equal(second.diffStat.files, 3, 'the diff against main covers both iterations');
  assert.deepEqual((await harness.remotes.branches('acme', 'calc')).filter((name) => name.startsWith('tandem/')), [first.branch]);
  const planner = harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'planner').at(-1)!;
  assert.match(planner.messages[1]!.content, /please document add in the README/);
});

test('git’s upkeep of the kept working copy runs beside a test run', async (t) => {
  const copy = join(harness.config.paths.workspaces, 'checkouts', 'acme', 'calc', '0');
  // The next fetch keeps its pack, and more than one pack makes git's gc repack (in the foreground).
  const settings = { 'fetch.unpackLimit': '1', 'gc.autoPackLimit': '1', 'gc.autoDetach': 'false' };
  for (const [name, value] of Object.entries(settings)) await git(copy, 'config', name, value);
  t.after(async () => {
    for (const name of Object.keys(settings)) await git(copy, 'config', '--unset', name);
  });
  const packsBefore = await packCount(copy);
  const elsewhere = await harness.remotes.clone('acme', 'calc');
  await git(elsewhere, 'commit', '--allow-empty', '-m', 'news on main');
  await git(elsewhere, 'push', 'origin', 'HEAD:main');
  harness.ollama.setResponder(happyTeam());
  await addWorkJob(harness.workQueue, { taskId: 'task-upkeep', repo, request: 'fix add', difficulty: 'low', reflection: false });
  assert.equal((await harness.waitForReport('task-upkeep')).status, 'passed');
  assert.equal(await packCount(copy), 1, `the ${packsBefore + 1} packs after the fetch were repacked into one`);
});

test('an invalid answer once is repaired and the task completes', async () => {
  const team = happyTeam();
  let coderCalls = 0;
  harness.ollama.setResponder((chat, context) => {
    if (personaOf(chat) === 'coder' && ++coderCalls === 1) return { content: '{"summary": "half an answer", "edits": [' };
    return team(chat, context);
  });
  await addWorkJob(harness.workQueue, { taskId: 'task-repair', repo, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-repair');
  assert.equal(report.status, 'passed');
  assert.equal(report.usage.coder?.calls, 2);
  assert.equal(report.attempts, 1);
});

test('an answer that is invalid every time is a clear persona error in the report', async () => {
  harness.ollama.setResponder(scriptedTeam({ planner: () => ({ content: 'Sure! Here is my plan: first…' }) }));
  const chatsBefore = harness.ollama.chatRequests().length;
  await addWorkJob(harness.workQueue, { taskId: 'task-garbled', repo, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-garbled');
  assert.equal(report.status, 'failed');
  assert.equal(report.error?.code, 'persona_invalid_answer');
  assert.equal(report.error?.persona, 'Planner');
  assert.match(report.error!.message, /Planner .* invalid answer twice.*not valid JSON/);
  assert.equal(harness.ollama.chatRequests().length - chatsBefore, 2, 'one try and one repair, no loop');
  const job = await harness.workQueue.getJob(workJobId('task-garbled', 1));
  assert.equal(await job!.getState(), 'failed');
  assert.equal(job!.attemptsMade, 1, 'a persona error is not retried');
});

test('tests that never pass end in a stuck task after bounded attempts', async () => {
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json(calculatorPlan),
      coder: (_chat, call) => json({ summary: `attempt ${call}`, edits: [{ path: 'src/add.js', action: 'write', content: `export function add(a, b) {\n  return a * b + ${call};\n}\n` }] }),
    }),
  );
  await addWorkJob(harness.workQueue, { taskId: 'task-stuck', repo, request: 'fix add', difficulty: 'high', reflection: true });
  const report = await harness.waitForReport('task-stuck');
  assert.equal(report.status, 'stuck');
  assert.equal(report.attempts, 2);
  assert.equal(report.usage.coder?.calls, 2);
  assert.equal(report.usage.reviewer, undefined);
  assert.equal(report.error?.code, 'tests_failing');
  assert.equal(report.test?.passed, false);
  assert.match(report.test!.outputTail, /fail/i);
  // The work so far is on the branch, for the lead or a frontier model to pick up.
  const clone = await harness.remotes.clone('acme', 'calc', report.branch);
  assert.match(await git(clone, 'show', 'HEAD:src/add.js'), /a \* b \+ 2/);
  // The second attempt was shown the failing output.
  const coder = harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'coder').at(-1)!;
  assert.match(coder.messages[1]!.content, /Failing test output/);
});

test('edits outside the repository are refused and reported back to the Coder', async () => {
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json(calculatorPlan),
      coder: (_chat, call) =>
        call === 1
          ? json({ summary: 'escape', edits: [
              { path: '../../etc/passwd', action: 'write', content: 'owned' },
              { path: '/tmp/tandem-escape', action: 'write', content: 'owned' },
            ] })
          : json(calculatorFix),
      reviewer: () => json({ approved: true, comments: [] }),
      tester: () => json({ passed: true, summary: 'ok', uncovered: [] }),
    }),
  );
  await addWorkJob(harness.workQueue, { taskId: 'task-escape', repo, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-escape');
  assert.equal(report.status, 'passed');
  const coder = harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'coder').at(-1)!;
  assert.match(coder.messages[1]!.content, /Edits of your last attempt that failed[\s\S]*\.\.\/\.\.\/etc\/passwd[\s\S]*\/tmp\/tandem-escape/);
  await assert.rejects(execFileAsync('test', ['-e', '/tmp/tandem-escape']));
});

test('dependencies are installed before the tests run and never committed', async () => {
  await harness.remotes.createRepo('acme', 'greeter', {
    'package.json': JSON.stringify({ name: 'greeter', type: 'module', scripts: { test: 'node --test' }, dependencies: { shout: 'file:./vendor/shout' } }, null, 2),
    'vendor/shout/package.json': JSON.stringify({ name: 'shout', version: '1.0.0', type: 'module', main: 'index.js' }),
    'vendor/shout/index.js': "export const shout = (text) => `${text.toUpperCase()}!`;\n",
    'src/greet.js': "import { shout } from 'shout';\n\nexport const greet = (name) => shout(`hello ${name}`).toLowerCase();\n",
    'test/greet.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { greet } from '../src/greet.js';\n\ntest('greets loudly', () => assert.equal(greet('mina'), 'HELLO MINA!'));\n",
  });
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json({ summary: 'Greet loudly', steps: ['Drop toLowerCase in src/greet.js'], tests: [{ name: 'greets loudly', scenario: 'greet("mina") is HELLO MINA!' }] }),
      coder: () => json({ summary: 'Greet loudly', edits: [{ path: 'src/greet.js', action: 'replace', search: '.toLowerCase()', replace: '' }] }),
      reviewer: () => json({ approved: true, comments: [] }),
      tester: () => json({ passed: true, summary: 'ok', uncovered: [] }),
    }),
  );
  await addWorkJob(harness.workQueue, { taskId: 'task-deps', repo: { owner: 'acme', name: 'greeter' }, request: 'greet loudly', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-deps');
  assert.equal(report.status, 'passed', JSON.stringify(report.error ?? report.test?.outputTail));
  assert.equal(report.test?.passed, true);
  assert.equal(report.diffStat.files, 1);
  const clone = await harness.remotes.clone('acme', 'greeter', report.branch);
  const tracked = await git(clone, 'ls-tree', '-r', '--name-only', 'HEAD');
  assert.doesNotMatch(tracked, /node_modules/);
});

test('the final real test run decides, whatever the Tester persona says', async () => {
  // This test passes on its first run and fails on every later one.
  const flaky =
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { existsSync, mkdirSync, writeFileSync } from 'node:fs';\n\ntest('passes once', () => {\n  const seen = existsSync('.tandem/ran');\n  mkdirSync('.tandem', { recursive: true });\n  writeFileSync('.tandem/ran', 'yes');\n  assert.equal(seen, false);\n});\n";
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json(calculatorPlan),
      coder: () => json({ ...calculatorFix, edits: [...calculatorFix.edits, { path: 'test/flaky.test.js', action: 'write', content: flaky }] }),
      reviewer: () => json({ approved: true, comments: [] }),
      tester: () => json({ passed: true, summary: 'Everything passes.', uncovered: [] }),
    }),
  );
  await addWorkJob(harness.workQueue, { taskId: 'task-flaky', repo, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-flaky');
  assert.equal(report.status, 'stuck');
  assert.equal(report.test?.passed, false);
  assert.equal(report.tester?.passed, false, "the persona's 'passed' does not survive a failing run");
  assert.equal(report.tester?.summary, 'Everything passes.');
  assert.match(report.error!.message, /final test run failed/);
});

/** A GitHub token shape built from fragments, so no scanner flags this file: `ghp_` + 36 characters. */
const fakeToken = ['gh', 'p_', 'Z7q2Lm9Kx4Pv8Rt1Ws6Y', 'bN3cD5eF0gH2jK4m'].join('');

test('a Coder that writes a workflow file gets no push: the output guardrail fails the task', async () => {
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json(calculatorPlan),
      coder: () => json({ ...calculatorFix, edits: [...calculatorFix.edits, { path: '.github/workflows/x.yml', action: 'write', content: 'on: push\njobs: {}\n' }] }),
      reviewer: () => json({ approved: true, comments: [] }),
      tester: () => json({ passed: true, summary: 'ok', uncovered: [] }),
    }),
  );
  await addWorkJob(harness.workQueue, { taskId: 'task-workflow', repo, request: 'fix add and add CI', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-workflow');
  assert.equal(report.status, 'failed');
  assert.equal(report.error?.code, 'output_blocked');
  assert.equal(report.error?.persona, 'guardrail');
  assert.match(report.error!.message, /blocked the push of tandem\/task-workflow-[^:]*: \.github\/workflows\/x\.yml is protected \(a GitHub Actions workflow\)/);
  const branches = await harness.remotes.branches('acme', 'calc');
  assert.ok(!branches.some((name) => name.startsWith('tandem/task-workflow')), `nothing was pushed: ${branches.join(', ')}`);
  const job = await harness.workQueue.getJob(workJobId('task-workflow', 1));
  assert.equal(await job!.getState(), 'failed');
  assert.equal(job!.attemptsMade, 1, 'a blocked push is not retried');
});

test('a Coder that adds a token: the earlier push stays, the offending commit never reaches the remote', async () => {
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json(calculatorPlan),
      coder: (_chat, call) =>
        call === 1
          ? json({ summary: 'Describe add', edits: [{ path: 'README.md', action: 'write', content: '# calc\n\n`add(a, b)` adds.\n' }] })
          : json({ ...calculatorFix, edits: [...calculatorFix.edits, { path: 'src/github.js', action: 'write', content: `export const githubToken = '${fakeToken}';\n` }] }),
      reviewer: () => json({ approved: true, comments: [] }),
      tester: () => json({ passed: true, summary: 'ok', uncovered: [] }),
    }),
  );
  await addWorkJob(harness.workQueue, { taskId: 'task-token', repo, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-token');
  assert.equal(report.status, 'failed');
  assert.equal(report.error?.code, 'output_blocked');
  assert.equal(report.error?.persona, 'guardrail');
  assert.match(report.error!.message, /src\/github\.js:1 adds a secret \(GitHub token\)/);
  for (const fragment of [fakeToken, fakeToken.slice(4, 24), fakeToken.slice(-16)]) {
    assert.ok(!JSON.stringify(report).includes(fragment), 'no token text anywhere in the report');
  }

  // The first attempt (tests still failing) was pushed; the second, with the token, was not.
  const clone = await harness.remotes.clone('acme', 'calc', report.branch);
  assert.equal(await git(clone, 'log', '-1', '--format=%s'), 'Describe add');
  const bare = `${harness.remotes.root}/acme/calc.git`;
  const history = await git(bare, 'log', '--all', '-p', '--format=%H %s');
  assert.ok(!history.includes(fakeToken.slice(4, 24)), 'no commit on the remote holds the token');
  assert.ok(!history.includes('src/github.js'));
  const progress = harness.progress.filter((entry) => entry.jobId === workJobId('task-token', 1));
  assert.ok(!JSON.stringify(progress).includes(fakeToken.slice(4, 24)));
});
