import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GitCommandError } from '../../../src/worker/workspace/git-errors.ts';
import { createGitRunner, gitLookup, gitText } from '../../../src/worker/workspace/git-runner.ts';
import { git } from '../../kit/git-repos.ts';

test('a quiet "no" is undefined to gitLookup, a fatal error still rejects', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-git-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await git(dir, 'init', '--quiet', '--initial-branch=main');
  await writeFile(join(dir, 'a.txt'), 'a\n');
  await git(dir, 'add', 'a.txt');
  await git(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'first');
  const runner = createGitRunner(dir);
  const head = await git(dir, 'rev-parse', 'HEAD');

  assert.equal(await gitLookup(runner, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']), head);
  assert.equal(await gitLookup(runner, ['rev-parse', '--verify', '--quiet', 'refs/remotes/origin/none^{commit}']), undefined);
  assert.equal(await gitLookup(runner, ['symbolic-ref', '-q', 'refs/heads/main']), undefined, 'a plain ref is no symbolic one');
  await assert.rejects(gitLookup(runner, ['merge-base', 'HEAD', 'refs/remotes/origin/gone']), (error) => {
    assert.ok(error instanceof GitCommandError);
    assert.equal(error.exitCode, 128);
    assert.match(error.output, /refs\/remotes\/origin\/gone/);
    return true;
  });
  // Failing quietly is still failing: `diff --quiet` exits 1 on a change and prints nothing.
  await writeFile(join(dir, 'a.txt'), 'b\n');
  await assert.rejects(runner(['diff', '--quiet']), (error) => error instanceof GitCommandError && error.exitCode === 1 && error.output === '');
  assert.match(await gitText(runner, ['diff', '--numstat']), /^1\t1\ta\.txt\n$/);
  await runner(['config', '--local', 'tandem.probe', 'set']);
  assert.equal((await gitText(runner, ['config', '--get', 'tandem.probe'])).trim(), 'set', 'a quiet command that succeeded resolved');
});
