import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addWorkJob } from '../../src/queue/queues.ts';
import { workJobSchema, type WorkJob } from '../../src/queue/work-job.ts';
import { assertNoDuplicatePosts, assertNothingRunning, assertPullRequestCount, assertThreadTellsOutcome } from '../kit/fault-checks.ts';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorFix, calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { spawnTandem, type SpawnedTandem } from '../kit/worker-process.ts';

// Issue 6, item 8, through a real `tandem worker` process: SIGTERM in the middle of a Coder
// call. The process exits 0; the job is back in `waiting` at its checkpoint (after the
// Planner), not a failed attempt; a job added after the signal is left alone; its Redis
// connections are gone. A second worker process then finishes the task: one branch, one PR.

let harness: GatewayHarness;
const processes: SpawnedTandem[] = [];

before(async () => {
  harness = await createGatewayHarness('worker-shutdown', 'http');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  await harness.startGateway();
});
after(async () => {
  for (const { child } of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(processes.map((worker) => worker.exited));
  await harness.close();
});

/** The clients Redis has connected right now (CLIENT LIST), one line each. */
async function redisClients(): Promise<string[]> {
  const list = (await harness.connection.client('LIST')) as string;
  return list.split('\n').filter((line) => line.trim() !== '');
}

test('SIGTERM mid-Coder: exit 0, the job waits at its checkpoint, connections closed; another worker finishes it with one PR', async (context) => {
  // The first Coder call hangs until its connection goes away; every later call answers.
  const team = fullTeam({ coder: (_chat, call) => (call === 1 ? { ...json(calculatorFix), delayMs: 600_000 } : json(calculatorFix)) });
  harness.ollama.setResponder(team);
  const coderCalls = () => harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'coder');
  const baseline = await redisClients();

  // Two slots, so the worker is free to take another job while its first one runs.
  const first = spawnTandem(['worker'], { ...harness.environment, LOG_LEVEL: 'info', WORKER_CONCURRENCY: '2' });
  processes.push(first);
  await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
  const task = await harness.waitForTask((record) => record.status === 'running', 'the running task');
  await waitFor(() => coderCalls()[0], `the first Coder call (worker output: ${first.output()})`, 30_000);
  const jobId = `${task.taskId}-1`;
  assert.equal(await (await harness.workQueue.getJob(jobId))!.getState(), 'active');
  assert.ok((await redisClients()).length > baseline.length, 'the worker process is connected');

  // The late job goes in the moment the process logs that it took the signal, while it shuts down.
  const lateJobAdded = new Promise<WorkJob>((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      if (!/"msg":"shutting down"/.test(chunk.toString())) return;
      first.child.stdout!.off('data', onOutput);
      addWorkJob(harness.workQueue, {
        taskId: 'task-after-signal',
        repo: { owner: 'acme', name: 'calc' },
        request: 'a job added after the signal',
        difficulty: 'low',
        reflection: false,
      }).then(resolve, reject);
    };
    first.child.stdout!.on('data', onOutput);
  });
  first.child.kill('SIGTERM');
  const lateJob = await lateJobAdded;
  const stillRunningWhenAdded = first.child.exitCode === null;
  context.diagnostic(`the worker process was still shutting down when the late job was added: ${stillRunningWhenAdded}`);
  assert.equal(await first.exited, 0, first.output());

  assert.equal(coderCalls()[0]!.aborted, true, 'the Coder call in flight was given up');
  const job = (await harness.workQueue.getJob(jobId))!;
  assert.equal(await job.getState(), 'waiting', 'back in the queue, not delayed as a retry');
  assert.equal(job.attemptsMade, 0, 'not counted as a failed attempt');
  assert.equal(job.failedReason, undefined);
  assert.equal(workJobSchema.parse(job.data).checkpoint?.stage, 'code', 'its checkpoint is after the Planner');
  // BullMQ may hand it over from a fetch that was already waiting; the worker gives it straight back.
  const late = (await harness.workQueue.getJob(`${lateJob.taskId}-1`))!;
  assert.equal(await late.getState(), 'waiting', `the job added after the signal was not taken (worker still up then: ${stillRunningWhenAdded})`);
  assert.equal(late.attemptsMade, 0);
  assert.equal(late.progress, 0, 'no work was done on it');
  assert.ok(!JSON.stringify(harness.ollama.requests).includes(lateJob.request), 'no model was asked about it');
  await late.remove();
  await waitFor(async () => ((await redisClients()).length === baseline.length ? true : undefined), 'its Redis connections to close', 5_000);
  assert.match(first.output(), /back in the queue at its checkpoint/, 'the log says where the job went');

  const second = spawnTandem(['worker'], harness.environment);
  processes.push(second);
  const done = await harness.waitForTask(
    (record) => record.taskId === task.taskId && ['awaiting_approval', 'stuck', 'failed'].includes(record.status) && (record.status !== 'awaiting_approval' || record.decisionMessageTs !== undefined),
    'the task to end',
    60_000,
  );
  assert.equal(done.status, 'awaiting_approval', done.reason);
  assert.equal(team.calls.get('planner'), 1, 'the second worker resumed after the Planner');
  assert.equal(coderCalls().length, 2);
  assert.equal((await harness.workQueue.getJob(jobId))!.attemptsMade, 1, 'one attempt in all: the one that finished');

  const thread = { channel, threadTs: done.threadTs! };
  await assertThreadTellsOutcome(harness.slack, thread, 'finished');
  assertNoDuplicatePosts(harness.slack, thread);
  assertPullRequestCount(harness.github, 'acme/calc', done.branch, 1);
  assert.deepEqual((await harness.remotes.branches('acme', 'calc')).filter((name) => name.startsWith('tandem/')), [done.branch]);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
  await assertNothingRunning({ queues: [harness.workQueue, harness.reportQueue], processes: [first, second] });
});
