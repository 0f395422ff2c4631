import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalPullRequests } from '../../src/github/local-pull-requests.ts';
import { rejectsWith } from '../kit/assertions.ts';
import { createWorkingCopy } from '../kit/git-repos.ts';

const repo = { owner: 'local', name: 'project' };
let scratch: string;
let reportsDir: string;
let storePath: string;
let pullRequests: LocalPullRequests;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tandem-pull-store-'));
  reportsDir = join(scratch, 'reports');
  storePath = join(reportsDir, 'pulls.json');
  await mkdir(reportsDir, { recursive: true });
  const repositoryPath = await createWorkingCopy(join(scratch, 'project'), { 'README.md': '# project\n' });
  pullRequests = new LocalPullRequests({ repositoryPath, reportsDir });
});
after(() => rm(scratch, { recursive: true, force: true }));

const validRecord = {
  number: 1,
  head: 'tandem/abc-fix',
  base: 'main',
  title: 'Fix it',
  body: 'The body',
  state: 'open',
  merged: false,
  draft: false,
  mergeSha: null,
  createdAt: '2025-01-02T03:04:05.000Z',
  comments: [],
};

test('a valid pulls.json is read as it was written', async () => {
  await writeFile(storePath, JSON.stringify([validRecord]));
  const pull = await pullRequests.get(repo, 1);
  assert.deepEqual({ number: pull.number, state: pull.state, headBranch: pull.headBranch, draft: pull.draft }, { number: 1, state: 'open', headBranch: 'tandem/abc-fix', draft: false });
});

test('pulls.json that is not JSON is pr_store_unreadable naming the file', async () => {
  await writeFile(storePath, '[{"number": 1,');
  const error = await rejectsWith(pullRequests.get(repo, 1), 'pr_store_unreadable');
  assert.ok(error.message.startsWith(`${storePath} is not valid JSON`), error.message);
  assert.ok(error.cause instanceof SyntaxError);
});

test('pulls.json holding other data is pr_store_unreadable naming the file and the field, and is left as it was', async () => {
  const cases: [unknown, RegExp][] = [
    [{ pulls: [validRecord] }, /: the whole file: .*expected array/i],
    [[{ ...validRecord, number: '1' }], /: record 1, number: .*expected number/i],
    [[validRecord, { ...validRecord, number: 2, state: 'merged' }], /: record 2, state: /],
    [[{ ...validRecord, comments: undefined }], /: record 1, comments: /],
  ];
  for (const [content, problem] of cases) {
    const text = JSON.stringify(content);
    await writeFile(storePath, text);
    const error = await rejectsWith(pullRequests.get(repo, 1), 'pr_store_unreadable');
    assert.ok(error.message.includes(storePath), error.message);
    assert.match(error.message, /does not hold tandem's local pull requests/);
    assert.match(error.message, problem);
    assert.match(error.message, /Fix or remove it$/);
    // A change (here a merge) reads first, so the bad file is never overwritten.
    await rejectsWith(pullRequests.merge({ repo, number: 1, method: 'squash' }), 'pr_store_unreadable');
    assert.equal(await readFile(storePath, 'utf8'), text);
  }
});

test('pulls.json that cannot be read is pr_store_unreadable naming the file', async () => {
  await rm(storePath, { force: true });
  await mkdir(storePath);
  try {
    const error = await rejectsWith(pullRequests.get(repo, 1), 'pr_store_unreadable');
    assert.match(error.message, new RegExp(`^cannot read ${storePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*EISDIR`));
  } finally {
    await rm(storePath, { recursive: true, force: true });
  }
});
