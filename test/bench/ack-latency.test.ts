import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAckLatency } from '../../bench/ack-latency-bench.ts';

// Issue 8, benchmark 1, the short form: `node --import tsx bench/ack-latency-bench.ts` is the full one.
test('ack latency: tandem gateway and bare Bolt ack every signed slash command; the figures are sane', async () => {
  const result = await runAckLatency({ requests: 60, concurrency: 10, warmUp: 10, rounds: 2, channels: 10 });
  type Side = { count: number; p50: number; p99: number; failures: number };
  const { bare, tandem, p99Ratio, tasksQueued } = result.details as { bare: Side; tandem: Side; p99Ratio: number; tasksQueued: number };
  for (const side of [bare, tandem]) {
    assert.equal(side.count, 60);
    assert.equal(side.failures, 0, 'every command got a 200');
    assert.ok(side.p50 > 0 && side.p99 >= side.p50 && side.p99 < 10_000, JSON.stringify(side));
  }
  assert.equal(tasksQueued, 70, 'every command to tandem became a queued task (warm-up included)');
  assert.ok(Number.isFinite(p99Ratio) && p99Ratio > 0);
  assert.equal(result.headlines[0]?.ratio, p99Ratio);
});
