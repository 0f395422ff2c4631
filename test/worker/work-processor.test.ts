import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { publishCancel } from '../../src/queue/cancel-channel.ts';
import { addWorkJob, queueNames, workJobId } from '../../src/queue/queues.ts';
import { shutdownReason } from '../../src/worker/work-processor.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { recordingLogger } from '../kit/recording-logger.ts';
import { calculatorPlan, calculatorRepo, happyTeam, json, scriptedTeam } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';

let harness: WorkerHarness;

before(async () => {
  harness = await createWorkerHarness('processor');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  await harness.startWorker();
});
after(() => harness.close());

test('a malformed payload fails at once, without retries, with the reason in a report', async () => {
  await harness.workQueue.add(queueNames.work, { taskId: 'bad-payload', repo: { owner: 'acme' }, difficulty: 'low' }, { jobId: 'bad-payload-1', attempts: 3 });
  const report = await harness.waitForReport('bad-payload');
  assert.equal(report.status, 'failed');
  assert.equal(report.error?.code, 'job_payload_invalid');
  assert.match(report.error!.message, /repo\.name/);
  assert.match(report.error!.message, /request/);
  const job = await harness.workQueue.getJob('bad-payload-1');
  await waitFor(async () => ((await job!.getState()) === 'failed' ? true : undefined), 'the job to fail');
  const failed = await harness.workQueue.getJob('bad-payload-1');
  assert.equal(failed!.attemptsMade, 1);
  assert.match(failed!.failedReason, /job payload is invalid/);
});

test('cancelling a task aborts its model call in flight', async () => {
  let release: (() => void) | undefined;
  harness.ollama.setResponder(async (_chat, { signal }) => {
    await new Promise<void>((resolve) => {
      release = resolve;
      signal.addEventListener('abort', () => resolve());
    });
    return { content: '{}' };
  });
  await addWorkJob(harness.workQueue, { taskId: 'task-cancel', repo: { owner: 'acme', name: 'calc' }, request: 'fix add', difficulty: 'low', reflection: false });
  const planner = await waitFor(() => harness.ollama.chatRequests().find((chat) => personaOf(chat) === 'planner'), 'the Planner call');
  await publishCancel(harness.connection, harness.prefix, 'task-cancel');
  const report = await harness.waitForReport('task-cancel');
  release?.();
  assert.equal(report.status, 'failed');
  assert.equal(report.error?.code, 'task_cancelled');
  await waitFor(() => (planner.aborted ? true : undefined), 'the loopback Ollama to see the call aborted', 5000);
  const job = await harness.workQueue.getJob(workJobId('task-cancel', 1));
  assert.equal(job!.attemptsMade, 1, 'a cancelled task is not retried');
});

test('a worker shutting down puts its running task back in the queue at its checkpoint', async () => {
  // Only the worker under test may take the task.
  await harness.closeWorkers();
  const { logger, lines: logLines } = recordingLogger();
  const stopping = await harness.startWorker({}, logger);
  const chatsBefore = harness.ollama.chatRequests().length;
  harness.ollama.setResponder(
    scriptedTeam({ planner: () => json(calculatorPlan), coder: (_chat, _call) => new Promise(() => undefined) }),
  );
  await addWorkJob(harness.workQueue, { taskId: 'task-shutdown', repo: { owner: 'acme', name: 'calc' }, request: 'fix add', difficulty: 'low', reflection: false });
  await waitFor(() => harness.ollama.chatRequests().slice(chatsBefore).find((chat) => personaOf(chat) === 'coder'), 'the Coder call');
  await stopping.close();

  const job = await harness.workQueue.getJob(workJobId('task-shutdown', 1));
  assert.equal(await job!.getState(), 'waiting');
  assert.equal(job!.attemptsMade, 0, 'a shutdown does not use up an attempt');
  assert.equal(job!.data.checkpoint?.stage, 'code');
  assert.ok(logLines.some((line) => line.msg === 'task stopped' && line.level === 30 && line.reason === shutdownReason), 'the stop is logged at info, with its reason');
  assert.ok(!logLines.some((line) => line.msg === 'task failed' || line.level >= 50), 'a shutdown is no failure in the log');

  harness.ollama.setResponder(happyTeam());
  await harness.startWorker();
  const report = await harness.waitForReport('task-shutdown');
  assert.equal(report.status, 'passed');
  const planners = harness.ollama.chatRequests().slice(chatsBefore).filter((chat) => personaOf(chat) === 'planner');
  assert.equal(planners.length, 1, 'the resumed task was not planned again');
});
