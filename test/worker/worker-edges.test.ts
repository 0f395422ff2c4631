import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { addWorkJob, workJobId } from '../../src/queue/queues.ts';
import { git } from '../kit/git-repos.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorFix, calculatorPlan, calculatorRepo, happyTeam, json, scriptedTeam } from '../kit/scripted-team.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';

// A real worker with a per-repository TEST_COMMANDS entry, and a repository whose symlinks
// lead out of it: the override is what runs, and edits through the links are refused.

const overrideCommand = 'node --test && echo tandem-override-ran';
let harness: WorkerHarness;
let outside: string;

before(async () => {
  harness = await createWorkerHarness('worker-edges');
  outside = await mkdtemp(join(tmpdir(), 'tandem-outside-'));
  await writeFile(join(outside, 'notes.txt'), 'original notes\n');
  // The detected command (npm test) would fail and say so: only the override may run.
  const detectedFails = JSON.stringify({ name: 'custom', type: 'module', scripts: { test: 'echo tandem-detected-ran && exit 1' } });
  await harness.remotes.createRepo('acme', 'custom', { ...calculatorRepo, 'package.json': detectedFails });
  // Named test files: `node --test` alone would walk into the links, which dangle in the sandbox.
  const namedTests = JSON.stringify({ name: 'linked', type: 'module', scripts: { test: 'node --test test/*.test.js' } });
  await harness.remotes.createRepo('acme', 'linked', { ...calculatorRepo, 'package.json': namedTests });
  const clone = await harness.remotes.clone('acme', 'linked');
  await symlink(outside, join(clone, 'outside'));
  await symlink(join(outside, 'notes.txt'), join(clone, 'notes.txt'));
  await git(clone, 'add', '--all');
  await git(clone, 'commit', '-m', 'link to a folder and a file outside the repository');
  await git(clone, 'push', 'origin', 'main');
  await harness.startWorker({ TEST_COMMANDS: JSON.stringify({ 'acme/custom': overrideCommand }) });
});
after(async () => {
  await harness.close();
  await rm(outside, { recursive: true, force: true });
});

test('a TEST_COMMANDS entry runs instead of the detected command, for every run of the task', async () => {
  harness.ollama.setResponder(happyTeam());
  const chatsBefore = harness.ollama.chatRequests().length;
  await addWorkJob(harness.workQueue, { taskId: 'task-override', repo: { owner: 'acme', name: 'custom' }, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-override');

  assert.equal(report.status, 'passed', JSON.stringify(report.error ?? report.test?.outputTail));
  assert.equal(report.test?.command, overrideCommand);
  assert.equal(report.test?.exitCode, 0);
  assert.match(report.test!.outputTail, /tandem-override-ran/);
  assert.doesNotMatch(report.test!.outputTail, /tandem-detected-ran/);
  const coder = harness.ollama.chatRequests().slice(chatsBefore).find((chat) => personaOf(chat) === 'coder')!;
  assert.ok(coder.messages[1]!.content.includes(overrideCommand), 'the Coder is told the command that judges it');
  const tester = harness.progress.find((entry) => entry.jobId === workJobId('task-override', 1) && entry.event.persona === 'tester' && entry.event.phase === 'start');
  assert.equal(tester?.event.text, `Tester runs ${overrideCommand}`);
});

test('Coder edits through symlinks that lead out of the repository are refused and reported back', async () => {
  harness.ollama.setResponder(
    scriptedTeam({
      planner: () => json(calculatorPlan),
      coder: (_chat, call) =>
        call === 1
          ? json({ summary: 'escape through the links', edits: [
              { path: 'outside/escape.js', action: 'write', content: 'owned\n' },
              { path: 'notes.txt', action: 'replace', search: 'original', replace: 'owned' },
              { path: 'notes.txt', action: 'delete' },
            ] })
          : json(calculatorFix),
      reviewer: () => json({ approved: true, comments: [] }),
      tester: () => json({ passed: true, summary: 'ok', uncovered: [] }),
    }),
  );
  const chatsBefore = harness.ollama.chatRequests().length;
  await addWorkJob(harness.workQueue, { taskId: 'task-links', repo: { owner: 'acme', name: 'linked' }, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('task-links');

  assert.equal(report.status, 'passed', JSON.stringify(report.error ?? report.test?.outputTail));
  assert.deepEqual(await readdir(outside), ['notes.txt'], 'nothing was written outside');
  assert.equal(await readFile(join(outside, 'notes.txt'), 'utf8'), 'original notes\n');
  const coders = harness.ollama.chatRequests().slice(chatsBefore).filter((chat) => personaOf(chat) === 'coder');
  assert.equal(coders.length, 2);
  const retry = coders[1]!.messages[1]!.content;
  assert.match(retry, /Edits of your last attempt that failed[\s\S]*outside\/escape\.js: outside is a symlink that leads (out|outside)/);
  assert.match(retry, /replace notes\.txt: notes\.txt is a symlink that leads (out|outside)/);
  assert.match(retry, /delete notes\.txt: notes\.txt is a symlink that leads (out|outside)/);
  const coderEnd = harness.progress.find((entry) => entry.jobId === workJobId('task-links', 1) && entry.event.persona === 'coder' && entry.event.phase === 'end');
  assert.match(coderEnd!.event.text, /3 edits not applied/);
  // The links themselves are untouched on the pushed branch.
  const clone = await harness.remotes.clone('acme', 'linked', report.branch);
  const links = await git(clone, 'ls-tree', 'HEAD', 'notes.txt', 'outside');
  assert.equal(links, await git(clone, 'ls-tree', 'origin/main', 'notes.txt', 'outside'));
  assert.match(links, /^120000 blob .*\tnotes\.txt\n120000 blob .*\toutside$/);
  assert.equal(report.diffStat.files, 2, 'only the fix and its test changed');
});
