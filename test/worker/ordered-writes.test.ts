import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { orderedWrites } from '../../src/worker/ordered-writes.ts';

test('writes are made one after another in the order asked, without the caller waiting for them', async () => {
  const writes = orderedWrites();
  const made: string[] = [];
  const slowWrite = (name: string, ms: number) => async () => {
    made.push(`${name} started`);
    await sleep(ms);
    made.push(`${name} done`);
  };
  writes.write(slowWrite('first', 30));
  writes.write(slowWrite('second', 1));
  assert.deepEqual(made, [], 'write returns before the write is made');
  await writes.written();
  assert.deepEqual(made, ['first started', 'first done', 'second started', 'second done']);
});

test('a failed write is reported by written, and the writes after it are not made', async () => {
  const writes = orderedWrites();
  const made: string[] = [];
  writes.write(async () => made.push('first'));
  writes.write(async () => {
    throw new Error('redis went away');
  });
  writes.write(async () => made.push('third'));
  await assert.rejects(writes.written(), /redis went away/);
  await assert.rejects(writes.written(), /redis went away/, 'still reported to a later caller');
  assert.throws(() => writes.write(async () => made.push('fourth')), /redis went away/, 'a later write is refused with the failure');
  assert.deepEqual(made, ['first']);
});
