import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { silentLogger } from '../../src/logger.ts';
import { createRedisConnection } from '../../src/queue/queues.ts';
import { listWorkers, workerKey, workersKey } from '../../src/queue/worker-registry.ts';
import { WorkerRegistration, type WorkerRegistrationOptions } from '../../src/worker/worker-registration.ts';
import { removeKeys, startTestRedis, uniquePrefix, type TestRedis } from '../kit/redis.ts';

let redis: TestRedis;
let connection: Redis;
const prefixes: string[] = [];

before(async () => {
  redis = await startTestRedis();
  connection = createRedisConnection(redis.url);
});
after(async () => {
  for (const prefix of prefixes) await removeKeys(redis.url, prefix);
  await connection.quit();
  await redis.close();
});

function newPrefix(label: string): string {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return prefix;
}

const models = { router: 'qwen2.5:7b', worker: 'coder:big', planner: 'planner:small', coder: 'coder:big', reviewer: 'coder:big', tester: 'coder:big' };

function registration(prefix: string, overrides: Partial<WorkerRegistrationOptions> = {}): WorkerRegistration {
  return new WorkerRegistration({
    redis: connection,
    prefix,
    name: 'mini-1-4242-ab12',
    host: 'mini-1',
    models,
    concurrency: 2,
    runningJobs: () => [],
    logger: silentLogger,
    heartbeatMs: 60_000,
    ...overrides,
  });
}

test('a registered worker is listed with its host, models per persona, concurrency, running tasks and heartbeat', async () => {
  const prefix = newPrefix('registry-fields');
  let clock = 1_000_000;
  const running = new Set(['7f3a09c2-1']);
  const worker = registration(prefix, { now: () => clock, runningJobs: () => running });
  await worker.start();

  const listed = await listWorkers(connection, prefix, { now: () => clock + 2_000 });
  assert.deepEqual(listed.unreadable, []);
  assert.deepEqual(listed.workers, [
    {
      name: 'mini-1-4242-ab12',
      host: 'mini-1',
      pid: process.pid,
      models: { planner: 'planner:small', coder: 'coder:big', reviewer: 'coder:big', tester: 'coder:big' },
      concurrency: 2,
      running: ['7f3a09c2'],
      startedAt: 1_000_000,
      heartbeatAt: 1_000_000,
      heartbeatMs: 60_000,
      heartbeatAgeMs: 2_000,
      silent: false,
    },
  ]);
  const ttl = await connection.pttl(workerKey(prefix, 'mini-1-4242-ab12'));
  assert.ok(ttl > 9 * 60_000 && ttl <= 10 * 60_000, `the record lives 10 heartbeats (${ttl} ms)`);

  // A refresh records what changed: another task, a newer heartbeat.
  clock += 5_000;
  running.add('task-two-3');
  await worker.refresh();
  const refreshed = (await listWorkers(connection, prefix, { now: () => clock })).workers[0]!;
  assert.deepEqual(refreshed.running, ['7f3a09c2', 'task-two']);
  assert.equal(refreshed.heartbeatAt, clock);
  assert.equal(refreshed.startedAt, 1_000_000);
  await worker.close();
});

test('a worker is gone silent once its heartbeat is older than 3 of its intervals (or the given threshold)', async () => {
  const prefix = newPrefix('registry-silent');
  const worker = registration(prefix, { now: () => 0, heartbeatMs: 1_000 });
  await worker.start();
  const silentAt = async (now: number, silentAfterMs?: number) => (await listWorkers(connection, prefix, { now: () => now, silentAfterMs })).workers[0]!.silent;
  assert.equal(await silentAt(3_000), false);
  assert.equal(await silentAt(3_001), true);
  assert.equal(await silentAt(1_500, 1_000), true);
  await worker.close();
});

test('the heartbeat timer keeps the record fresh; a record left without heartbeats expires and leaves the listing', async () => {
  const prefix = newPrefix('registry-expiry');
  const worker = registration(prefix, { heartbeatMs: 50 });
  await worker.start();
  const first = (await listWorkers(connection, prefix, { now: Date.now })).workers[0]!.heartbeatAt;
  await new Promise((resolve) => setTimeout(resolve, 700)); // beyond the 500 ms lifetime: only the timer keeps it
  const later = (await listWorkers(connection, prefix, { now: Date.now })).workers[0];
  assert.ok(later && later.heartbeatAt > first && !later.silent, 'refreshed by the heartbeat');
  await worker.close();

  // What a worker that died leaves behind: a record nobody refreshes.
  const record = { ...later, name: 'dead-1', pid: 1, heartbeatAt: Date.now() };
  await connection.multi().set(workerKey(prefix, 'dead-1'), JSON.stringify(record), 'PX', 300).zadd(workersKey(prefix), record.heartbeatAt, 'dead-1').exec();
  assert.deepEqual((await listWorkers(connection, prefix, { now: Date.now })).workers.map((listed) => listed.name), ['dead-1']);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.deepEqual(await listWorkers(connection, prefix, { now: Date.now }), { workers: [], unreadable: [] });
  assert.equal(await connection.zcard(workersKey(prefix)), 0, 'the expired name left the set');
});

test('a corrupt record is reported, the others are still listed', async () => {
  const prefix = newPrefix('registry-corrupt');
  const worker = registration(prefix, { now: () => 10 });
  await worker.start();
  await connection.multi().set(workerKey(prefix, 'garbled'), '{not json').zadd(workersKey(prefix), 1, 'garbled').exec();
  await connection.multi().set(workerKey(prefix, 'old-shape'), JSON.stringify({ name: 'old-shape', host: 'mini-2' })).zadd(workersKey(prefix), 2, 'old-shape').exec();

  const listed = await listWorkers(connection, prefix, { now: () => 10 });
  assert.deepEqual(listed.workers.map((listedWorker) => listedWorker.name), ['mini-1-4242-ab12']);
  assert.deepEqual(listed.unreadable.map((entry) => entry.name).sort(), ['garbled', 'old-shape']);
  assert.match(listed.unreadable.find((entry) => entry.name === 'garbled')!.problem, /not JSON/);
  assert.match(listed.unreadable.find((entry) => entry.name === 'old-shape')!.problem, /pid/);
  await worker.close();
});

test('close() removes the record, is idempotent, and a refresh after it writes nothing', async () => {
  const prefix = newPrefix('registry-close');
  const worker = registration(prefix, { heartbeatMs: 20 });
  await worker.start();
  assert.equal((await listWorkers(connection, prefix, { now: Date.now })).workers.length, 1);
  await Promise.all([worker.close(), worker.close()]);
  await worker.close();
  await worker.refresh();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(await connection.exists(workerKey(prefix, 'mini-1-4242-ab12')), 0);
  assert.deepEqual(await listWorkers(connection, prefix, { now: Date.now }), { workers: [], unreadable: [] });
});
