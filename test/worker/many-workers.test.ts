import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { addWorkJob, workJobId } from '../../src/queue/queues.ts';
import { listWorkers, type RegisteredWorker } from '../../src/queue/worker-registry.ts';
import type { ChatResponder } from '../kit/ollama-server.ts';
import { calculatorRepo, happyTeam } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { startWorkerProcess, type TandemProcess } from '../kit/worker-process.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';

// Issue 7, item 4: N worker processes on one `work` queue, each registered in Redis with
// a heartbeat. Every test has its own harness (Redis prefix, remotes, loopback Ollama).

const heartbeatMs = 500;
const taskIds = (label: string) => Array.from({ length: 6 }, (_, index) => `${label}-${index + 1}`);
let harness: WorkerHarness | undefined;
const processes: TandemProcess[] = [];

afterEach(async () => {
  await Promise.all(processes.splice(0).map((worker) => worker.stop('SIGKILL')));
  await harness?.close();
  harness = undefined;
});

/** The happy team, each answer 150 ms late: a task takes long enough for both workers to get some. */
function slowTeam(): ChatResponder {
  const team = happyTeam();
  return async (chat, ...rest) => ({ ...(await team(chat, ...rest)), delayMs: 150 });
}

async function startHarness(label: string): Promise<WorkerHarness> {
  // The loopback's worker model is sized like the real one (~52 GB): a Mac Mini's budget, not this machine's.
  harness = await createWorkerHarness(label, { WORKER_LOCK_MS: '2000', WORKER_MEMORY_GB: '256' });
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  harness.ollama.setResponder(slowTeam());
  return harness;
}

const listing = (current: WorkerHarness) => listWorkers(current.connection, current.prefix, { now: Date.now });
const workerOf = (workers: RegisteredWorker[], process: TandemProcess) => workers.find((worker) => worker.pid === process.child.pid);

/** Two worker processes, both registered and online. */
async function startTwoWorkers(current: WorkerHarness): Promise<[TandemProcess, TandemProcess]> {
  const pair: [TandemProcess, TandemProcess] = [startWorkerProcess(current.environment, heartbeatMs), startWorkerProcess(current.environment, heartbeatMs)];
  processes.push(...pair);
  await waitFor(async () => ((await listing(current)).workers.length === 2 || undefined), `two registered workers (${pair.map((worker) => worker.output()).join(' | ')})`, 30_000);
  return pair;
}

async function enqueue(current: WorkerHarness, ids: string[]): Promise<void> {
  for (const taskId of ids) {
    await addWorkJob(current.workQueue, { taskId, repo: { owner: 'acme', name: 'calc' }, request: 'fix add', difficulty: 'low', reflection: false });
  }
}

/** Every task's report, exactly one each, all passed, on a branch of its own; returns who completed each job. */
async function assertOneReportEach(current: WorkerHarness, ids: string[]): Promise<Map<string, string>> {
  for (const taskId of ids) {
    const report = await current.waitForReport(taskId, 1, 120_000);
    assert.equal(report.status, 'passed', `${taskId}: ${JSON.stringify(report.error)}`);
  }
  const reports = await current.reportQueue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
  assert.deepEqual(reports.map((job) => job.data.taskId).sort(), [...ids].sort(), 'one report per task');
  const branches = (await current.remotes.branches('acme', 'calc')).filter((name) => name.startsWith('tandem/'));
  assert.equal(branches.length, ids.length, 'one branch per task');
  const processedBy = new Map<string, string>();
  for (const taskId of ids) {
    const job = await waitFor(async () => {
      const candidate = await current.workQueue.getJob(workJobId(taskId, 1));
      return candidate && (await candidate.getState()) === 'completed' ? candidate : undefined;
    }, `${taskId}'s work job to complete`, 10_000);
    processedBy.set(taskId, job.processedBy ?? '?');
  }
  return processedBy;
}

test('two workers share six tasks: both do some, every task gets exactly one report', async (context) => {
  const current = await startHarness('many-workers-share');
  const [first, second] = await startTwoWorkers(current);
  const names = (await listing(current)).workers;
  const started = Date.now();
  const ids = taskIds('share');
  await enqueue(current, ids);

  const processedBy = await assertOneReportEach(current, ids);
  context.diagnostic(`six tasks on two workers in ${Date.now() - started} ms: ${JSON.stringify(Object.fromEntries(processedBy))}`);
  const firstName = workerOf(names, first)!.name;
  const secondName = workerOf(names, second)!.name;
  const counts = [firstName, secondName].map((name) => [...processedBy.values()].filter((by) => by === name).length);
  assert.ok(counts[0]! > 0 && counts[1]! > 0, `both workers did some (${counts.join(' + ')})`);
  assert.equal(counts[0]! + counts[1]!, 6);
});

test('a worker SIGKILLed mid-task loses none of its tasks; the registry marks it silent, then forgets it', async (context) => {
  const current = await startHarness('many-workers-kill');
  const [doomed, survivor] = await startTwoWorkers(current);
  const ids = taskIds('kill');
  await enqueue(current, ids);

  // Killed while its registration says it runs a task.
  const busy = await waitFor(async () => {
    const worker = workerOf((await listing(current)).workers, doomed);
    return worker && worker.running.length > 0 ? worker : undefined;
  }, 'the doomed worker to run a task', 30_000);
  assert.equal(await doomed.stop('SIGKILL'), null, 'killed, not exited');
  const killedAt = Date.now();

  // Still listed, gone silent, with what it was running; the survivor stays online.
  const silent = await waitFor(async () => {
    const workers = (await listing(current)).workers;
    const dead = workerOf(workers, doomed);
    const alive = workerOf(workers, survivor);
    return dead?.silent && alive && !alive.silent ? dead : undefined;
  }, 'the killed worker to be marked silent', 10_000);
  assert.deepEqual(silent.running, busy.running);
  context.diagnostic(`marked silent ${Date.now() - killedAt} ms after the kill`);

  const processedBy = await assertOneReportEach(current, ids);
  const survivorName = workerOf((await listing(current)).workers, survivor)!.name;
  for (const taskId of busy.running) assert.equal(processedBy.get(taskId), survivorName, `${taskId} was taken over by the survivor`);
  context.diagnostic(`all six done ${Date.now() - killedAt} ms after the kill`);

  // The dead worker's record expires (10 heartbeats); the survivor's goes when it closes.
  await waitFor(async () => (workerOf((await listing(current)).workers, doomed) ? undefined : true), 'the dead worker to leave the registry', 10 * heartbeatMs + 5_000);
  assert.equal(await survivor.stop('SIGTERM'), 0, survivor.output());
  assert.deepEqual(await listing(current), { workers: [], unreadable: [] });
});
