import assert from 'node:assert/strict';
import { readFile, rename, stat, writeFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { git } from '../../kit/git-repos.ts';
import { isTandemError } from '../../../src/errors.ts';
import { createWorkspaceFixture, pushFromElsewhere, repo } from './workspace-fixture.ts';

const author = { name: 'Mina Park', email: 'mina@example.com' };

test('a new task branch is cut from main, edited, committed and pushed', async (t) => {
  const { remotes, root, workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-one', repo, branch: 'tandem/task-one' });
  assert.equal(checkout.dir, join(root, 'checkouts', 'acme', 'api', '0'));
  assert.equal(checkout.baseBranch, 'main');
  assert.equal(checkout.existedOnRemote, false);
  assert.deepEqual(await checkout.listFiles(), ['.gitignore', 'README.md', 'src/users.ts']);

  const results = await checkout.applyEdits([
    { path: 'src/pagination.ts', action: 'write', content: 'export const pageSize = 50;\n' },
    { path: 'src/users.ts', action: 'replace', search: 'return [];', replace: 'return [{ id: 1 }];' },
    { path: 'README.md', action: 'delete' },
  ]);
  assert.deepEqual(results.map((result) => result.status), ['applied', 'applied', 'applied']);
  assert.equal(await checkout.readFile('src/pagination.ts'), 'export const pageSize = 50;\n');
  assert.equal(await checkout.readFile('README.md'), undefined);

  const sha = await checkout.commit('Add pagination', author);
  assert.match(sha ?? '', /^[0-9a-f]{40}$/);
  assert.equal(await checkout.headSha(), sha);
  assert.equal(await checkout.commit('Nothing new', author), undefined, 'nothing staged → no commit');
  await checkout.push();

  assert.deepEqual((await remotes.branches(repo.owner, repo.name)).sort(), ['main', 'tandem/task-one']);
  const fresh = await remotes.clone(repo.owner, repo.name, 'tandem/task-one');
  assert.equal(await readFile(join(fresh, 'src/pagination.ts'), 'utf8'), 'export const pageSize = 50;\n');
  assert.match(await readFile(join(fresh, 'src/users.ts'), 'utf8'), /return \[\{ id: 1 \}\];/);
  await assert.rejects(stat(join(fresh, 'README.md')), { code: 'ENOENT' });
  assert.equal(await git(fresh, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%s'), 'Mina Park <mina@example.com>|tandem <tandem@localhost>|Add pagination');
  assert.equal(await git(checkout.dir, 'remote', 'get-url', 'origin'), `file://${join(remotes.root, 'acme', 'api.git')}`);
});

test('opening the same branch again continues from what was pushed', async (t) => {
  const { workspace } = await createWorkspaceFixture(t);
  const first = await workspace.open({ taskId: 'task-two', repo, branch: 'tandem/task-two' });
  await first.applyEdits([{ path: 'notes.md', action: 'write', content: 'first iteration\n' }]);
  const firstSha = await first.commit('First iteration', author);
  await first.push();
  await first.dispose();
  await first.dispose(); // idempotent


  const second = await workspace.open({ taskId: 'task-two', repo, branch: 'tandem/task-two' });
  assert.equal(second.existedOnRemote, true);
  assert.equal(await second.headSha(), firstSha);
  assert.equal(await second.readFile('notes.md'), 'first iteration\n');
  assert.deepEqual(await second.listFiles(), ['.gitignore', 'README.md', 'notes.md', 'src/users.ts'], 'the files of the branch as pushed');
  await second.applyEdits([{ path: 'notes.md', action: 'write', content: 'second iteration\n' }]);
  const secondSha = await second.commit('Second iteration', author);
  await second.push();
  assert.equal(await git(second.dir, 'rev-parse', 'HEAD~1'), firstSha);
  assert.equal(second.dir, first.dir, 'the working copy the first iteration left is taken again');
  assert.equal(await git(second.dir, 'ls-remote', 'origin', 'refs/heads/tandem/task-two'), `${secondSha}\trefs/heads/tandem/task-two`);
});

test('diff and diffStat describe the branch’s commits against the base, not uncommitted work', async (t) => {
  const { workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-diff', repo, branch: 'tandem/task-diff' });
  assert.equal(await checkout.diff(), '');
  assert.deepEqual(await checkout.diffStat(), { files: 0, insertions: 0, deletions: 0, text: '' });

  await checkout.applyEdits([{ path: 'src/users.ts', action: 'replace', search: 'return [];', replace: 'return [1, 2];' }]);
  assert.equal(await checkout.diff(), '', 'an edit not yet committed is not part of it');
  await checkout.commit('Committed part', author);
  await checkout.applyEdits([
    { path: 'src/new-file.ts', action: 'write', content: 'export const a = 1;\nexport const b = 2;\n' },
    { path: 'dist/bundle.js', action: 'write', content: 'ignored build output\n' },
  ]);
  const committedOnly = await checkout.diff();
  assert.match(committedOnly, /^\+  return \[1, 2\];$/m);
  assert.doesNotMatch(committedOnly, /new-file/, 'the new file is not committed yet');
  assert.equal((await checkout.diffStat()).files, 1);

  await checkout.commit('New file', author);
  const diff = await checkout.diff();
  assert.equal(diff, await git(checkout.dir, 'diff', '--no-color', 'origin/main', 'HEAD', '--').then((text) => `${text}\n`), 'the patch is git’s own');
  assert.match(diff, /^-  return \[\];$/m);
  assert.match(diff, /^\+\+\+ b\/src\/new-file\.ts$/m, 'a new file is part of it once committed');
  assert.doesNotMatch(diff, /dist\/bundle\.js/, 'ignored files never are');

  const stat = await checkout.diffStat();
  assert.equal(stat.files, 2);
  assert.equal(stat.insertions, 3);
  assert.equal(stat.deletions, 1);
  assert.match(stat.text, /src\/new-file\.ts \| 2 \+\+/);
  assert.match(stat.text, /2 files changed, 3 insertions\(\+\), 1 deletion\(-\)/);

  await checkout.applyEdits([{ path: 'assets/logo.bin', action: 'write', content: 'PNG\0\u0001binary' }]);
  await checkout.commit('Binary file', author);
  const withBinary = await checkout.diffStat();
  assert.deepEqual([withBinary.files, withBinary.insertions, withBinary.deletions], [3, 3, 1], 'a binary file is a changed file without lines');
  assert.match(withBinary.text, /assets\/logo\.bin \| Bin/);
  assert.match(await checkout.diff(), /^Binary files \/dev\/null and b\/assets\/logo\.bin differ$/m);
});

test('listFiles includes untracked files and leaves out deleted and ignored ones; readFile stays inside', async (t) => {
  const { workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-list', repo, branch: 'tandem/task-list' });
  // What a test run or an install leaves beside the edits; the next edit makes the list be read again.
  await mkdir(join(checkout.dir, 'dist'));
  await writeFile(join(checkout.dir, 'dist/out.js'), 'ignored\n');
  await rm(join(checkout.dir, 'README.md'));
  await writeFile(join(checkout.dir, 'generated.txt'), 'written by a test\n');
  await checkout.applyEdits([{ path: 'untracked.txt', action: 'write', content: 'new\n' }]);
  assert.deepEqual(await checkout.listFiles(), ['.gitignore', 'generated.txt', 'src/users.ts', 'untracked.txt']);
  assert.equal(await checkout.readFile('missing.txt'), undefined);
  assert.equal(await checkout.readFile('../../../etc/passwd'), undefined);
  assert.equal(await checkout.readFile('.git/config'), undefined);
  assert.equal(await checkout.readFile('src'), undefined, 'a directory is not a file');
});

test('an explicit base branch is used and a missing one is reported', async (t) => {
  const { remotes, workspace } = await createWorkspaceFixture(t);
  await pushFromElsewhere(remotes, 'main', { 'release.txt': 'v2\n' });
  const clone = await remotes.clone(repo.owner, repo.name);
  await git(clone, 'push', 'origin', 'HEAD~1:refs/heads/release-1');
  const checkout = await workspace.open({ taskId: 'task-base', repo, branch: 'tandem/task-base', baseBranch: 'release-1' });
  assert.equal(checkout.baseBranch, 'release-1');
  assert.equal(await checkout.readFile('release.txt'), undefined, 'cut from release-1, not main');

  await assert.rejects(
    workspace.open({ taskId: 'task-nobase', repo, branch: 'tandem/task-nobase', baseBranch: 'does-not-exist' }),
    (error) => isTandemError(error) && error.code === 'base_branch_missing' && /does-not-exist/.test(error.message),
  );
  await assert.rejects(
    workspace.open({ taskId: 'task-bad', repo, branch: '--upload-pack=touch /tmp/pwned' }),
    (error) => isTandemError(error) && error.code === 'invalid_branch',
  );
  await assert.rejects(
    workspace.open({ taskId: 'task-main', repo, branch: 'main' }),
    (error) => isTandemError(error) && error.code === 'invalid_branch',
  );
  await assert.rejects(
    workspace.open({ taskId: 'task-head', repo, branch: 'HEAD' }),
    (error) => isTandemError(error) && error.code === 'invalid_branch' && /HEAD/.test(error.message),
  );
});

test('without a base branch the remote’s default branch is used, whatever its name', async (t) => {
  const { remotes, workspace } = await createWorkspaceFixture(t);
  const clone = await remotes.clone(repo.owner, repo.name);
  await writeFile(join(clone, 'trunk.txt'), 'only on trunk\n');
  await git(clone, 'add', '--all');
  await git(clone, 'commit', '-m', 'trunk work');
  await git(clone, 'push', 'origin', 'HEAD:refs/heads/trunk');
  await git(join(remotes.root, repo.owner, `${repo.name}.git`), 'symbolic-ref', 'HEAD', 'refs/heads/trunk');

  const checkout = await workspace.open({ taskId: 'task-trunk', repo, branch: 'tandem/task-trunk' });
  assert.equal(checkout.baseBranch, 'trunk');
  assert.equal(await checkout.headSha(), await git(clone, 'rev-parse', 'HEAD'));
  assert.equal(await checkout.readFile('trunk.txt'), 'only on trunk\n');
  await checkout.applyEdits([{ path: 'a.txt', action: 'write', content: 'a\n' }]);
  await checkout.commit('Add a', author);
  assert.deepEqual(await checkout.diffStat(), { files: 1, insertions: 1, deletions: 0, text: ' a.txt | 1 +\n 1 file changed, 1 insertion(+)' }, 'compared with trunk, not main');
});

test('a head the remote already got from this checkout is not pushed again', async (t) => {
  const { remotes, workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-once', repo, branch: 'tandem/task-once' });
  await checkout.applyEdits([{ path: 'a.txt', action: 'write', content: 'a\n' }]);
  await checkout.commit('Add a', author);
  await checkout.push();
  // The remote goes away: a push that talked to it would fail now.
  const remoteDir = join(remotes.root, repo.owner, `${repo.name}.git`);
  await rename(remoteDir, `${remoteDir}.away`);
  await checkout.push();
  await checkout.applyEdits([{ path: 'b.txt', action: 'write', content: 'b\n' }]);
  await checkout.commit('Add b', author);
  await assert.rejects(checkout.push(), (error) => isTandemError(error) && error.code === 'git_push_failed');
});

test('when the branch moved on the remote, the task commits are rebased onto it and pushed', async (t) => {
  const { remotes, workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-race', repo, branch: 'tandem/task-race' });
  await checkout.applyEdits([{ path: 'a.txt', action: 'write', content: 'ours 1\n' }]);
  await checkout.commit('Ours 1', author);
  await checkout.push();
  const theirs = await pushFromElsewhere(remotes, 'tandem/task-race', { 'b.txt': 'theirs\n' });
  await checkout.applyEdits([{ path: 'a.txt', action: 'write', content: 'ours 2\n' }]);
  await checkout.commit('Ours 2', author);
  await checkout.push();
  const [remoteSha] = (await git(checkout.dir, 'ls-remote', 'origin', 'refs/heads/tandem/task-race')).split('\t');
  assert.equal(remoteSha, await checkout.headSha(), 'the rebased head is pushed');
  assert.equal(await git(checkout.dir, 'rev-parse', 'HEAD~1'), theirs, 'on top of their commit');
  assert.equal(await git(checkout.dir, 'show', 'HEAD:b.txt'), 'theirs');
  assert.equal(await git(checkout.dir, 'show', 'HEAD:a.txt'), 'ours 2');
});

test('a push is rejected, not forced, when the moved branch conflicts with the task commits', async (t) => {
  const { remotes, workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-race', repo, branch: 'tandem/task-race' });
  await checkout.applyEdits([{ path: 'a.txt', action: 'write', content: 'ours 1\n' }]);
  await checkout.commit('Ours 1', author);
  await checkout.push();
  const theirs = await pushFromElsewhere(remotes, 'tandem/task-race', { 'a.txt': 'theirs\n' });
  await checkout.applyEdits([{ path: 'a.txt', action: 'write', content: 'ours 2\n' }]);
  await checkout.commit('Ours 2', author);
  const head = await checkout.headSha();
  await assert.rejects(checkout.push(), (error) => {
    assert.ok(isTandemError(error));
    assert.equal(error.code, 'git_push_rejected');
    assert.equal(error.retryable, false);
    assert.match(error.message, /tandem\/task-race/);
    assert.match(error.message, /someone else pushed to it, and rebasing the task's commits onto theirs failed \(conflict in a\.txt\)/);
    return true;
  });
  const [remoteSha] = (await git(checkout.dir, 'ls-remote', 'origin', 'refs/heads/tandem/task-race')).split('\t');
  assert.equal(remoteSha, theirs, 'their commit is still the tip');
  assert.equal(await checkout.headSha(), head, 'the checkout is left as it was');
  assert.equal(await git(checkout.dir, 'status', '--porcelain'), '', 'no rebase left half done');
});

test('invalid task ids and repositories are refused before touching the disk', async (t) => {
  const { workspace } = await createWorkspaceFixture(t);
  await assert.rejects(
    workspace.open({ taskId: '../escape', repo, branch: 'tandem/x' }),
    (error) => isTandemError(error) && error.code === 'invalid_task_id',
  );
  await assert.rejects(
    workspace.open({ taskId: 'task-repo', repo: { owner: '..', name: 'api' }, branch: 'tandem/x' }),
    (error) => isTandemError(error) && error.code === 'invalid_repo',
  );
  await assert.rejects(
    workspace.open({ taskId: 'task-missing', repo: { owner: 'acme', name: 'nope' }, branch: 'tandem/x' }),
    (error) => isTandemError(error) && error.code === 'git_clone_failed' && /acme\/nope/.test(error.message) && !error.retryable,
  );
});

test('the file list is read once and again after every edit or commit, so what a test run wrote shows from the next commit', async (t) => {
  const { workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-list', repo, branch: 'tandem/task-list' });
  const seeded = ['.gitignore', 'README.md', 'src/users.ts'];
  assert.deepEqual(await checkout.listFiles(), seeded);
  const listed = await checkout.listFiles();
  listed.push('changed by the caller');
  assert.deepEqual(await checkout.listFiles(), seeded, 'callers get copies');

  await checkout.applyEdits([{ path: 'src/new.ts', action: 'write', content: 'export {};\n' }]);
  assert.deepEqual(await checkout.listFiles(), ['.gitignore', 'README.md', 'src/new.ts', 'src/users.ts']);
  // A test run writes a snapshot beside the code; the step then commits, as every Coder attempt does.
  await writeFile(join(checkout.dir, 'src', 'users.snap'), 'snapshot\n');
  const sha = await checkout.commit('Coder attempt', author);
  assert.equal(sha, await git(checkout.dir, 'rev-parse', 'HEAD'), 'the sha read from git’s summary line is HEAD');
  assert.deepEqual(await checkout.listFiles(), ['.gitignore', 'README.md', 'src/new.ts', 'src/users.snap', 'src/users.ts']);
});
