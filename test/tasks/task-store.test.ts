import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { TandemError } from '../../src/errors.ts';
import { taskIdSchema } from '../../src/queue/work-job.ts';
import type { TaskRecord } from '../../src/tasks/task-record.ts';
import { createTaskId, TaskStore } from '../../src/tasks/task-store.ts';
import { removeKeys, startTestRedis, uniquePrefix, type TestRedis } from '../kit/redis.ts';

let redis: TestRedis;
let connection: Redis;
let store: TaskStore;
const connections: Redis[] = [];
const prefix = uniquePrefix('task-store');
const retentionMs = 30 * 24 * 3600 * 1000;
let clock = 1_700_000_000_000;
let threadCounter = 0;

/** A TaskStore on its own Redis connection, sharing the test clock. */
function openStore(): TaskStore {
  const ownConnection = new Redis(redis.url);
  connections.push(ownConnection);
  return new TaskStore({ redis: ownConnection, prefix, now: () => clock });
}

function newRecord(overrides: Partial<TaskRecord> = {}): TaskRecord {
  threadCounter += 1;
  return {
    taskId: createTaskId(),
    status: 'screening',
    request: 'add pagination to GET /users',
    repo: { owner: 'acme', name: 'api' },
    requester: 'U_MINA',
    channel: 'C_DEV',
    threadTs: `1700000000.${String(threadCounter).padStart(6, '0')}`,
    iteration: 1,
    pendingFeedback: [],
    createdAt: clock,
    updatedAt: clock,
    ...overrides,
  };
}

async function created(overrides: Partial<TaskRecord> = {}): Promise<TaskRecord> {
  const record = newRecord(overrides);
  assert.equal(await store.create(record), true);
  return record;
}

function hasCode(code: string) {
  return (error: unknown) => error instanceof TandemError && error.code === code;
}

before(async () => {
  redis = await startTestRedis();
  connection = new Redis(redis.url);
  connections.push(connection);
  store = new TaskStore({ redis: connection, prefix, now: () => clock });
});
after(async () => {
  await removeKeys(redis.url, prefix);
  await Promise.all(connections.map((each) => each.quit()));
  await redis.close();
});

test('createTaskId makes short ids that are valid task ids, from the given randomness', () => {
  assert.equal(createTaskId(() => Uint8Array.from([0x7f, 0x3a, 0x09, 0xc2])), '7f3a09c2');
  for (let round = 0; round < 50; round += 1) assert.equal(taskIdSchema.safeParse(createTaskId()).success, true);
});

test('a created task reads back as the same record, and creating its id again changes nothing', async () => {
  const record = await created({ pendingFeedback: ['use cursor pagination'], statusMessageTs: '1700000000.000100' });
  assert.deepEqual(await store.get(record.taskId), record);
  assert.equal(await store.create({ ...record, request: 'something else' }), false);
  assert.equal((await store.get(record.taskId))?.request, 'add pagination to GET /users');
  assert.equal(await store.get('no-such-task'), undefined);
  assert.equal(await store.get('Not A Task Id!'), undefined);
  assert.equal(await store.get('_status:screening'), undefined);
});

test('an invalid record is refused before it reaches Redis', async () => {
  await assert.rejects(store.create({ ...newRecord(), taskId: 'Bad Id' }), hasCode('task_record_invalid'));
  await assert.rejects(store.create({ ...newRecord(), iteration: 0 }), hasCode('task_record_invalid'));
});

test('a task walks the happy path to merged, each step stamping updatedAt from the clock', async () => {
  const record = await created();
  const path = ['queued', 'running', 'reported', 'awaiting_approval', 'merged'] as const;
  let from: TaskRecord['status'] = 'screening';
  for (const to of path) {
    clock += 1_000;
    const moved = await store.transition(record.taskId, { from, to, patch: to === 'merged' ? { decidedBy: 'U_LEAD' } : {} });
    assert.equal(moved.ok, true);
    assert.equal(moved.record?.status, to);
    assert.equal(moved.record?.updatedAt, clock);
    from = to;
  }
  const merged = await store.get(record.taskId);
  assert.equal(merged?.decidedBy, 'U_LEAD');
  assert.equal(merged?.createdAt, record.createdAt);
});

test('a transition from the wrong status is refused with the current record; an unknown task is not_found', async () => {
  const record = await created({ status: 'queued' });
  const refused = await store.transition(record.taskId, { from: 'running', to: 'reported' });
  assert.equal(refused.ok, false);
  assert.equal(refused.ok ? undefined : refused.reason, 'status_mismatch');
  assert.equal(refused.record?.status, 'queued');
  const missing = await store.transition('no-such-task', { from: 'queued', to: 'running' });
  assert.deepEqual(missing, { ok: false, record: undefined, reason: 'not_found' });
});

test('a move the state machine does not allow throws invalid_transition and changes nothing', async () => {
  const record = await created({ status: 'awaiting_approval' });
  await assert.rejects(store.transition(record.taskId, { from: 'merged', to: 'queued' }), hasCode('invalid_transition'));
  await assert.rejects(store.transition(record.taskId, { from: ['awaiting_approval', 'screening'], to: 'merged' }), hasCode('invalid_transition'));
  assert.equal((await store.get(record.taskId))?.status, 'awaiting_approval');
});

