import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runOrchestration, type TaskTiming } from '../../bench/orchestration-bench.ts';

// Issue 8, benchmark 3, the short form: `node --import tsx bench/orchestration-bench.ts` is the full one.
test('orchestration: two tasks on one repo clone it once; wall = model + tests + overhead; git children counted', async () => {
  const result = await runOrchestration({ tasks: 2 });
  const details = result.details as { timings: TaskTiming[]; reclones: number; sameWorkingCopy: boolean; ratio: number };
  assert.deepEqual(details.timings.map((timing) => timing.clones), [1, 0], 'the second task fetches into the kept working copy, it does not clone it');
  assert.equal(details.reclones, 0);
  assert.equal(details.sameWorkingCopy, true);
  for (const timing of details.timings) {
    assert.ok(timing.modelMs > 0 && timing.testMs > 0 && timing.bareGitMs > 0, JSON.stringify(timing));
    assert.ok(timing.overheadMs > 0 && timing.wallMs < 120_000, JSON.stringify(timing));
    assert.ok(Math.abs(timing.wallMs - timing.modelMs - timing.testMs - timing.overheadMs) < 1, 'the parts add up to the wall time');
    assert.ok(timing.gitCommands > 0 && timing.gitCommands <= 40, `the worker's git children are counted: ${timing.gitCommands}`);
    assert.ok(timing.gitMs > 0 && timing.gitMs < timing.wallMs, JSON.stringify(timing));
    assert.equal(timing.bareGitCommands, 5, 'clone or fetch, checkout, add, commit, push');
  }
  assert.ok(Number.isFinite(details.ratio) && details.ratio > 0);
  assert.equal(result.headlines.find((line) => line.measure.startsWith('clones after'))?.met, true);
});
