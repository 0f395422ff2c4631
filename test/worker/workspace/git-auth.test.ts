import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { isTandemError } from '../../../src/errors.ts';
import { basicAuthorizationHeader, gitAuthEnvironment, redactToken } from '../../../src/worker/workspace/git-auth.ts';
import { gitChildEnvironment } from '../../../src/worker/workspace/git-client.ts';
import { GitCommandError } from '../../../src/worker/workspace/git-errors.ts';
import { createGitRunner, gitText } from '../../../src/worker/workspace/git-runner.ts';
import { GitWorkspace } from '../../../src/worker/workspace/git-workspace.ts';
import { createLogger } from '../../../src/logger.ts';
import { createWorkspaceFixture, filesContaining, repo } from './workspace-fixture.ts';

const token = 'ghp_' + 'x'.repeat(36);
const encoded = Buffer.from(`x-access-token:${token}`).toString('base64');

test('the auth environment carries the token as a Basic http.extraHeader, for http(s) remotes only', () => {
  assert.equal(basicAuthorizationHeader(token), `Basic ${encoded}`);
  assert.equal(Buffer.from(encoded, 'base64').toString(), `x-access-token:${token}`);
  assert.deepEqual(gitAuthEnvironment('https://github.com/acme/api.git', token), {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${encoded}`,
  });
  assert.deepEqual(gitAuthEnvironment('file:///srv/git/acme/api.git', token), {});
  assert.deepEqual(gitAuthEnvironment('https://github.com/acme/api.git', undefined), {});
  assert.equal(redactToken(`fatal: ${token} and ${encoded}`, token), 'fatal: [redacted] and [redacted]');
});

test('git children get no prompts, no inherited git variables, and the header reaches git through the runner, never its failures', async () => {
  const environment = gitChildEnvironment({
    PATH: process.env.PATH,
    GIT_DIR: '/elsewhere',
    GIT_SSH_COMMAND: 'evil',
    GIT_SSL_CAINFO: '/etc/ssl/certs/ca.pem',
    PAGER: 'less',
    HOME: '/home/x',
  });
  assert.deepEqual(environment, {
    PATH: process.env.PATH,
    GIT_SSL_CAINFO: '/etc/ssl/certs/ca.pem',
    HOME: '/home/x',
    LC_ALL: 'C',
    GIT_TERMINAL_PROMPT: '0',
  });
  const git = createGitRunner(process.cwd(), {
    baseEnv: { ...process.env, GIT_CONFIG_PARAMETERS: "'http.extraheader'='injected'", GIT_SSL_CAINFO: '/etc/ssl/certs/ca.pem' },
    auth: { remoteUrl: 'https://github.com/acme/api.git', token },
    timeoutMs: 10_000,
  });
  const headers = await gitText(git, ['config', '--get-all', 'http.extraheader']);
  assert.equal(headers.trim(), `Authorization: Basic ${encoded}`, 'ours, and no inherited one');
  const failure = await git(['log', '-1', token, '--']).then(
    () => assert.fail('a revision named like the token does not exist'),
    (error: unknown) => error,
  );
  assert.ok(failure instanceof GitCommandError);
  assert.equal(failure.code, 'git_command_failed');
  assert.equal(failure.exitCode, 128);
  for (const text of [failure.message, failure.output, (failure.cause as Error).message]) {
    assert.doesNotMatch(text, new RegExp(`${token}|${encoded}`), 'the token is redacted from what git echoed');
  }
  assert.match(failure.output, /\[redacted\]/);
});

test('an http remote receives the Authorization header; the failure names the repo and never the token', async (t) => {
  const seen: IncomingHttpHeaders[] = [];
  let status = 404;
  const server = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(status, { 'content-type': 'text/plain' }).end('nope\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => logLines.push(line) } });
  const { root } = await createWorkspaceFixture(t);
  const workspace = new GitWorkspace({
    root,
    remoteUrlTemplate: `http://user:password@127.0.0.1:${port}/{owner}/{repo}.git`,
    token,
    logger,
  });

  await assert.rejects(workspace.open({ taskId: 'task-http', repo, branch: 'tandem/task-http' }), (error) => {
    assert.ok(isTandemError(error));
    assert.equal(error.code, 'git_clone_failed');
    assert.equal(error.retryable, false, 'a missing repository will stay missing');
    assert.match(error.message, /acme\/api/);
    assert.doesNotMatch(error.message, new RegExp(`${token}|${encoded}|password`));
    return true;
  });
  assert.ok(seen.length > 0, 'git asked the loopback server');
  assert.equal(seen[0]!.authorization, `Basic ${encoded}`);
  assert.match(seen[0]!.host ?? '', /^127\.0\.0\.1:/);

  status = 503;
  await assert.rejects(
    workspace.open({ taskId: 'task-http', repo, branch: 'tandem/task-http' }),
    (error) => isTandemError(error) && error.code === 'git_clone_failed' && error.retryable === true,
  );
  assert.deepEqual(await filesContaining(root, token), []);
  assert.deepEqual(await filesContaining(root, encoded), []);
  assert.deepEqual(await filesContaining(root, 'password'), []);
  assert.ok(logLines.some((line) => line.includes('credentials')), 'the removed credentials were reported');
  assert.ok(logLines.every((line) => !line.includes(token) && !line.includes('password')));
});

