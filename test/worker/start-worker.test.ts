import assert from 'node:assert/strict';
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isTandemError } from '../../src/errors.ts';
import { listWorkers } from '../../src/queue/worker-registry.ts';
import { recordingLogger } from '../kit/recording-logger.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';

let harness: WorkerHarness;

before(async () => {
  harness = await createWorkerHarness('start-worker');
});
after(async () => {
  await harness.close();
});

test('a worker picks its test sandbox when it starts, before it registers and takes jobs', async () => {
  const { logger, lines } = recordingLogger();
  await harness.startWorker({}, logger);
  try {
    const messages = lines.map((line) => line.msg);
    const sandboxLine = messages.findIndex((message) => message === 'test sandbox selected' || message.startsWith('no sandbox available'));
    assert.notEqual(sandboxLine, -1, `no sandbox line among ${JSON.stringify(messages)}`);
    assert.ok(sandboxLine < messages.indexOf('worker ready'), `the sandbox is chosen before "worker ready": ${JSON.stringify(messages)}`);
    const chosen = lines[sandboxLine]!;
    assert.ok(typeof chosen.sandbox === 'string' && chosen.sandbox !== '', 'the line names the sandbox');
  } finally {
    await harness.closeWorkers();
  }
});

test('a TEST_SANDBOX this machine cannot provide stops the start with a reason naming it, and no worker registers', async () => {
  // sandbox-exec is macOS's; bwrap is Linux's. Whichever this machine is, the other one is missing.
  const unavailable = process.platform === 'darwin' ? 'bwrap' : 'sandbox-exec';
  await assert.rejects(harness.startWorker({ TEST_SANDBOX: unavailable }), (error: unknown) => {
    assert.ok(isTandemError(error), String(error));
    assert.equal(error.code, 'sandbox_unavailable');
    assert.match(error.message, new RegExp(`^TEST_SANDBOX=${unavailable} is not available on this machine`));
    return true;
  });
  const { workers } = await listWorkers(harness.connection, harness.prefix, { now: Date.now });
  assert.deepEqual(workers, []);
});

test('the kept working copies no task used for WORKSPACE_KEEP_DAYS are deleted when a worker starts; 0 keeps them', async () => {
  const day = 86_400_000;
  /** A copy under WORKSPACE_DIR last handed back `daysAgo` days ago. */
  const keptCopy = async (name: string, daysAgo: number) => {
    const dir = join(harness.workspaceDir, 'checkouts', 'acme', name, '0');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'README.md'), `# ${name}\n`);
    const handedBack = new Date(Date.now() - daysAgo * day);
    await utimes(dir, handedBack, handedBack);
    return dir;
  };
  const exists = (dir: string) => stat(dir).then(() => true, () => false);
  const stale = await keptCopy('stale', 40);
  const recent = await keptCopy('recent', 3);

  // close() waits for a sweep under way, so what is left after it is what the start's sweep left.
  await harness.startWorker({ WORKSPACE_KEEP_DAYS: '0' });
  await harness.closeWorkers();
  assert.equal(await exists(stale), true, 'WORKSPACE_KEEP_DAYS=0 keeps every copy');

  await harness.startWorker({ WORKSPACE_KEEP_DAYS: '7' });
  await harness.closeWorkers();
  assert.equal(await exists(stale), false, 'unused for 40 days, more than 7: deleted');
  assert.equal(await exists(recent), true, 'used 3 days ago: kept');
});
