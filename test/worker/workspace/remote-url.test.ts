import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTandemError } from '../../../src/errors.ts';
import { isHttpRemote, remoteUrlFor } from '../../../src/worker/workspace/remote-url.ts';
import { assertBranchName } from '../../../src/worker/workspace/branch-name.ts';

const repo = { owner: 'acme', name: 'api' };

test('the template is filled in with owner and repo', () => {
  assert.deepEqual(remoteUrlFor('https://github.com/{owner}/{repo}.git', repo), {
    url: 'https://github.com/acme/api.git',
    removedCredentials: false,
  });
  assert.equal(remoteUrlFor('file:///srv/git/{owner}/{repo}.git', repo).url, 'file:///srv/git/acme/api.git');
  assert.equal(remoteUrlFor('git@github.com:{owner}/{repo}.git', repo).url, 'git@github.com:acme/api.git');
  assert.equal(remoteUrlFor('ssh://git@example.com/{owner}/{repo}.git', repo).url, 'ssh://git@example.com/acme/api.git');
});

test('credentials in the template are removed, never passed on', () => {
  const withPassword = remoteUrlFor('https://user:pass@github.com/{owner}/{repo}.git', repo);
  assert.deepEqual(withPassword, { url: 'https://github.com/acme/api.git', removedCredentials: true });
  const withToken = remoteUrlFor('https://x-access-token:ghp_secret@github.com/{owner}/{repo}.git', repo);
  assert.equal(withToken.url, 'https://github.com/acme/api.git');
  assert.doesNotMatch(withToken.url, /ghp_secret|x-access-token|@/);
  assert.equal(remoteUrlFor('https://ghp_secret@github.com/{owner}/{repo}.git', repo).url, 'https://github.com/acme/api.git');
  const ssh = remoteUrlFor('ssh://git:hunter2@example.com/{owner}/{repo}.git', repo);
  assert.deepEqual(ssh, { url: 'ssh://git@example.com/acme/api.git', removedCredentials: true });
});

test('only http(s) remotes take the token; odd repositories and branch names are refused', () => {
  assert.equal(isHttpRemote('https://github.com/a/b.git'), true);
  assert.equal(isHttpRemote('HTTP://127.0.0.1/a/b.git'), true);
  assert.equal(isHttpRemote('file:///a/b.git'), false);
  assert.equal(isHttpRemote('git@github.com:a/b.git'), false);
  for (const bad of [{ owner: '..', name: 'api' }, { owner: 'acme', name: '.' }, { owner: 'ac/me', name: 'api' }]) {
    assert.throws(() => remoteUrlFor('https://github.com/{owner}/{repo}.git', bad), (error) => isTandemError(error) && error.code === 'invalid_repo');
  }
  for (const good of ['tandem/7f3a', 'feature/add-pagination', 'main']) assert.doesNotThrow(() => assertBranchName(good));
  for (const bad of ['', '-f', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'x.lock', '.hidden', 'a/', 'a//b', 'a@{1}', 'a\\b']) {
    assert.throws(() => assertBranchName(bad), (error) => isTandemError(error) && error.code === 'invalid_branch', bad);
  }
});
