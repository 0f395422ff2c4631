import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScale, type ScaleRow } from '../../bench/scale-bench.ts';

// Issue 8, benchmark 5, the short form: `node --import tsx bench/scale-bench.ts` is the full one.
test('scale: one and two workers drain the same batch; throughput is measured against one worker', async () => {
  const result = await runScale({ tasks: 2, latencyMs: 100, workerCounts: [1, 2] });
  const rows = (result.details as { rows: ScaleRow[] }).rows;
  assert.deepEqual(rows.map((row) => [row.workers, row.tasks]), [[1, 2], [2, 2]]);
  assert.equal(rows[0]!.speedup, 1);
  for (const row of rows) assert.ok(row.seconds > 0 && row.tasksPerMinute > 0, JSON.stringify(row));
  assert.ok(rows[1]!.speedup > 0.5 && rows[1]!.speedup < 4, `two workers: ${rows[1]!.speedup}×`);
  assert.equal(result.headlines.length, 1);
});
