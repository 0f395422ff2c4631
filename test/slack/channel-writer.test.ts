import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChannelWriter } from '../../src/slack/channel-writer.ts';

test('writes to one channel are spaced by the minimum interval and keep their order', async () => {
  const writer = new ChannelWriter({ minIntervalMs: 100 });
  const startedAt: number[] = [];
  const order: number[] = [];
  await Promise.all(
    [1, 2, 3].map((index) =>
      writer.write('C1', async () => {
        startedAt.push(Date.now());
        order.push(index);
        return index;
      }),
    ),
  );
  assert.deepEqual(order, [1, 2, 3]);
  assert.ok(startedAt[1]! - startedAt[0]! >= 95, `second write ${startedAt[1]! - startedAt[0]!} ms after the first`);
  assert.ok(startedAt[2]! - startedAt[1]! >= 95, `third write ${startedAt[2]! - startedAt[1]!} ms after the second`);
});

test('different channels do not wait for each other', async () => {
  const writer = new ChannelWriter({ minIntervalMs: 500 });
  const started = Date.now();
  await Promise.all([writer.write('C1', async () => 1), writer.write('C2', async () => 2), writer.write('C3', async () => 3)]);
  assert.ok(Date.now() - started < 400, 'three channels wrote at once');
});

test('waiting edits of the same message collapse into the newest, and every caller gets its result', async () => {
  const writer = new ChannelWriter({ minIntervalMs: 50 });
  const written: string[] = [];
  const first = writer.write('C1', async () => written.push('post'));
  const edits = ['a', 'b', 'c'].map((text) =>
    writer.write('C1', async () => {
      written.push(`edit ${text}`);
      return text;
    }, 'update:1.0'),
  );
  await first;
  assert.deepEqual(await Promise.all(edits), ['c', 'c', 'c']);
  assert.deepEqual(written, ['post', 'edit c']);
});

test('a failed write rejects its callers and the channel goes on', async () => {
  const writer = new ChannelWriter({ minIntervalMs: 0 });
  await assert.rejects(writer.write('C1', async () => { throw new Error('ratelimited'); }), /ratelimited/);
  assert.equal(await writer.write('C1', async () => 'next'), 'next');
});

test('a newer edit of a waiting message takes its turn after the writes queued before it', async () => {
  const writer = new ChannelWriter({ minIntervalMs: 30 });
  const written: string[] = [];
  const record = (text: string) => async () => void written.push(text);
  const writes = [
    writer.write('C1', record('post header')),
    writer.write('C1', record('status: planner'), 'update:status'),
    writer.write('C1', record('reply: planner')),
    writer.write('C1', record('status: coder'), 'update:status'),
  ];
  await Promise.all(writes);
  assert.deepEqual(written, ['post header', 'reply: planner', 'status: coder'], 'the status never runs ahead of the reply before it');
});

test('a write waiting out the interval can still be replaced by a newer edit', async () => {
  const writer = new ChannelWriter({ minIntervalMs: 200 });
  const written: string[] = [];
  await writer.write('C1', async () => void written.push('post'));
  const first = writer.write('C1', async () => void written.push('edit 1'), 'update:1.0');
  await new Promise((resolve) => setTimeout(resolve, 100)); // the writer is waiting for its turn now
  const second = writer.write('C1', async () => void written.push('edit 2'), 'update:1.0');
  await Promise.all([first, second]);
  assert.deepEqual(written, ['post', 'edit 2']);
});
