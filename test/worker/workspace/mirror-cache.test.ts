import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRemoteRoot, git } from '../../kit/git-repos.ts';
import { createLogger } from '../../../src/logger.ts';
import { KeyedLock } from '../../../src/worker/workspace/keyed-lock.ts';
import { GitWorkspace } from '../../../src/worker/workspace/git-workspace.ts';
import { createWorkspaceFixture, pushFromElsewhere, repo, seedFiles } from './workspace-fixture.ts';

test('the mirror is cloned once, then fetched: new commits show, deleted branches are pruned', async (t) => {
  const { remotes, root, workspace } = await createWorkspaceFixture(t);
  const mirror = join(root, 'mirrors', 'acme', 'api.git');
  const stale = await remotes.clone(repo.owner, repo.name);
  await git(stale, 'push', 'origin', 'HEAD:refs/heads/stale');

  const first = await workspace.open({ taskId: 'task-m1', repo, branch: 'tandem/task-m1' });
  assert.equal(await git(mirror, 'rev-parse', '--is-bare-repository'), 'true');
  assert.match(await git(mirror, 'for-each-ref', '--format=%(refname)'), /refs\/heads\/stale/);
  const inodeBefore = (await stat(mirror)).ino;
  await writeFile(join(mirror, 'tandem-marker'), 'kept\n');
  await first.dispose();

  const newSha = await pushFromElsewhere(remotes, 'main', { 'CHANGELOG.md': 'pagination\n' });
  await git(stale, 'push', 'origin', ':refs/heads/stale');

  const second = await workspace.open({ taskId: 'task-m2', repo, branch: 'tandem/task-m2' });
  assert.equal((await stat(mirror)).ino, inodeBefore, 'the mirror directory was not recreated');
  assert.equal(await readFile(join(mirror, 'tandem-marker'), 'utf8'), 'kept\n');
  assert.equal(await git(mirror, 'rev-parse', 'refs/heads/main'), newSha, 'the mirror fetched the new commit');
  assert.doesNotMatch(await git(mirror, 'for-each-ref', '--format=%(refname)'), /refs\/heads\/stale/, 'pruned');
  assert.equal(await second.headSha(), newSha, 'the task branch starts from the new main');
  assert.equal(await second.readFile('CHANGELOG.md'), 'pagination\n');
});

test('a mirror fetches from the remote the template names now, not the one it was cloned from', async (t) => {
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
  assert.equal(await second.headSha(), movedSha);
  assert.equal(await second.readFile('MOVED.md'), 'new home\n');
  await second.push();
  assert.deepEqual((await moved.branches(repo.owner, repo.name)).sort(), ['main', 'tandem/task-u2'], 'the push went to the new remote too');
});

test('concurrent opens of one repository share the mirror without corrupting it', async (t) => {
  const lines: Array<{ msg: string }> = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
  const { root, workspace } = await createWorkspaceFixture(t, { logger });
  const taskIds = ['task-c1', 'task-c2', 'task-c3', 'task-c4'];
  const checkouts = await Promise.all(
    taskIds.map((taskId) => workspace.open({ taskId, repo, branch: `tandem/${taskId}` })),
  );
  for (const checkout of checkouts) {
    assert.deepEqual(await checkout.listFiles(), ['.gitignore', 'README.md', 'src/users.ts']);
  }
  const mirror = join(root, 'mirrors', 'acme', 'api.git');
  assert.equal(await git(mirror, 'fsck', '--no-progress'), '');
  const messages = lines.map((line) => line.msg);
  assert.equal(messages.filter((message) => message === 'repository mirror cloned').length, 1, 'cloned once, not once per task');
  assert.equal(messages.filter((message) => message === 'repository mirror fetched').length, 3);
});

test('a keyed lock runs actions for one key one at a time, in order, and other keys freely', async () => {
  const lock = new KeyedLock();
  const events: string[] = [];
  const action = (name: string, delayMs: number) => async () => {
    events.push(`${name} start`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    events.push(`${name} end`);
    return name;
  };
  const failing = lock.run('a', async () => {
    events.push('a0 start');
    throw new Error('boom');
  });
  const results = await Promise.all([
    failing.catch((error: Error) => error.message),
    lock.run('a', action('a1', 30)),
    lock.run('a', action('a2', 1)),
    lock.run('b', action('b1', 1)),
  ]);
  assert.deepEqual(results, ['boom', 'a1', 'a2', 'b1']);
  assert.ok(events.indexOf('a1 end') < events.indexOf('a2 start'), 'a2 waited for a1');
  assert.ok(events.indexOf('b1 end') < events.indexOf('a1 end'), 'b did not wait for a');
});