test('of 20 concurrent approvals on separate connections exactly one merges', async () => {
  const record = await created({ status: 'awaiting_approval' });
  const stores = Array.from({ length: 20 }, () => openStore());
  const results = await Promise.all(
    stores.map((each, index) => each.transition(record.taskId, { from: 'awaiting_approval', to: 'merged', patch: { decidedBy: `U_${index}` } })),
  );
  const winners = results.filter((result) => result.ok);
  assert.equal(winners.length, 1);
  assert.ok(results.every((result) => result.ok || (result.reason === 'status_mismatch' && result.record?.status === 'merged')));
  assert.equal((await store.get(record.taskId))?.decidedBy, winners[0]?.record?.decidedBy);
});

test('of 10 concurrent claims one wins; release frees it and an unreleased claim expires', async () => {
  const record = await created({ status: 'awaiting_approval' });
  const stores = Array.from({ length: 10 }, () => openStore());
  const claims = await Promise.all(stores.map((each) => each.claim(record.taskId, 'decide', 60_000)));
  assert.equal(claims.filter(Boolean).length, 1);
  const holder = stores[claims.indexOf(true)]!;
  const other = stores[claims.indexOf(false)]!;
  assert.equal(await other.release(record.taskId, 'decide'), false, 'only the holder releases');
  assert.equal(await other.claim(record.taskId, 'decide', 60_000), false);
  assert.equal(await holder.release(record.taskId, 'decide'), true);
  assert.equal(await other.claim(record.taskId, 'decide', 50), true);
  await sleep(150);
  assert.equal(await holder.claim(record.taskId, 'decide', 60_000), true);
  assert.equal(await holder.claim(record.taskId, 'other-action', 60_000), true, 'claims are per action');
});

test('updates racing a transition on another connection never undo its status', async () => {
  const record = await created({ status: 'queued' });
  const other = openStore();
  const updates = Array.from({ length: 30 }, (_, index) => store.update(record.taskId, { persona: `coder-${index}` }));
  const [moved] = await Promise.all([other.transition(record.taskId, { from: 'queued', to: 'running' }), ...updates]);
  assert.equal(moved.ok, true);
  const after = await store.get(record.taskId);
  assert.equal(after?.status, 'running');
  assert.match(after?.persona ?? '', /^coder-\d+$/);
  const updated = await store.update(record.taskId, { prNumber: 142, reason: undefined });
  assert.equal(updated?.status, 'running');
  assert.equal(updated?.prNumber, 142);
});

test('update refuses unknown tasks, status changes and removing required fields; undefined removes an optional field', async () => {
  assert.equal(await store.update('no-such-task', { persona: 'coder' }), undefined);
  const record = await created({ persona: 'planner', reason: 'waiting' });
  await assert.rejects(store.update(record.taskId, { status: 'merged' } as never), hasCode('invalid_patch'));
  await assert.rejects(store.update(record.taskId, { iteration: undefined } as never), hasCode('invalid_patch'));
  await assert.rejects(store.transition(record.taskId, { from: 'screening', to: 'queued', patch: { prNumber: -1 } }), hasCode('invalid_patch'));
  clock += 5;
  const updated = await store.update(record.taskId, { persona: undefined, statusMessageTs: '1700000000.000200' });
  assert.equal(updated?.persona, undefined);
  assert.equal(updated?.reason, 'waiting');
  assert.equal(updated?.statusMessageTs, '1700000000.000200');
  assert.equal(updated?.updatedAt, clock);
  assert.equal((await store.get(record.taskId))?.status, 'screening');
});

test('persona replies (their timestamps and steps) are kept with the task and validated', async () => {
  const record = await created({ status: 'screening' });
  const step = { phase: 'end' as const, text: '2 files changed (+8 −1); tests 2/2 ✓', details: ['Fix add()'], round: 0, attempt: 1, tests: { passed: 2, failed: 0 }, at: clock };
  const personaReplies = { iteration: 1, replies: { coder: { ts: '1700000000.000300', steps: [step] }, reviewer: { steps: [] } } };
  await store.update(record.taskId, { personaReplies });
  assert.deepEqual((await openStore().get(record.taskId))?.personaReplies, personaReplies, 'read back on another connection, as a restarted gateway would');
  await assert.rejects(
    store.update(record.taskId, { personaReplies: { iteration: 1, replies: { documenter: { steps: [] } } } } as never),
    hasCode('invalid_patch'),
    'only the Planner, Coder, Reviewer and Tester have replies',
  );
  await assert.rejects(
    store.update(record.taskId, { personaReplies: { iteration: 1, replies: { coder: { steps: [{ ...step, phase: 'start' }] } } } } as never),
    hasCode('invalid_patch'),
    'a step is a finished one',
  );
});

