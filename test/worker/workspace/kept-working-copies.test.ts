import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRemoteRoot, git } from '../../kit/git-repos.ts';
import { rejectsWith } from '../../kit/assertions.ts';
import { createLogger } from '../../../src/logger.ts';
import { GitWorkspace } from '../../../src/worker/workspace/git-workspace.ts';
import { createWorkspaceFixture, packCount, pushFromElsewhere, recordingGit, repo, seedFiles } from './workspace-fixture.ts';

/** A logger whose lines the test reads back. */
function recordedLogger() {
  const lines: Array<{ msg: string }> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
  return { logger, messages: () => lines.map((line) => line.msg) };
}

test('a repository is cloned once, then fetched into the kept working copy: new commits show, deleted branches are pruned', async (t) => {
  const { logger, messages } = recordedLogger();
  const { remotes, root, workspace } = await createWorkspaceFixture(t, { logger });
  const stale = await remotes.clone(repo.owner, repo.name);
  await git(stale, 'push', 'origin', 'HEAD:refs/heads/stale');

  const first = await workspace.open({ taskId: 'task-m1', repo, branch: 'tandem/task-m1' });
  assert.equal(first.dir, join(root, 'checkouts', 'acme', 'api', '0'));
  assert.match(await git(first.dir, 'for-each-ref', '--format=%(refname)'), /refs\/remotes\/origin\/stale/);
  const inodeBefore = (await stat(join(first.dir, '.git'))).ino;
  await first.dispose();

  const newSha = await pushFromElsewhere(remotes, 'main', { 'CHANGELOG.md': 'pagination\n' });
  await git(stale, 'push', 'origin', ':refs/heads/stale');

  const second = await workspace.open({ taskId: 'task-m2', repo, branch: 'tandem/task-m2' });
  assert.equal(second.dir, first.dir, 'the next task takes the same working copy');
  assert.equal((await stat(join(second.dir, '.git'))).ino, inodeBefore, 'the working copy was not cloned again');
  assert.doesNotMatch(await git(second.dir, 'for-each-ref', '--format=%(refname)'), /refs\/remotes\/origin\/stale/, 'pruned');
  assert.equal(await second.headSha(), newSha, 'the task branch starts from the new main');
  assert.equal(await git(second.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'tandem/task-m2');
  assert.equal(await second.readFile('CHANGELOG.md'), 'pagination\n');
  assert.deepEqual(messages().filter((message) => message === 'repository cloned'), ['repository cloned'], 'cloned once, not once per task');
});

test('a kept working copy finds the branches the remote has now, whatever the worker’s git config says of FETCH_HEAD', async (t) => {
  const { logger, messages } = recordedLogger();
  const home = await mkdtemp(join(tmpdir(), 'tandem-home-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  await writeFile(join(home, '.gitconfig'), '[fetch]\n\twriteFetchHEAD = false\n');
  const { remotes, workspace } = await createWorkspaceFixture(t, { logger, baseEnv: { ...process.env, HOME: home, XDG_CONFIG_HOME: home } });
  const first = await workspace.open({ taskId: 'task-f1', repo, branch: 'tandem/task-f1' });
  await first.dispose();

  // Someone pushes the next task's branch, a release branch and new work on main.
  const taskSha = await pushFromElsewhere(remotes, 'main', { 'task.txt': 'for task-f2\n' });
  const elsewhere = await remotes.clone(repo.owner, repo.name);
  await git(elsewhere, 'push', 'origin', 'HEAD:refs/heads/tandem/task-f2', 'HEAD~1:refs/heads/release-2');
  const mainSha = await pushFromElsewhere(remotes, 'main', { 'CHANGELOG.md': 'later\n' });

  const resumed = await workspace.open({ taskId: 'task-f2', repo, branch: 'tandem/task-f2' });
  assert.equal(resumed.existedOnRemote, true);
  assert.equal(await resumed.headSha(), taskSha);
  assert.equal(await resumed.readFile('task.txt'), 'for task-f2\n');
  await resumed.dispose();

  const onRelease = await workspace.open({ taskId: 'task-f3', repo, branch: 'tandem/task-f3', baseBranch: 'release-2' });
  assert.equal(onRelease.existedOnRemote, false);
  assert.equal(await onRelease.headSha(), await git(elsewhere, 'rev-parse', 'HEAD~1'));
  await onRelease.dispose();

  const onMain = await workspace.open({ taskId: 'task-f4', repo, branch: 'tandem/task-f4' });
  assert.equal(onMain.baseBranch, 'main');
  assert.equal(await onMain.headSha(), mainSha);
  await onMain.dispose();

  await rejectsWith(workspace.open({ taskId: 'task-f5', repo, branch: 'tandem/task-f5', baseBranch: 'release-9' }), 'base_branch_missing');
  assert.deepEqual(messages().filter((message) => message === 'repository cloned'), ['repository cloned'], 'every task after the first used the kept copy');
});

test('git’s upkeep of a kept working copy runs when asked, not inside its fetches and commits', async (t) => {
  const { remotes, workspace } = await createWorkspaceFixture(t);
  const first = await workspace.open({ taskId: 'task-g1', repo, branch: 'tandem/task-g1' });
  // Every fetch keeps the pack it receives, and more than one pack makes git's automatic gc
  // repack, before the command that started it returns.
  await git(first.dir, 'config', 'fetch.unpackLimit', '1');
  await git(first.dir, 'config', 'gc.autoPackLimit', '1');
  await git(first.dir, 'config', 'gc.autoDetach', 'false');
  await first.dispose();

  await pushFromElsewhere(remotes, 'main', { 'CHANGELOG.md': 'one\n' });
  const second = await workspace.open({ taskId: 'task-g2', repo, branch: 'tandem/task-g2' });
  await second.applyEdits([{ path: 'notes.txt', action: 'write', content: 'notes\n' }]);
  assert.ok(await second.commit('Add notes', { name: 'tandem', email: 'tandem@localhost' }));
  assert.equal(await packCount(second.dir), 2, 'the fetch kept its pack, and neither it nor the commit repacked');
  await Promise.all([second.maintain(), second.maintain()]);
  assert.equal(await packCount(second.dir), 1, 'the upkeep repacked');
  await second.dispose();
});

test('a kept working copy reads origin/HEAD from its ref file, and asks git when the file says something else', async (t) => {
  const { createGit, commands } = recordingGit();
  const { remotes, workspace } = await createWorkspaceFixture(t, { createGit });
  const elsewhere = await remotes.clone(repo.owner, repo.name);
  await git(elsewhere, 'commit', '--allow-empty', '-m', 'trunk work');
  await git(elsewhere, 'push', 'origin', 'HEAD:refs/heads/trunk');
  const trunkSha = await git(elsewhere, 'rev-parse', 'HEAD');
  const first = await workspace.open({ taskId: 'task-h1', repo, branch: 'tandem/task-h1' });
  // As `git remote set-head` would leave it after the remote's default branch changed.
  await git(first.dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk');
  await first.dispose();

  commands.length = 0;
  const second = await workspace.open({ taskId: 'task-h2', repo, branch: 'tandem/task-h2' });
  assert.equal(second.baseBranch, 'trunk');
  assert.equal(await second.headSha(), trunkSha);
  assert.ok(!commands.some((args) => args.includes('symbolic-ref')), `no git child asked for origin/HEAD: ${JSON.stringify(commands)}`);
  // An origin/HEAD that names a commit rather than a branch: git's answer ("not symbolic") stands.
  await git(second.dir, 'update-ref', '--no-deref', 'refs/remotes/origin/HEAD', trunkSha);
  await second.dispose();

  commands.length = 0;
  await rejectsWith(workspace.open({ taskId: 'task-h3', repo, branch: 'tandem/task-h3' }), 'base_branch_missing');
  assert.ok(commands.some((args) => args.includes('symbolic-ref')), 'git was asked');
});

test('a task that starts from the commit the last one started from lists its files without asking git again', async (t) => {
  const { createGit, commands } = recordingGit();
  const { remotes, workspace } = await createWorkspaceFixture(t, { createGit });
  const listings = () => commands.filter((args) => args.includes('ls-tree')).length;
  const first = await workspace.open({ taskId: 'task-t1', repo, branch: 'tandem/task-t1' });
  await first.applyEdits([{ path: 'scratch.txt', action: 'write', content: 'left behind\n' }]);
  await first.dispose();
  assert.equal(listings(), 1);

  const second = await workspace.open({ taskId: 'task-t2', repo, branch: 'tandem/task-t2' });
  assert.equal(listings(), 1, 'main has not moved: the file list is the one already read');
  assert.deepEqual(await second.listFiles(), ['.gitignore', 'README.md', 'src/users.ts']);
  await second.dispose();

  await pushFromElsewhere(remotes, 'main', { 'CHANGELOG.md': 'later\n' });
  const third = await workspace.open({ taskId: 'task-t3', repo, branch: 'tandem/task-t3' });
  assert.equal(listings(), 2, 'main moved: its new commit is listed');
  assert.deepEqual(await third.listFiles(), ['.gitignore', 'CHANGELOG.md', 'README.md', 'src/users.ts']);
  await third.dispose();
});

test('nothing an earlier task left in the working copy reaches the next task', async (t) => {
  const { workspace } = await createWorkspaceFixture(t);
  const first = await workspace.open({ taskId: 'task-l1', repo, branch: 'tandem/task-l1' });
  // What a task leaves behind: an uncommitted edit, a staged file, an untracked file, ignored
  // build output, installed dependencies, a nested repository, a deleted tracked file.
  await first.applyEdits([
    { path: 'src/users.ts', action: 'replace', search: 'return [];', replace: 'return ["leaked"];' },
    { path: 'staged.ts', action: 'write', content: 'staged\n' },
    { path: 'scratch.txt', action: 'write', content: 'untracked\n' },
    { path: 'README.md', action: 'delete' },
  ]);
  await git(first.dir, 'add', 'staged.ts');
  await mkdir(join(first.dir, 'dist'), { recursive: true });
  await writeFile(join(first.dir, 'dist', 'bundle.js'), 'ignored build output\n');
  await mkdir(join(first.dir, 'node_modules', 'left-pad'), { recursive: true });
  await writeFile(join(first.dir, 'node_modules', 'left-pad', 'index.js'), 'module.exports = "poisoned";\n');
  await mkdir(join(first.dir, 'vendor', 'nested'), { recursive: true });
  await git(join(first.dir, 'vendor', 'nested'), 'init', '--quiet');
  // A git child killed mid-command leaves its lock behind.
  await writeFile(join(first.dir, '.git', 'index.lock'), '');
  await first.dispose();

  const second = await workspace.open({ taskId: 'task-l2', repo, branch: 'tandem/task-l2' });
  assert.equal(second.dir, first.dir);
  assert.deepEqual(await second.listFiles(), ['.gitignore', 'README.md', 'src/users.ts']);
  const workingTree = await git(second.dir, 'ls-files', '--cached', '--others', '--exclude-standard');
  assert.deepEqual(await second.listFiles(), workingTree.split('\n').sort(), 'the list read from the commit is what the working tree holds');
  assert.equal(await second.readFile('src/users.ts'), seedFiles['src/users.ts']);
  assert.equal(await git(second.dir, 'status', '--porcelain', '--ignored'), '', 'no ignored or untracked file is left');
  await assert.rejects(stat(join(second.dir, 'node_modules')), { code: 'ENOENT' });
  await assert.rejects(stat(join(second.dir, 'vendor')), { code: 'ENOENT' });
  assert.equal(await second.commit('Nothing changed', { name: 'tandem', email: 'tandem@localhost' }), undefined);
});

test('a kept working copy that cannot be reset is cloned again', async (t) => {
  const { logger, messages } = recordedLogger();
  const { workspace } = await createWorkspaceFixture(t, { logger });
  const first = await workspace.open({ taskId: 'task-b1', repo, branch: 'tandem/task-b1' });
  await first.dispose();
  // The index is garbage: every command that reads it fails.
  await writeFile(join(first.dir, '.git', 'index'), 'not an index');

  const second = await workspace.open({ taskId: 'task-b2', repo, branch: 'tandem/task-b2' });
  assert.deepEqual(await second.listFiles(), ['.gitignore', 'README.md', 'src/users.ts']);
  assert.equal(await git(second.dir, 'fsck', '--no-progress'), '');
  assert.equal(messages().filter((message) => message === 'repository cloned').length, 2);
  assert.ok(messages().includes('the kept working copy could not be reset; cloning it again'));
});

test('a kept working copy fetches from the remote the template names now, not the one it was cloned from', async (t) => {
  const { root, workspace } = await createWorkspaceFixture(t);
  const first = await workspace.open({ taskId: 'task-u1', repo, branch: 'tandem/task-u1' });
  await first.dispose();

  // The same repository moved: GIT_REMOTE_URL now names another host with one more commit.
  const moved = await createRemoteRoot();
  t.after(() => moved.remove());
  await moved.createRepo(repo.owner, repo.name, seedFiles);
  const movedSha = await pushFromElsewhere(moved, 'main', { 'MOVED.md': 'new home\n' });
  const movedWorkspace = new GitWorkspace({ root, remoteUrlTemplate: moved.urlTemplate });
  const second = await movedWorkspace.open({ taskId: 'task-u2', repo, branch: 'tandem/task-u2' });
  assert.equal(second.dir, first.dir);
  assert.equal(await second.headSha(), movedSha);
  assert.equal(await second.readFile('MOVED.md'), 'new home\n');
  await second.push();
  assert.deepEqual((await moved.branches(repo.owner, repo.name)).sort(), ['main', 'tandem/task-u2'], 'the push went to the new remote too');
});

test('tasks running at once each get a working copy of their own, across workspaces sharing a root; a freed one is taken next', async (t) => {
  const { logger, messages } = recordedLogger();
  const { root, remotes, workspace } = await createWorkspaceFixture(t, { logger });
  // A second worker process on the same WORKSPACE_DIR, as another Mac Mini sharing a disk would be.
  const otherWorker = new GitWorkspace({ root, remoteUrlTemplate: remotes.urlTemplate, logger });
  const taskIds = ['task-c1', 'task-c2', 'task-c3', 'task-c4'];
  const checkouts = await Promise.all(
    taskIds.map((taskId, index) => (index % 2 === 0 ? workspace : otherWorker).open({ taskId, repo, branch: `tandem/${taskId}` })),
  );
  assert.deepEqual(checkouts.map((checkout) => checkout.dir).sort(), ['0', '1', '2', '3'].map((slot) => join(root, 'checkouts', 'acme', 'api', slot)));
  for (const [index, checkout] of checkouts.entries()) {
    assert.deepEqual(await checkout.listFiles(), ['.gitignore', 'README.md', 'src/users.ts']);
    assert.equal(await git(checkout.dir, 'rev-parse', '--abbrev-ref', 'HEAD'), `tandem/${taskIds[index]}`);
  }
  await checkouts[2]!.dispose();
  const next = await otherWorker.open({ taskId: 'task-c5', repo, branch: 'tandem/task-c5' });
  assert.equal(next.dir, checkouts[2]!.dir, 'the freed working copy is reused');
  assert.equal(messages().filter((message) => message === 'repository cloned').length, 4, 'one clone per working copy, none for the reuse');
});

test('a working copy whose holder died (a stale lock) is taken over', async (t) => {
  const { root, workspace } = await createWorkspaceFixture(t);
  const first = await workspace.open({ taskId: 'task-s1', repo, branch: 'tandem/task-s1' });
  await first.dispose();
  // A worker that died holding slot 0 left its lock, last refreshed long ago.
  const lock = join(root, 'checkouts', 'acme', 'api', '0.lock');
  await mkdir(lock);
  const longAgo = new Date(Date.now() - 10 * 60_000);
  await utimes(lock, longAgo, longAgo);

  const second = await workspace.open({ taskId: 'task-s2', repo, branch: 'tandem/task-s2' });
  assert.equal(second.dir, first.dir);
  assert.equal(second.existedOnRemote, false);
});

test('a remote that is gone fails the fetch with what to check, and the kept working copy stays', async (t) => {
  const { logger, messages } = recordedLogger();
  const { remotes, workspace } = await createWorkspaceFixture(t, { logger });
  const first = await workspace.open({ taskId: 'task-g1', repo, branch: 'tandem/task-g1' });
  await first.dispose();
  await rm(join(remotes.root, 'acme', 'api.git'), { recursive: true, force: true });

  const error = await rejectsWith(workspace.open({ taskId: 'task-g2', repo, branch: 'tandem/task-g2' }), 'git_fetch_failed');
  assert.match(error.message, /^fetching acme\/api failed: .*Check that acme\/api exists there/);
  assert.equal(error.retryable, false);
  assert.equal(await git(first.dir, 'rev-parse', '--is-inside-work-tree'), 'true', 'the copy was not thrown away');
  assert.deepEqual(messages().filter((message) => message === 'repository cloned'), ['repository cloned']);
});

test('a kept working copy no task used for longer than the limit is deleted; one in use or used lately stays', async (t) => {
  const day = 86_400_000;
  const today = Date.now();
  let clock = today;
  const { logger, messages } = recordedLogger();
  const { remotes, root, workspace } = await createWorkspaceFixture(t, { logger, now: () => clock });
  const web = { owner: 'acme', name: 'web' };
  await remotes.createRepo(web.owner, web.name, seedFiles);

  const oldTask = await workspace.open({ taskId: 'task-k1', repo, branch: 'tandem/task-k1' });
  const longTask = await workspace.open({ taskId: 'task-k2', repo, branch: 'tandem/task-k2' });
  clock = today - 40 * day;
  await oldTask.dispose();
  // The long task's copy was last handed back long ago too; it is held now.
  await utimes(longTask.dir, new Date(clock), new Date(clock));
  const webTask = await workspace.open({ taskId: 'task-k3', repo: web, branch: 'tandem/task-k3' });
  clock = today - 10 * day;
  await webTask.dispose();

  clock = today;
  assert.equal(await workspace.removeIdleCopies(30 * day), 1);
  await assert.rejects(stat(oldTask.dir), { code: 'ENOENT' }, 'unused for 40 days: deleted');
  await assert.rejects(stat(`${oldTask.dir}.lock`), { code: 'ENOENT' }, 'its lock is gone with it');
  assert.equal(await longTask.readFile('README.md'), seedFiles['README.md'], 'held by a task: left alone');
  assert.ok((await stat(join(webTask.dir, '.git'))).isDirectory(), 'used 10 days ago: kept');
  assert.ok(messages().includes('kept working copy deleted: no task used it for a while'));

  await longTask.dispose();
  assert.equal(await workspace.removeIdleCopies(30 * day), 0, 'handed back just now: in use lately');

  const next = await workspace.open({ taskId: 'task-k4', repo, branch: 'tandem/task-k4' });
  t.after(() => next.dispose());
  assert.equal(next.dir, join(root, 'checkouts', 'acme', 'api', '0'));
  assert.equal(await next.readFile('README.md'), seedFiles['README.md']);
  assert.equal(messages().filter((message) => message === 'repository cloned').length, 4, 'three first clones, and the deleted copy cloned again');
});
