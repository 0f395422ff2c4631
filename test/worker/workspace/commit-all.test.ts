import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isTandemError } from '../../../src/errors.ts';
import { commitAll } from '../../../src/worker/workspace/commit-all.ts';
import { createGitRunner } from '../../../src/worker/workspace/git-runner.ts';
import { createWorkingCopy, git } from '../../kit/git-repos.ts';

const author = { name: 'tandem coder', email: 'coder@tandem.local' };

/** A repository on `main` holding `files` in one commit, removed after the test. */
async function workingCopy(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-commit-all-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return createWorkingCopy(dir, files);
}

const invalidCommit = (pattern: RegExp) => (error: unknown) => {
  assert.ok(isTandemError(error), String(error));
  assert.equal(error.code, 'invalid_commit');
  assert.match(error.message, pattern);
  return true;
};

test('commitAll commits every change, new and deleted files too, and names the commit as git does', async (t) => {
  const dir = await workingCopy(t, { 'old.txt': 'old\n' });
  const runner = createGitRunner(dir);

  assert.equal(await commitAll(runner, 'Nothing new', author), undefined, 'nothing to commit');
  await writeFile(join(dir, 'new.txt'), 'new\n');
  await rm(join(dir, 'old.txt'));
  const made = await commitAll(runner, 'Replace old with new', author);
  assert.deepEqual(made, { sha: await git(dir, 'rev-parse', 'HEAD') });
  assert.equal(await git(dir, 'show', '-s', '--format=%an <%ae>|%s', 'HEAD'), 'tandem coder <coder@tandem.local>|Replace old with new');
  assert.equal(await git(dir, 'ls-files'), 'new.txt');
  assert.equal(await git(dir, 'status', '--porcelain'), '', 'the work tree is clean after the commit');
});

test('commitAll refuses an empty message and an author git would misread, before touching the repository', async (t) => {
  const dir = await workingCopy(t, { 'README.md': '# calc\n' });
  await writeFile(join(dir, 'a.txt'), 'a\n');
  const runner = createGitRunner(dir);

  await assert.rejects(commitAll(runner, '  \n', author), invalidCommit(/message is empty/));
  await assert.rejects(commitAll(runner, 'Add a', { name: 'Eve <eve@evil>', email: 'x@y' }), invalidCommit(/without <, > or line breaks/));
  await assert.rejects(commitAll(runner, 'Add a', { name: 'Coder', email: '' }), invalidCommit(/needs a name and an email/));
  assert.equal(await git(dir, 'status', '--porcelain'), '?? a.txt', 'nothing was staged');
});
