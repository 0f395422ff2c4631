import assert from 'node:assert/strict';
import { readFile } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { silentLogger } from '../../src/logger.ts';
import { BackgroundWork } from '../../src/slack/background-work.ts';

const thisFile = fileURLToPath(import.meta.url);

test('work started in an I/O callback waits for the rest of that I/O phase; drain waits for the work', async () => {
  const background = new BackgroundWork(silentLogger);
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    // A Slack request's listener runs in an I/O callback; the requests read in the same phase come next.
    readFile(thisFile, () => {
      background.run('deferred', async () => {
        order.push('work starts');
        await new Promise((done) => setTimeout(done, 20));
        order.push('work ends');
      });
      process.nextTick(() => order.push('next tick'));
      Promise.resolve().then(() => order.push('microtask'));
      order.push('listener returns');
      resolve();
    });
  });
  // Here the callback's ticks and microtasks (this one among them) have run; the loop has not gone on.
  assert.deepEqual(order, ['listener returns', 'next tick', 'microtask'], 'nothing of the work ran yet');
  await background.drain();
  assert.deepEqual(order, ['listener returns', 'next tick', 'microtask', 'work starts', 'work ends']);
});

test('a failure of deferred work is handed to its error handler', async () => {
  const background = new BackgroundWork(silentLogger);
  const seen: unknown[] = [];
  background.run('failing', async () => {
    throw new Error('slack went away');
  }, async (error) => {
    seen.push(error);
  });
  await background.drain();
  assert.equal(seen.length, 1);
  assert.match(String(seen[0]), /slack went away/);
});
