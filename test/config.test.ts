import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, readEnvironment } from '../src/config.ts';
import { TandemError } from '../src/errors.ts';

test('defaults follow the design brief', () => {
  const config = loadConfig({});
  assert.equal(config.slack.apiUrl, 'https://slack.com/api/');
  assert.equal(config.slack.port, 3000);
  assert.equal(config.redis.url, undefined);
  assert.equal(config.ollama.workerUrl, 'http://127.0.0.1:11434');
  assert.equal(config.models.router, 'qwen2.5:7b');
  assert.equal(config.models.worker, 'qwen3-coder-next:q4_K_M');
  assert.equal(config.models.planner, 'qwen3-coder-next:q4_K_M');
  assert.equal(config.models.documenter, 'qwen2.5:7b');
  assert.equal(config.github.remoteUrlTemplate, 'https://github.com/{owner}/{repo}.git');
  assert.equal(config.paths.workspaces, join(homedir(), '.tandem', 'workspaces'));
  assert.equal(config.worker.concurrency, 1);
  assert.equal(config.worker.keepCopiesMs, 30 * 86_400_000, 'kept working copies go after 30 unused days');
  assert.deepEqual(config.access.humanLeads, []);
});

test('persona models default to their role model and can be overridden one by one', () => {
  const config = loadConfig({ WORKER_MODEL: 'coder:big', PLANNER_MODEL: 'architect:1', ROUTER_MODEL: 'small:1' });
  assert.equal(config.models.planner, 'architect:1');
  assert.equal(config.models.coder, 'coder:big');
  assert.equal(config.models.tester, 'coder:big');
  assert.equal(config.models.documenter, 'small:1');
});

test('lists, numbers and JSON are parsed', () => {
  const config = loadConfig({
    ALLOWED_REPOS: 'acme/api, acme/web',
    HUMAN_LEADS: 'U1,U2',
    WORKER_CONCURRENCY: '4',
    TEST_COMMANDS: '{"acme/api": "npm run test:unit"}',
    WORKSPACE_DIR: '~/work/tandem',
    WORKSPACE_KEEP_DAYS: '0',
  });
  assert.deepEqual(config.access.allowedRepos, ['acme/api', 'acme/web']);
  assert.deepEqual(config.access.humanLeads, ['U1', 'U2']);
  assert.equal(config.worker.concurrency, 4);
  assert.deepEqual(config.worker.testCommands, { 'acme/api': 'npm run test:unit' });
  assert.equal(config.paths.workspaces, join(homedir(), 'work', 'tandem'));
  assert.equal(config.worker.keepCopiesMs, 0, '0 keeps the working copies for good');
  assert.equal(loadConfig({ WORKSPACE_KEEP_DAYS: '7' }).worker.keepCopiesMs, 7 * 86_400_000);
});

test('the result is deeply frozen', () => {
  const config = loadConfig({ ALLOWED_REPOS: 'acme/api' });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.access.allowedRepos));
  assert.throws(() => {
    (config.worker as { concurrency: number }).concurrency = 9;
  }, TypeError);
});

test('every invalid variable is named, and no value is echoed', () => {
  const secret = 'xoxb-123-should-not-appear';
  assert.throws(
    () =>
      loadConfig({
        WORKER_CONCURRENCY: 'many',
        GIT_REMOTE_URL: 'https://example.invalid/repo.git',
        ALLOWED_REPOS: 'acme/api,not a repo',
        REDIS_URL: secret,
        TEST_COMMANDS: '{broken',
        WORKSPACE_KEEP_DAYS: 'a month',
      }),
    (error: unknown) => {
      assert.ok(error instanceof TandemError);
      assert.equal(error.code, 'config_invalid');
      for (const name of ['WORKER_CONCURRENCY', 'GIT_REMOTE_URL', 'ALLOWED_REPOS', 'REDIS_URL', 'TEST_COMMANDS', 'WORKSPACE_KEEP_DAYS']) {
        assert.match(error.message, new RegExp(`${name}: `));
      }
      assert.doesNotMatch(error.message, /should-not-appear/);
      return true;
    },
  );
});

test('.env is read and the real environment wins over it', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'tandem-env-'));
  try {
    await writeFile(join(directory, '.env'), 'WORKER_MODEL=from-file\nROUTER_MODEL=router-from-file\n');
    const environment = readEnvironment(directory, { WORKER_MODEL: 'from-environment' });
    const config = loadConfig(environment);
    assert.equal(config.models.worker, 'from-environment');
    assert.equal(config.models.router, 'router-from-file');
    assert.deepEqual(readEnvironment(join(directory, 'missing'), { A: '1' }), { A: '1' });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
