import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig, type Environment } from '../../src/config.ts';
import { defaultExec } from '../../src/doctor/doctor-check.ts';
import { configCommandIn } from '../../src/doctor/redis-settings.ts';
import { formatDoctorReport, runDoctor, type DoctorOptions, type DoctorReport } from '../../src/doctor/run-doctor.ts';
import { findFreePort, startLocalRedis, type LocalRedis } from '../../src/queue/local-redis.ts';
import { startGitHubServer, type LoopbackGitHub } from '../kit/github-server.ts';
import { startOllamaServer, type LoopbackOllama } from '../kit/ollama-server.ts';
import { projectRedisConfig, startTestRedis, type TestRedis } from '../kit/redis.ts';
import { startSlackServer, type LoopbackSlack } from '../kit/slack-server.ts';

const botToken = 'xoxb-doctor-bot-token-1234567890';
const appToken = 'xapp-1-doctor-app-token-1234567890';
const githubToken = 'ghp_doctorLoopbackToken0000000000000000';
const routerModel = 'qwen2.5:7b';
const workerModel = 'qwen3-coder-next:q4_K_M';
const gigabyte = 1e9;

/** The check called `name`; fails with the whole report when there is none. */
function checkNamed(report: DoctorReport, name: string) {
  const check = report.checks.find((candidate) => candidate.name === name);
  assert.ok(check, `no check named "${name}" in:\n${formatDoctorReport(report)}`);
  return check;
}

/** Asserts the check `name` failed, with a detail and a fix matching the patterns, and shows as a ✗ line. */
function assertFailed(report: DoctorReport, name: string, expected: { detail: RegExp; fix: RegExp }) {
  const check = checkNamed(report, name);
  const text = formatDoctorReport(report);
  assert.equal(check.ok, false, `"${name}" should have failed:\n${text}`);
  assert.match(check.detail, expected.detail);
  assert.match(check.fix ?? '', expected.fix);
  assert.equal(report.ok, false);
  assert.ok(text.split('\n').some((line) => line.startsWith(`✗ ${name}: `) && line.includes(' — fix: ')), text);
}

function assertPassed(report: DoctorReport, name: string, detail?: RegExp) {
  const check = checkNamed(report, name);
  assert.equal(check.ok, true, `"${name}" should have passed:\n${formatDoctorReport(report)}`);
  if (detail) assert.match(check.detail, detail);
}

