import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createTaskId, TaskStore } from '../../src/tasks/task-store.ts';
import { removeKeys, startTestRedis, uniquePrefix, type TestRedis } from '../kit/redis.ts';

let redis: TestRedis;
let connection: Redis;
let store: TaskStore;
const prefix = uniquePrefix('task-scripts');

before(async () => {
  redis = await startTestRedis();
  connection = new Redis(redis.url);
  store = new TaskStore({ redis: connection, prefix });
});
after(async () => {
  await removeKeys(redis.url, prefix);
  await connection.quit();
  await redis.close();
});

test('a corrupt feedback key stops a transition or an update before it writes anything', async () => {
  const taskId = createTaskId();
  const now = Date.now();
  assert.ok(
    await store.create({ taskId, status: 'screening', request: 'tidy up', repo: { owner: 'acme', name: 'api' }, requester: 'U1', channel: 'C1', threadTs: '1.000001', iteration: 1, pendingFeedback: [], createdAt: now, updatedAt: now }),
  );
  const feedbackKey = `${prefix}:tasks:${taskId}:feedback`;
  await connection.set(feedbackKey, 'not a list');
  await assert.rejects(store.transition(taskId, { from: 'screening', to: 'queued', patch: { difficulty: 'high' } }), /WRONGTYPE .*feedback holds a string, not a list/);
  await assert.rejects(store.update(taskId, { difficulty: 'low' }), /WRONGTYPE/);
  await connection.del(feedbackKey);
  const record = await store.get(taskId);
  assert.equal(record?.status, 'screening', 'Redis does not undo a script halfway: nothing may have been written');
  assert.equal(record?.difficulty, undefined);
  assert.deepEqual(await connection.zrange(`${prefix}:tasks:_status:queued`, '0', '-1'), [], 'no index moved either');
});
