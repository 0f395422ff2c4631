import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TandemError } from '../../src/errors.ts';
import { progressEventSchema } from '../../src/queue/progress-event.ts';
import { addWorkJob, createQueue, createRedisConnection, parseReportJob, queueNames, workJobId } from '../../src/queue/queues.ts';
import { removeKeys, startTestRedis, uniquePrefix, type TestRedis } from '../kit/redis.ts';

let redis: TestRedis;
let connection: Redis;
let queue: Queue;
const prefix = uniquePrefix('queues');

before(async () => {
  redis = await startTestRedis();
  connection = createRedisConnection(redis.url);
  queue = createQueue(queueNames.work, connection, prefix);
});
after(async () => {
  await queue.close();
  await removeKeys(redis.url, prefix);
  await connection.quit();
  await redis.close();
});

const valid = { taskId: 'abc123', repo: { owner: 'acme', name: 'api' }, request: 'add pagination', difficulty: 'medium', reflection: true } as const;

test('a work job is validated, defaulted and stored under its task iteration', async () => {
  const job = await addWorkJob(queue, valid);
  assert.equal(job.iteration, 1);
  assert.deepEqual(job.feedback, []);
  const stored = await queue.getJob(workJobId('abc123', 1));
  assert.equal(stored?.data.request, 'add pagination');
  assert.equal(stored?.opts.attempts, 3);
});

test('adding the same task iteration twice queues it once', async () => {
  await addWorkJob(queue, { ...valid, taskId: 'twice1' });
  await addWorkJob(queue, { ...valid, taskId: 'twice1' });
  const jobs = await queue.getJobs(['waiting']);
  assert.equal(jobs.filter((job) => job.data.taskId === 'twice1').length, 1);
});

test('an invalid work job is refused before it reaches Redis, naming each field', async () => {
  const before = await queue.count();
  await assert.rejects(
    addWorkJob(queue, { ...valid, taskId: 'Bad Id!', difficulty: 'extreme' as never, request: '   ' }),
    (error: unknown) => {
      assert.ok(error instanceof TandemError);
      assert.equal(error.code, 'job_payload_invalid');
      assert.match(error.message, /taskId: a task id is/);
      assert.match(error.message, /difficulty/);
      assert.match(error.message, /request: the request is empty/);
      return true;
    },
  );
  assert.equal(await queue.count(), before);
});

test('reports and progress events have schemas too', () => {
  assert.throws(() => parseReportJob({ taskId: 'x', status: 'maybe' }), /report job payload is invalid: .*status/);
  assert.equal(progressEventSchema.safeParse({ persona: 'coder', phase: 'start', text: 'go', iteration: 1, at: 1 }).success, true);
  assert.equal(progressEventSchema.safeParse({ persona: 'coder', phase: 'middle', text: 'go', iteration: 1, at: 1 }).success, false);
});