describe('tandem doctor', () => {
  let redis: TestRedis;
  let ollama: LoopbackOllama;
  let slack: LoopbackSlack;
  let github: LoopbackGitHub;
  let scratch: string;

  before(async () => {
    [redis, ollama, slack, github, scratch] = await Promise.all([
      startTestRedis(),
      startOllamaServer(),
      startSlackServer({ botTokens: [botToken], appTokens: [appToken] }),
      startGitHubServer({
        token: githubToken,
        repos: ['acme/api', 'acme/web', 'acme/docs'],
        permissions: { 'acme/docs': { push: false } },
      }),
      mkdtemp(join(tmpdir(), 'tandem-doctor-')),
    ]);
    ollama.loaded.set(routerModel, {});
  });

  after(async () => {
    await Promise.all([redis?.close(), ollama?.close(), slack?.close(), github?.close()]);
    await rm(scratch, { recursive: true, force: true });
  });

  /** A complete, working setup: every variable points at a real or loopback part. */
  function goodEnvironment(): Environment {
    return {
      REDIS_URL: redis.url,
      ROUTER_OLLAMA_URL: ollama.url,
      WORKER_OLLAMA_URL: ollama.url,
      SLACK_BOT_TOKEN: botToken,
      SLACK_APP_TOKEN: appToken,
      SLACK_API_URL: slack.url,
      GITHUB_TOKEN: githubToken,
      GITHUB_API_URL: github.url,
      ALLOWED_REPOS: 'acme/api,acme/web',
      DEFAULT_REPO: 'acme/api',
    };
  }

  function doctor(environment: Environment, options: Partial<DoctorOptions> = {}): Promise<DoctorReport> {
    return runDoctor({ config: loadConfig(environment), memoryBytes: 64 * gigabyte, timeoutMs: 2000, ...options });
  }

  test('a good setup passes every check and prints no ✗', async () => {
    const report = await doctor(goodEnvironment());
    const text = formatDoctorReport(report);
    assert.equal(report.ok, true, text);
    assert.ok(report.checks.every((check) => check.ok && check.fix === undefined && !check.skipped), text);
    assert.doesNotMatch(text, /✗/);
    assert.match(text, /^All \d+ checks passed\.$/m);

    assertPassed(report, 'Node', new RegExp(process.versions.node.replaceAll('.', '\\.')));
    assertPassed(report, 'git', /\d+\.\d+/);
    assertPassed(report, `Redis at ${redis.url.replace(/:[^:@/]*@/, '@')}`, /^reachable$/);
    assertPassed(report, 'Redis version', /^\d+\.\d+\.\d+/);
    assertPassed(report, 'Redis appendonly', /^yes$/);
    assertPassed(report, 'Redis maxmemory-policy', /^noeviction$/);
    assertPassed(report, 'Redis bind', /^127\.0\.0\.1 -::1 \(loopback only\)$/);
    assertPassed(report, 'Redis protected-mode', /^yes$/);
    assertPassed(report, 'Redis dangerous commands', /^flushall, flushdb, keys, debug, config disabled$/);
    assertPassed(report, 'Ollama at ' + ollama.url, /reachable, Ollama 0\.12\.0/);
    assertPassed(report, `Model ${routerModel} at ${ollama.url}`, /installed, 4\.7 GB.*loaded \(stays resident\); used by router, documenter/);
    assertPassed(report, `Model ${workerModel} at ${ollama.url}`, /52\.0 GB.*not loaded.*used by worker, planner, coder, reviewer, tester/);
    assertPassed(report, 'Slack bot token', /@tandem \(U0TANDEMBOT\) in Tandem Loopback/);
    assertPassed(report, 'Slack scopes', /all 6 bot scopes of manifest\.yml granted/);
    assertPassed(report, 'Slack Socket Mode');
    assertPassed(report, 'GitHub acme/api', /can push/);
    assertPassed(report, 'GitHub acme/web', /can push/);
    assert.equal(report.checks.filter((check) => check.name === 'GitHub acme/api').length, 1, 'DEFAULT_REPO is checked once');
    assert.equal(report.checks.filter((check) => check.name.startsWith('Ollama at')).length, 1, 'one URL is checked once');

    for (const secret of [botToken, appToken, githubToken]) assert.ok(!text.includes(secret) && !JSON.stringify(report).includes(secret));
  });

  test('a console-only setup without Slack or GitHub tokens is ok, with both skipped', async () => {
    const slackCalls = slack.calls().length;
    const githubRequests = github.requests.length;
    const report = await doctor({ REDIS_URL: redis.url, ROUTER_OLLAMA_URL: ollama.url, WORKER_OLLAMA_URL: ollama.url });
    assert.equal(report.ok, true, formatDoctorReport(report));
    assert.equal(checkNamed(report, 'Slack').skipped, true);
    assert.match(checkNamed(report, 'Slack').detail, /SLACK_BOT_TOKEN is unset/);
    assert.equal(checkNamed(report, 'GitHub').skipped, true);
    assert.match(formatDoctorReport(report), /^– Slack: not configured/m);
    assert.doesNotMatch(formatDoctorReport(report), /✗/);
    assert.equal(slack.calls().length, slackCalls, 'Slack is not called');
    assert.equal(github.requests.length, githubRequests, 'GitHub is not called');
  });

  test('an unreachable Redis is ✗ with how to start it, and the other areas are still checked', async () => {
    const port = await findFreePort();
    const report = await doctor({ ...goodEnvironment(), REDIS_URL: `redis://127.0.0.1:${port}` });
    assertFailed(report, `Redis at redis://127.0.0.1:${port}`, {
      detail: /^unreachable \(ECONNREFUSED\)$/,
      fix: /start it with `redis-server \.\/redis\.conf`, or unset REDIS_URL and tandem starts its own/,
    });
    assert.ok(!report.checks.some((check) => check.name === 'Redis appendonly'), 'settings are not guessed without a connection');
    assertPassed(report, 'Slack bot token');
    assertPassed(report, 'GitHub acme/api');
    assertPassed(report, `Ollama at ${ollama.url}`);
  });

  test('a Redis that evicts keys and keeps no AOF is ✗ for both settings', async () => {
    const misconfigured = await startLocalRedis({ configPath: projectRedisConfig, dataDir: join(scratch, 'evicting'), port: 0 });
    try {
      const client = new Redis(misconfigured.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect();
      // redis.conf keeps CONFIG under an alias, and doctor's fixes name it.
      const configCommand = configCommandIn(await readFile(projectRedisConfig, 'utf8'))!;
      assert.notEqual(configCommand, 'CONFIG');
      await client.call(configCommand, 'SET', 'maxmemory-policy', 'allkeys-lru');
      await client.call(configCommand, 'SET', 'appendonly', 'no');
      client.disconnect();

      const report = await doctor({ ...goodEnvironment(), REDIS_URL: misconfigured.url });
      assertFailed(report, 'Redis maxmemory-policy', {
        detail: /^allkeys-lru: .*BullMQ needs noeviction$/,
        fix: new RegExp(`redis-cli -u "\\$REDIS_URL" ${configCommand} SET maxmemory-policy noeviction`),
      });
      assertFailed(report, 'Redis appendonly', { detail: /^no: a restart loses queued jobs/, fix: /appendonly yes/ });
      assertPassed(report, `Redis at ${misconfigured.url}`);
    } finally {
      await misconfigured.close();
    }
  });

  test('a managed Redis with CONFIG disabled is judged from INFO, and says so', async () => {
    const configPath = join(scratch, 'managed.conf');
    const configCommand = configCommandIn(await readFile(projectRedisConfig, 'utf8'))!;
    await writeFile(configPath, `include ${projectRedisConfig}\nrename-command ${configCommand} ""\nmaxmemory-policy allkeys-lru\n`);
    const managed: LocalRedis = await startLocalRedis({ configPath, dataDir: join(scratch, 'managed'), port: 0 });
    try {
      const report = await doctor({ ...goodEnvironment(), REDIS_URL: managed.url });
      assertPassed(report, 'Redis appendonly', /^yes \(read from INFO: CONFIG is disabled, as on managed Redis\)$/);
      assertFailed(report, 'Redis maxmemory-policy', {
        detail: /^allkeys-lru: .*\(read from INFO: CONFIG is disabled/,
        fix: /^set maxmemory-policy to noeviction in your Redis provider's settings/,
      });
      for (const name of ['Redis bind', 'Redis protected-mode']) {
        assert.equal(checkNamed(report, name).skipped, true, `${name} is not guessed without CONFIG`);
        assert.match(checkNamed(report, name).detail, /^not checked: CONFIG GET is unavailable \(.*unknown command.*\); make sure it /);
      }
    } finally {
      await managed.close();
    }
  });

  test('a Redis that still offers FLUSHALL, FLUSHDB, KEYS and CONFIG is ✗ with the redis.conf lines to copy', async () => {
    const configPath = join(scratch, 'plain.conf');
    await writeFile(configPath, 'bind 127.0.0.1\nappendonly yes\nmaxmemory-policy noeviction\nsave ""\n');
    const plain = await startLocalRedis({ configPath, dataDir: join(scratch, 'plain'), port: 0 });
    try {
      const report = await doctor({ ...goodEnvironment(), REDIS_URL: plain.url });
      // DEBUG is off there too: Redis 7's enable-debug-command defaults to no.
      assertFailed(report, 'Redis dangerous commands', { detail: /^FLUSHALL, FLUSHDB, KEYS, CONFIG still available/, fix: /rename-command.*alias doctor reads from redis\.conf/ });
    } finally {
      await plain.close();
    }
  });

  test('a Redis with requirepass passes with its password, which is never printed, and is ✗ without or with a wrong one', async () => {
    const password = 'doctor-redis-secret-password';
    const configPath = join(scratch, 'password.conf');
    await writeFile(configPath, `include ${projectRedisConfig}\nrequirepass ${password}\n`);
    const guarded = await startLocalRedis({ configPath, dataDir: join(scratch, 'password'), port: 0 });
    try {
      const shown = `redis://127.0.0.1:${guarded.port}`;
      const withPassword = await doctor({ ...goodEnvironment(), REDIS_URL: guarded.url });
      assert.equal(withPassword.ok, true, formatDoctorReport(withPassword));
      assertPassed(withPassword, `Redis at ${shown}`);
      assertPassed(withPassword, 'Redis password', /^set in REDIS_URL$/);
      assert.ok(!JSON.stringify(withPassword).includes(password));

      const withoutPassword = await doctor({ ...goodEnvironment(), REDIS_URL: shown });
      assertFailed(withoutPassword, `Redis at ${shown}`, { detail: /requires a password .*\(NOAUTH\)/, fix: /put the requirepass of its redis\.conf in REDIS_URL/ });

      const wrongPassword = await doctor({ ...goodEnvironment(), REDIS_URL: `redis://:not-the-password@127.0.0.1:${guarded.port}` });
      assertFailed(wrongPassword, `Redis at ${shown}`, { detail: /WRONGPASS/, fix: /requirepass/ });
      assert.ok(!formatDoctorReport(wrongPassword).includes('not-the-password'));
    } finally {
      await guarded.close();
    }
  });

  test('a Redis beyond loopback without a password is ✗ with requirepass as the fix', async () => {
    const report = await doctor({ ...goodEnvironment(), REDIS_URL: 'redis://doctor-bridge.invalid:6379' }, { timeoutMs: 1000 });
    assertFailed(report, 'Redis password', {
      detail: /none in REDIS_URL, yet doctor-bridge\.invalid is not loopback/,
      fix: /set requirepass in redis\.conf and put it in REDIS_URL/,
    });
    assertFailed(report, 'Redis at redis://doctor-bridge.invalid:6379', { detail: /^unreachable/, fix: /bind the bridge address/ });
  });

  test('with REDIS_URL unset, a missing redis-server and redis.conf are ✗ with how to install and restore them', async () => {
    const environment = goodEnvironment();
    delete environment.REDIS_URL;
    const report = await doctor(environment, {
      redisServerBinary: join(scratch, 'no-such-redis-server'),
      redisConfigPath: join(scratch, 'no-such-redis.conf'),
    });
    assertFailed(report, 'redis-server', {
      detail: /is not on the PATH, and REDIS_URL is unset/,
      fix: /`brew install redis` \(macOS\) or `sudo apt-get install redis-server` \(Debian\/Ubuntu\)/,
    });
    assertFailed(report, 'redis.conf', { detail: /cannot read .*no-such-redis\.conf \(ENOENT\)/, fix: /git checkout -- redis\.conf/ });
  });

  test('with REDIS_URL unset, a redis-server older than 6.2 is ✗ with an upgrade', async () => {
    const environment = goodEnvironment();
    delete environment.REDIS_URL;
    const report = await doctor(environment, {
      // This machine's redis-server is newer: answer its --version as Redis 6.0 would.
      exec: (file, args, options) =>
        file === 'redis-server'
          ? Promise.resolve({ stdout: 'Redis server v=6.0.16 sha=00000000:0 malloc=jemalloc-5.2.1 bits=64 build=a3fdef44459b3ad6\n', stderr: '' })
          : defaultExec(file, args, options),
    });
    assertFailed(report, 'redis-server', { detail: /^6\.0\.16: BullMQ needs 6\.2 or newer$/, fix: /upgrade Redis to 7: `brew install redis`/ });
  });

  test('with REDIS_URL unset, the installed redis-server and the project redis.conf pass', async () => {
    const environment = goodEnvironment();
    delete environment.REDIS_URL;
    const report = await doctor(environment);
    assertPassed(report, 'redis-server', /^\d+\.\d+\.\d+ \(REDIS_URL is unset: tandem starts its own/);
    assertPassed(report, 'redis.conf', /appendonly yes, maxmemory-policy noeviction/);
  });

  test('an unreachable Ollama is ✗ with `ollama serve`, while the other URL is still checked', async () => {
    const port = await findFreePort();
    const deadUrl = `http://127.0.0.1:${port}`;
    const report = await doctor({ ...goodEnvironment(), ROUTER_OLLAMA_URL: deadUrl });
    assertFailed(report, `Ollama at ${deadUrl}`, { detail: /^unreachable \(ECONNREFUSED\)$/, fix: /start it with `ollama serve` \(or open the Ollama app\)/ });
    assertPassed(report, `Ollama at ${ollama.url}`);
    assertPassed(report, `Model ${workerModel} at ${ollama.url}`, /used by worker, planner, coder, reviewer, tester/);
    assert.ok(!report.checks.some((check) => check.name === `Model ${routerModel} at ${ollama.url}`), 'the router model belongs to the dead URL');
  });

  test('a model loaded for a while says when it unloads, by the injected clock', async () => {
    const expiresAt = Date.now() + 10 * 60_000;
    ollama.loaded.set(workerModel, { expiresAt });
    try {
      const report = await doctor(goodEnvironment(), { now: () => expiresAt - 4 * 60_000 });
      assertPassed(report, `Model ${workerModel} at ${ollama.url}`, /, loaded, unloads in 4 min;/);
    } finally {
      ollama.loaded.delete(workerModel);
    }
  });

  test('a model the configuration names but Ollama lacks is ✗ with `ollama pull`', async () => {
    const report = await doctor({ ...goodEnvironment(), CODER_MODEL: 'devstral:24b' });
    assertFailed(report, `Model devstral:24b at ${ollama.url}`, { detail: /^not installed \(used by coder\)$/, fix: /^`ollama pull devstral:24b`$/ });
    assertPassed(report, `Model ${workerModel} at ${ollama.url}`, /used by worker, planner, reviewer, tester/);
  });

  test('a model too big for this machine’s memory is ✗ with a smaller quantisation or the bigger machine as the fix', async () => {
    const report = await doctor(goodEnvironment(), { memoryBytes: 24 * gigabyte });
    assertFailed(report, `Model ${workerModel} at ${ollama.url}`, {
      detail: /52\.0 GB: too big for this machine's 24\.0 GB of memory \(more than 85%\)/,
      fix: /smaller quantisation.*set WORKER_MODEL \/ PLANNER_MODEL \/ CODER_MODEL \/ REVIEWER_MODEL \/ TESTER_MODEL to it, or point WORKER_OLLAMA_URL at the machine with more memory/,
    });
    assertPassed(report, `Model ${routerModel} at ${ollama.url}`, /4\.7 GB of this machine's 24\.0 GB/);
  });

  test('an invalid Slack bot token is ✗ and never printed', async () => {
    const wrongToken = 'xoxb-doctor-wrong-token-0987654321';
    const report = await doctor({ ...goodEnvironment(), SLACK_BOT_TOKEN: wrongToken });
    assertFailed(report, 'Slack bot token', { detail: /^rejected \(invalid_auth\)$/, fix: /Bot User OAuth Token \(xoxb-…\).*into SLACK_BOT_TOKEN/ });
    assert.ok(!report.checks.some((check) => check.name === 'Slack scopes'), 'no scopes to compare without a valid token');
    assert.ok(!formatDoctorReport(report).includes(wrongToken));
  });

  test('a Slack app missing a manifest scope is ✗ with reinstall from manifest.yml, and extra scopes are mentioned', async () => {
    const narrow = await startSlackServer({
      botTokens: [botToken],
      scopes: ['app_mentions:read', 'channels:history', 'groups:history', 'chat:write', 'commands', 'users:read'],
    });
    try {
      const report = await doctor({ ...goodEnvironment(), SLACK_API_URL: narrow.url });
      assertPassed(report, 'Slack bot token');
      assertFailed(report, 'Slack scopes', {
        detail: /^missing files:write \(manifest\.yml asks for .*\); also granted users:read \(tandem does not need them\)$/,
        fix: /reinstall the app from manifest\.yml/,
      });
    } finally {
      await narrow.close();
    }
  });

  test('a wrong Slack app token is ✗ for Socket Mode; no app token and no signing secret is ✗ for the mode', async () => {
    const wrongApp = await doctor({ ...goodEnvironment(), SLACK_APP_TOKEN: 'xapp-1-doctor-wrong-app-token' });
    assertFailed(wrongApp, 'Slack Socket Mode', { detail: /invalid_auth/, fix: /App-Level Token with the connections:write scope/ });

    const noMode = await doctor({ ...goodEnvironment(), SLACK_APP_TOKEN: undefined });
    assertFailed(noMode, 'Slack mode', { detail: /neither SLACK_APP_TOKEN .* nor SLACK_SIGNING_SECRET/, fix: /set SLACK_APP_TOKEN .* or SLACK_SIGNING_SECRET/ });

    const httpMode = await doctor({ ...goodEnvironment(), SLACK_APP_TOKEN: undefined, SLACK_SIGNING_SECRET: 'doctor-signing-secret' });
    assertPassed(httpMode, 'Slack HTTP mode', /PORT 3000/);
    assert.ok(!formatDoctorReport(httpMode).includes('doctor-signing-secret'));
  });

  test('a rejected GitHub token is one ✗ line, whatever the number of repositories, and never printed', async () => {
    const wrongToken = 'ghp_doctorWrongToken000000000000000000';
    const report = await doctor({ ...goodEnvironment(), GITHUB_TOKEN: wrongToken });
    assertFailed(report, 'GitHub token', { detail: /^GITHUB_TOKEN was rejected by .* \(401 Bad credentials\)$/, fix: /put it in GITHUB_TOKEN/ });
    assert.ok(!report.checks.some((check) => check.name.startsWith('GitHub acme/')));
    assert.ok(!formatDoctorReport(report).includes(wrongToken));
  });

  test('a repository the token cannot see, or cannot push to, is ✗ by name', async () => {
    const report = await doctor({ ...goodEnvironment(), ALLOWED_REPOS: 'acme/api,acme/secret,acme/docs' });
    assertPassed(report, 'GitHub acme/api');
    assertFailed(report, 'GitHub acme/secret', { detail: /^the token cannot see acme\/secret \(404\)$/, fix: /ALLOWED_REPOS.*give the token access to acme\/secret/ });
    assertFailed(report, 'GitHub acme/docs', { detail: /can read acme\/docs but not push to it/, fix: /write access to acme\/docs/ });
  });

  test('a check that never answers is cut off and reported as ✗ while every other area is still reported', async () => {
    const started = Date.now();
    const report = await doctor(goodEnvironment(), { timeoutMs: 1000, exec: () => new Promise(() => {}) });
    assert.ok(Date.now() - started < 10_000, 'doctor ends on its own');
    assertFailed(report, 'git', { detail: /^no complete answer within 3 s$/, fix: /run `tandem doctor` again/ });
    assertPassed(report, 'Node');
    assertPassed(report, 'Redis appendonly');
    assertPassed(report, 'Slack scopes');
    assertPassed(report, 'GitHub acme/api');
  });

  test('an old Node, a missing git and an old git are ✗ with how to install them', async () => {
    const report = await doctor(goodEnvironment(), { nodeVersion: 'v18.19.0', gitBinary: join(scratch, 'no-such-git') });
    assertFailed(report, 'Node', { detail: /^18\.19\.0 is too old: tandem needs 20\.12 or newer$/, fix: /install Node 20\.12 or newer/ });
    assertFailed(report, 'git', { detail: /is not on the PATH/, fix: /sudo apt-get install git/ });
    assertPassed(report, 'Slack bot token');

    const oldGit = join(scratch, 'old-git');
    await writeFile(oldGit, '#!/bin/sh\necho "git version 2.30.9"\n', { mode: 0o755 });
    const withOldGit = await doctor(goodEnvironment(), { gitBinary: oldGit });
    assertFailed(withOldGit, 'git', { detail: /^2\.30\.9 is too old: tandem needs git 2\.31 or newer$/, fix: /brew install git/ });
  });
});
