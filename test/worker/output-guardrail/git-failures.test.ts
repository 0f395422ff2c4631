import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkOutgoingChanges } from '../../../src/worker/output-guardrail/output-guardrail.ts';
import { createGitRunner } from '../../../src/worker/workspace/git-runner.ts';
import { rejectsWith } from '../../kit/assertions.ts';
import { git } from '../../kit/git-repos.ts';
import { createGuardrailRepo } from './guardrail-repo.ts';

/** A git alias that runs until something stops it. */
const pause = ['-c', 'alias.pause=!exec sleep 30', 'pause'];

test('a corrupt object fails the check with git_command_failed (never a pass), not retryable, git’s words kept', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'src/app.js': 'export const answer = 43;\n' });
  const tree = await git(repo.dir, 'rev-parse', 'HEAD^{tree}');
  const object = join(repo.dir, '.git', 'objects', tree.slice(0, 2), tree.slice(2));
  await chmod(object, 0o644);
  await writeFile(object, 'not a zlib stream');

  const error = await rejectsWith(checkOutgoingChanges({ repoDir: repo.dir, baseRef: repo.base }), 'git_command_failed');
  assert.match(error.message, /^git log exited 128: .*unable to unpack/);
  assert.equal(error.retryable, false, 'the same working copy would fail the same way');
  assert.ok(error.cause instanceof Error);
  assert.match((error.cause as Error).message, new RegExp(`loose object ${tree} .* is corrupt`));
});

test('a base the working copy lacks is git_command_failed naming the command', async (t) => {
  const repo = await createGuardrailRepo(t);
  const error = await rejectsWith(checkOutgoingChanges({ repoDir: repo.dir, baseRef: 'refs/remotes/origin/gone' }), 'git_command_failed');
  assert.match(error.message, /^git log exited 128: .*refs\/remotes\/origin\/gone/);
  assert.equal(error.retryable, false);
});

test('a git child killed by its time limit, or blocked by another git’s lock, may pass on retry', async (t) => {
  const repo = await createGuardrailRepo(t);
  const started = Date.now();
  const timedOut = await rejectsWith(createGitRunner(repo.dir, { timeoutMs: 300 })(pause), 'git_command_failed');
  assert.ok(Date.now() - started < 10_000, 'the child was stopped at its limit');
  assert.match(timedOut.message, /^git pause was killed \(SIGTERM\), most likely by its time limit/);
  assert.equal(timedOut.retryable, true);

  await writeFile(join(repo.dir, '.git', 'refs', 'heads', 'main.lock'), '');
  const locked = await rejectsWith(createGitRunner(repo.dir)(['update-ref', 'refs/heads/main', repo.base]), 'git_command_failed');
  assert.match(locked.message, /^git update-ref exited 128: .*main\.lock/);
  assert.equal(locked.retryable, true);
});

test('a cancelled run, or a git that cannot start, is not retryable', async (t) => {
  const repo = await createGuardrailRepo(t);
  const cancel = new AbortController();
  setTimeout(() => cancel.abort(), 100);
  const cancelled = await rejectsWith(createGitRunner(repo.dir, { signal: cancel.signal })(pause), 'git_command_failed');
  assert.match(cancelled.message, /^git pause was stopped \(the task was cancelled\)/);
  assert.equal(cancelled.retryable, false);

  const missing = await rejectsWith(createGitRunner(repo.dir, { baseEnv: { PATH: join(repo.dir, 'no-bin') } })(['status']), 'git_command_failed');
  assert.match(missing.message, /git is not installed or not on PATH/);
  assert.equal(missing.retryable, false);
  assert.equal((missing.cause as NodeJS.ErrnoException).code, 'ENOENT');
});
