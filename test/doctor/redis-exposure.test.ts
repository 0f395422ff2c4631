import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { formatDoctorReport, runDoctor, type DoctorCheck } from '../../src/doctor/run-doctor.ts';
import { startLocalRedis } from '../../src/queue/local-redis.ts';
import { projectRedisConfig } from '../kit/redis.ts';

// Issue 5, item 7: `tandem doctor` reads the running Redis's bind and protected-mode (CONFIG
// GET under redis.conf's alias) and tells a Redis reachable beyond loopback without a
// password. Every server here is either loopback-only or refuses strangers (protected mode
// or a password), so none is open to the machine's networks while the test runs.

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tandem-doctor-exposure-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

/** The Redis checks doctor reports for a redis-server started from tandem's redis.conf plus `extra` lines. */
async function redisChecks(label: string, extra: string, password?: string): Promise<Map<string, DoctorCheck>> {
  const configPath = join(scratch, `${label}.conf`);
  await writeFile(configPath, `include ${projectRedisConfig}\n${extra}\n`);
  const redis = await startLocalRedis({ configPath, dataDir: join(scratch, label), port: 0 });
  try {
    const url = password ? `redis://:${password}@127.0.0.1:${redis.port}` : redis.url;
    // Only Redis is configured: the Ollama URL goes nowhere, and its checks are not read here.
    const report = await runDoctor({ config: loadConfig({ REDIS_URL: url, ROUTER_OLLAMA_URL: 'http://127.0.0.1:9', WORKER_OLLAMA_URL: 'http://127.0.0.1:9' }), timeoutMs: 2000 });
    assert.ok(!password || !formatDoctorReport(report).includes(password), 'the password is never printed');
    return new Map(report.checks.filter((check) => check.name.startsWith('Redis ')).map((check) => [check.name, check]));
  } finally {
    await redis.close();
  }
}

function expect(checks: Map<string, DoctorCheck>, name: string, ok: boolean, detail: RegExp, fix?: RegExp): void {
  const check = checks.get(name);
  assert.ok(check, `no "${name}" in ${[...checks.keys()].join(', ')}`);
  assert.equal(check.ok, ok, `${name}: ${check.detail}`);
  assert.equal(check.skipped, undefined);
  assert.match(check.detail, detail);
  if (fix) assert.match(check.fix ?? '', fix);
}

test('every interface and no password is ✗ for bind: protected mode would refuse the workers too', async () => {
  const checks = await redisChecks('everywhere', 'bind * -::*\nprotected-mode yes');
  expect(checks, 'Redis bind', false, /^\* -::\*: reachable from every network this machine is on, Wi-Fi included with no password: protected mode refuses every client from there, the workers too$/, /bind 127\.0\.0\.1 -::1 169\.254\.10\.1.*set requirepass/);
  expect(checks, 'Redis protected-mode', true, /^yes$/);
});

test('every interface with a password passes, saying where it is reachable from', async () => {
  const password = 'doctor-exposure-password-7d1e';
  const checks = await redisChecks('everywhere-guarded', `bind * -::*\nrequirepass ${password}\nprotected-mode no`, password);
  expect(checks, 'Redis bind', true, /^\* -::\* \(reachable from every network this machine is on, Wi-Fi included; a password is required\)$/);
  expect(checks, 'Redis protected-mode', true, /^no \(a password is required, so it has no effect\)$/);
});

test('protected mode off without a password is ✗ even on loopback', async () => {
  const checks = await redisChecks('unprotected', 'bind 127.0.0.1\nprotected-mode no');
  expect(checks, 'Redis bind', true, /^127\.0\.0\.1 \(loopback only\)$/);
  expect(checks, 'Redis protected-mode', false, /^no, and no password: nothing refuses clients from another host/, /protected-mode yes/);
});

test('dangerous commands denied by an ACL pass, while CONFIG GET still reads the settings', async () => {
  // No rename-command for KEYS or FLUSHALL here: an ACL on the default user denies them instead.
  const configPath = join(scratch, 'acl.conf');
  await writeFile(
    configPath,
    'bind 127.0.0.1\nappendonly yes\nmaxmemory-policy noeviction\nsave ""\nuser default on nopass ~* &* +@all -flushall -flushdb -keys -debug -config +config|get\n',
  );
  const redis = await startLocalRedis({ configPath, dataDir: join(scratch, 'acl'), port: 0 });
  try {
    const report = await runDoctor({
      config: loadConfig({ REDIS_URL: redis.url, ROUTER_OLLAMA_URL: 'http://127.0.0.1:9', WORKER_OLLAMA_URL: 'http://127.0.0.1:9' }),
      redisConfigPath: configPath,
      timeoutMs: 2000,
    });
    const checks = new Map(report.checks.map((check) => [check.name, check]));
    expect(checks, 'Redis dangerous commands', true, /^flushall, flushdb, keys, debug, config disabled$/);
    expect(checks, 'Redis bind', true, /^127\.0\.0\.1 \(loopback only\)$/);
    expect(checks, 'Redis protected-mode', true, /^yes$/);
  } finally {
    await redis.close();
  }
});