test('feedback is appended in order and taken all at once, by exactly one taker', async () => {
  const record = await created({ status: 'awaiting_approval' });
  assert.equal(await store.appendFeedback(record.taskId, 'also sort by name'), true);
  assert.equal(await store.appendFeedback(record.taskId, 'and keep the old route'), true);
  assert.deepEqual((await store.get(record.taskId))?.pendingFeedback, ['also sort by name', 'and keep the old route']);
  const takes = await Promise.all([store.takeFeedback(record.taskId), openStore().takeFeedback(record.taskId)]);
  assert.deepEqual(takes.flat(), ['also sort by name', 'and keep the old route']);
  assert.ok(takes.some((taken) => taken.length === 0));
  assert.deepEqual(await store.takeFeedback(record.taskId), []);
  assert.deepEqual((await store.get(record.taskId))?.pendingFeedback, []);
  assert.equal(await store.appendFeedback('no-such-task', 'lost'), false);
});

test('a thread finds its task', async () => {
  const record = await created();
  assert.equal(await store.findByThread(record.channel, record.threadTs!), record.taskId);
  assert.equal(await store.findByThread(record.channel, '1.000000'), undefined);
  const threadless = await created({ threadTs: undefined });
  assert.equal((await store.get(threadless.taskId))?.threadTs, undefined);
});

test('listActive holds running and waiting tasks, oldest first; final and dormant ones are listed by status', async () => {
  const running = await created({ status: 'running', createdAt: clock - 2 });
  const waiting = await created({ status: 'awaiting_approval', createdAt: clock - 1 });
  const finished = await created({ status: 'awaiting_approval' });
  await store.transition(finished.taskId, { from: 'awaiting_approval', to: 'rejected' });
  const failed = await created({ status: 'running' });
  await store.transition(failed.taskId, { from: 'running', to: 'failed', patch: { reason: 'tests did not run' } });

  const active = (await store.listActive()).map((record) => record.taskId);
  assert.ok(active.indexOf(running.taskId) < active.indexOf(waiting.taskId) && active.indexOf(running.taskId) >= 0);
  assert.ok(!active.includes(finished.taskId) && !active.includes(failed.taskId));
  assert.deepEqual((await store.listByStatus('rejected', 'failed')).map((record) => record.taskId).sort(), [finished.taskId, failed.taskId].sort());
});

test('an inactive task expires after the retention period; re-queueing it makes it permanent again', async () => {
  const record = await created({ status: 'running' });
  await store.appendFeedback(record.taskId, 'one more thing');
  const key = `${prefix}:tasks:${record.taskId}`;
  const threadKey = `${prefix}:tasks:_thread:${record.channel}:${record.threadTs}`;
  assert.equal(await connection.pttl(key), -1);
  await store.transition(record.taskId, { from: 'running', to: 'failed' });
  for (const each of [key, `${key}:feedback`, threadKey]) {
    const ttl = await connection.pttl(each);
    assert.ok(ttl > retentionMs - 60_000 && ttl <= retentionMs, `${each} expires in ${ttl} ms`);
  }
  await store.transition(record.taskId, { from: 'failed', to: 'queued' });
  for (const each of [key, `${key}:feedback`, threadKey]) assert.equal(await connection.pttl(each), -1);
});

test('a task whose record has expired is dropped from the status listing and its index', async () => {
  const record = await created({ status: 'awaiting_approval' });
  await store.transition(record.taskId, { from: 'awaiting_approval', to: 'merged' });
  assert.ok((await store.listByStatus('merged')).some((each) => each.taskId === record.taskId));
  await connection.del(`${prefix}:tasks:${record.taskId}`);
  assert.ok(!(await store.listByStatus('merged')).some((each) => each.taskId === record.taskId));
  assert.equal(await connection.zscore(`${prefix}:tasks:_status:merged`, record.taskId), null);
});

test('the same event id is claimed once: a Slack retry or double click is ignored', async () => {
  const results = [await store.claimEvent('Ev07ABCDEF'), await store.claimEvent('Ev07ABCDEF'), await store.claimEvent('Ev07ABCDEF')];
  assert.deepEqual(results, [true, false, false]);
  assert.equal(await store.claimEvent('action:1700000000.000300', 60), true);
  assert.ok((await connection.ttl(`${prefix}:events:Ev07ABCDEF`)) > 3000);
});

test('a corrupt record in Redis is reported as task_record_invalid, not returned', async () => {
  const notJson = await created();
  await connection.hset(`${prefix}:tasks:${notJson.taskId}`, 'iteration', 'two');
  await assert.rejects(store.get(notJson.taskId), hasCode('task_record_invalid'));
  const wrongType = await created();
  await connection.hset(`${prefix}:tasks:${wrongType.taskId}`, 'iteration', '"two"');
  await assert.rejects(store.get(wrongType.taskId), (error: unknown) => hasCode('task_record_invalid')(error) && /iteration/.test(String(error)));
  await assert.rejects(store.transition(wrongType.taskId, { from: 'screening', to: 'queued' }), hasCode('task_record_invalid'));
  const badStatus = await created();
  await connection.hset(`${prefix}:tasks:${badStatus.taskId}`, 'status', '"exploded"');
  await assert.rejects(store.transition(badStatus.taskId, { from: 'screening', to: 'queued' }), hasCode('task_record_invalid'));
});
