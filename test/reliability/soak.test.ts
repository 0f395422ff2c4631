import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from '../../bench/soak.ts';

// Issue 6, item 10, the short form: `node --import tsx bench/soak.ts --tasks N | --minutes M` is the long one.
test('five tasks in a row: Redis keys grow by a bounded amount per task, handles return to baseline', async () => {
  const result = await runSoak({ tasks: 5 });
  assert.equal(result.samples.length, 5);
  console.log(`soak: ${result.keyGrowthPerTask.toFixed(2)} keys per task; rss ${result.baseline.rssMegabytes} → ${result.samples.at(-1)!.rssMegabytes} MB; handles ${result.handlesBefore} → ${result.handlesAfter}`);
  assert.ok(result.keyGrowthPerTask <= 25, `${result.keyGrowthPerTask} Redis keys per task`);
  const handleCounts = result.samples.map((sample) => sample.handleCount);
  assert.ok(Math.max(...handleCounts) - Math.min(...handleCounts) <= 10, `open handles stay flat across tasks: ${handleCounts.join(', ')}`);
  assert.ok(result.handlesAfter <= result.handlesBefore + 2, `handles after closing: ${result.handlesAfter} (before: ${result.handlesBefore})`);
});
