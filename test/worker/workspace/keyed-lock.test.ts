import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedLock } from '../../../src/worker/workspace/keyed-lock.ts';

test('a keyed lock runs actions for one key one at a time, in order, and other keys freely', async () => {
  const lock = new KeyedLock();
  const events: string[] = [];
  const action = (name: string, delayMs: number) => async () => {
    events.push(`${name} start`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    events.push(`${name} end`);
    return name;
  };
  const failing = lock.run('a', async () => {
    events.push('a0 start');
    throw new Error('boom');
  });
  const results = await Promise.all([
    failing.catch((error: Error) => error.message),
    lock.run('a', action('a1', 30)),
    lock.run('a', action('a2', 1)),
    lock.run('b', action('b1', 1)),
  ]);
  assert.deepEqual(results, ['boom', 'a1', 'a2', 'b1']);
  assert.ok(events.indexOf('a1 end') < events.indexOf('a2 start'), 'a2 waited for a1');
  assert.ok(events.indexOf('b1 end') < events.indexOf('a1 end'), 'b did not wait for a');
});
