import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdleCopySweeper } from '../../../src/worker/workspace/idle-copy-sweeper.ts';
import { recordingLogger } from '../../kit/recording-logger.ts';
import { waitFor } from '../../kit/wait-for.ts';

/** A sweep the test ends by hand, with the limit it was given. */
interface PendingSweep {
  maxIdleMs: number;
  finish: (removed: number) => void;
  fail: (error: Error) => void;
}

function controlledSweeps() {
  const sweeps: PendingSweep[] = [];
  const removeIdleCopies = (maxIdleMs: number) =>
    new Promise<number>((resolve, reject) => sweeps.push({ maxIdleMs, finish: resolve, fail: reject }));
  return { sweeps, removeIdleCopies };
}

test('the sweeper sweeps at start and then at every interval, one sweep at a time', async () => {
  const { sweeps, removeIdleCopies } = controlledSweeps();
  const { logger } = recordingLogger();
  const sweeper = new IdleCopySweeper({ removeIdleCopies, maxIdleMs: 30 * 86_400_000, intervalMs: 20, logger });
  sweeper.start();
  assert.equal(sweeps.length, 1, 'the first sweep starts at once');
  assert.equal(sweeps[0]!.maxIdleMs, 30 * 86_400_000);

  // Several intervals pass while the first sweep runs: no second one starts beside it.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(sweeps.length, 1);
  sweeps[0]!.finish(2);
  await waitFor(() => sweeps.length === 2 || undefined, 'the next sweep', 5_000);
  sweeps[1]!.finish(0);
  await sweeper.close();
});

test('a failed sweep is logged and the next one still runs; close waits for the sweep under way and stops the rest', async () => {
  const { sweeps, removeIdleCopies } = controlledSweeps();
  const { logger, lines } = recordingLogger();
  const sweeper = new IdleCopySweeper({ removeIdleCopies, maxIdleMs: 1000, intervalMs: 20, logger });
  sweeper.start();
  sweeps[0]!.fail(new Error('EACCES: permission denied'));
  await waitFor(() => sweeps.length === 2 || undefined, 'a sweep after the failed one', 5_000);
  const warning = lines.find((line) => line.msg === 'could not delete the kept working copies left unused');
  assert.ok(warning, 'the failure is logged');
  assert.match(JSON.stringify(warning.err), /EACCES/);

  let closed = false;
  const closing = sweeper.close().then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(closed, false, 'close waits for the sweep under way');
  sweeps[1]!.finish(1);
  await closing;
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(sweeps.length, 2, 'no sweep after close');
  await sweeper.close();
});