test('a remote that hangs is cut off by the git timeout, and an aborted open stops at once', async (t) => {
  const server = createServer(() => {
    // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  const { root } = await createWorkspaceFixture(t);
  const workspace = new GitWorkspace({ root, remoteUrlTemplate: `http://127.0.0.1:${port}/{owner}/{repo}.git`, token, gitTimeoutMs: 700 });
  const started = Date.now();
  await assert.rejects(workspace.open({ taskId: 'task-hang', repo, branch: 'tandem/task-hang' }), (error) => {
    assert.ok(isTandemError(error));
    assert.equal(error.code, 'git_clone_failed');
    assert.equal(error.retryable, true);
    assert.match(error.message, /timeout/);
    return true;
  });
  assert.ok(Date.now() - started < 5000, 'the timeout bounded the clone');

  const aborted = Date.now();
  await assert.rejects(
    workspace.open({ taskId: 'task-hang', repo, branch: 'tandem/task-hang', signal: AbortSignal.abort() }),
    (error) => isTandemError(error) && /aborted/.test(error.message),
  );
  assert.ok(Date.now() - aborted < 1000);
  assert.deepEqual(await filesContaining(root, token), []);
});

test('after open, commit, push and a second open, the token is in no file under the workspace root', async (t) => {
  const { root, remotes, workspace } = await createWorkspaceFixture(t, { token });
  const first = await workspace.open({ taskId: 'task-token', repo, branch: 'tandem/task-token' });
  await first.applyEdits([{ path: 'feature.ts', action: 'write', content: 'export const feature = true;\n' }]);
  await first.commit('Add feature', { name: 'tandem', email: 'tandem@localhost' });
  await first.push();
  const second = await workspace.open({ taskId: 'task-token-2', repo, branch: 'tandem/task-token' });
  assert.equal(second.existedOnRemote, true);
  await second.applyEdits([{ path: 'feature.ts', action: 'write', content: 'export const feature = false;\n' }]);
  await second.commit('Flip feature', { name: 'tandem', email: 'tandem@localhost' });
  await second.push();

  for (const dir of [root, remotes.root]) {
    assert.deepEqual(await filesContaining(dir, token), [], `token found under ${dir}`);
    assert.deepEqual(await filesContaining(dir, encoded), [], `encoded token found under ${dir}`);
    assert.deepEqual(await filesContaining(dir, 'extraheader'), []);
    assert.deepEqual(await filesContaining(dir, 'extraHeader'), []);
  }
});
