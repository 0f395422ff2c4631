import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runQueueHandoff } from '../../bench/queue-handoff-bench.ts';
import type { Spread } from '../../bench/bench-report.ts';

// Issue 8, benchmark 2, the short form: `node --import tsx bench/queue-handoff-bench.ts` is the full one.
test('queue hand-off: every job reaches processing through tandem and through bare BullMQ; the figures are sane', async () => {
  const result = await runQueueHandoff({ jobs: 40, warmUp: 5, roundSize: 20 });
  const details = result.details as { tandem: { add: Spread; handoff: Spread }; bare: { add: Spread; handoff: Spread }; p50Ratio: number };
  for (const side of [details.tandem, details.bare]) {
    assert.equal(side.handoff.count, 40);
    assert.equal(side.add.count, 40);
    assert.ok(side.handoff.p50 > 0 && side.handoff.p99 >= side.handoff.p50 && side.handoff.p99 < 5000, JSON.stringify(side.handoff));
  }
  assert.ok(Number.isFinite(details.p50Ratio) && details.p50Ratio > 0);
});
