import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Environment } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import type { TaskRecord } from '../../src/tasks/task-record.ts';
import { startWorkerRole, type WorkerRole } from '../../src/worker/start-worker.ts';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { assertNoDuplicatePosts, assertNothingRunning, assertPullRequestCount, assertThreadTellsOutcome } from '../kit/fault-checks.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorPlan, calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';

// Issue 6, item 5: Ollama unreachable, slower than the timeout, answering 500, or giving
// malformed, truncated or empty answers. Through the whole system, so the thread is checked.
// `/tandem cancel` aborting the call in flight is covered in test/gateway/slack-intake.test.ts
// ("/tandem status, help, and cancel stopping the worker's model call").

const modelTimeoutMs = 1_500;
const serverError = { status: 500, error: 'llama runner process has terminated' };

describe('Ollama faults, from the Slack thread', () => {
  let harness: GatewayHarness;
  let worker: WorkerRole | undefined;

  /** A worker role with a short model timeout and quick in-call retries (3 tries, 50 ms doubling). */
  async function startWorker(extra: Environment = {}): Promise<void> {
    await worker?.close();
    worker = await startWorkerRole({
      config: loadConfig({ ...harness.environment, ...extra }),
      redisUrl: harness.redis.url,
      logger: silentLogger,
      modelTimeoutMs,
      modelRetry: { baseDelayMs: 50 },
    });
  }

  before(async () => {
    harness = await createGatewayHarness('model-faults', 'http');
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam());
    await harness.startGateway();
  });
  after(async () => {
    await worker?.close();
    await harness.close();
  });

  const personaCalls = (persona: string, since: number) =>
    harness.ollama.chatRequests().slice(since).filter((chat) => personaOf(chat) === persona);
  const threadText = (record: TaskRecord) =>
    harness.slack
      .thread(channel, record.threadTs!)
      .map((message) => message.text)
      .join('\n');

  async function submit(request: string): Promise<TaskRecord> {
    await harness.driver.slashCommand({ text: `acme/calc ${request}`, userId: developer, channelId: channel });
    return harness.waitForTask((record) => record.request.includes(request), `the task "${request}"`);
  }

  async function settled(taskId: string, status: TaskRecord['status'], timeoutMs = 45_000): Promise<TaskRecord> {
    return harness.waitForTask(
      (record) => record.taskId === taskId && (record.status === status || ['failed', 'awaiting_approval', 'stuck', 'cancelled'].includes(record.status)),
      `task ${taskId} to be ${status}`,
      timeoutMs,
    );
  }

  /** Issue 6's checks on a task's end: the thread tells it, PRs for its branch, no doubled post, nothing running. */
  async function assertFourChecks(record: TaskRecord, outcome: 'finished' | RegExp, pullRequests: number): Promise<void> {
    const thread = { channel, threadTs: record.threadTs! };
    await assertThreadTellsOutcome(harness.slack, thread, outcome);
    assertPullRequestCount(harness.github, 'acme/calc', record.branch, pullRequests);
    assertNoDuplicatePosts(harness.slack, thread);
    await assertNothingRunning({ queues: [harness.workQueue, harness.reportQueue] });
  }

  async function replyInThread(record: TaskRecord, text: string): Promise<void> {
    const reply = harness.slack.addUserMessage({ channel, user: developer, text, threadTs: record.threadTs });
    await harness.driver.event({ type: 'message', channel, user: developer, text, ts: reply.ts, thread_ts: record.threadTs, channel_type: 'channel' });
  }

  test('Ollama answering 500 twice is retried within the call, and the task completes with one PR', async () => {
    await startWorker();
    const since = harness.ollama.chatRequests().length;
    harness.ollama.setResponder(fullTeam({ planner: (_chat, call) => (call <= 2 ? serverError : json(calculatorPlan)) }));
    const task = await submit('fix add after two 500s');
    const done = await settled(task.taskId, 'awaiting_approval');
    assert.equal(done.status, 'awaiting_approval', done.reason);
    assert.equal(personaCalls('planner', since).length, 3, 'two failed calls and the one that worked');
    const job = await harness.workQueue.getJob(`${task.taskId}-1`);
    assert.equal(job?.attemptsMade, 1, 'one job attempt (BullMQ counts the successful one): the job itself was not retried');
    await assertFourChecks(done, 'finished', 1);
  });

  test('Ollama always answering 500 fails the task after 3 × 3 calls with a clear thread message; a reply restarts it', async () => {
    await startWorker();
    const since = harness.ollama.chatRequests().length;
    harness.ollama.setResponder(fullTeam({ planner: () => serverError }));
    const task = await submit('fix add while ollama fails');
    const failed = await settled(task.taskId, 'failed');
    assert.equal(failed.status, 'failed');
    assert.equal(personaCalls('planner', since).length, 9, '3 job attempts × 3 tries each, no more');
    await assertFourChecks(failed, /answered 500: llama runner process has terminated/, 0);
    const text = threadText(failed);
    assert.match(text, new RegExp(`at ${harness.ollama.url.replace(/[.:/]/g, '\\$&')}`), 'names the URL');
    assert.match(text, new RegExp(harness.config.models.planner.replace(/[.:]/g, '\\$&')), 'names the model');
    assert.match(text, /Gave up after 3 attempts.*WORKER_OLLAMA_URL.*reply in this thread to try again/);
    const statusEdits = harness.slack.calls('chat.update').filter((call) => call.params.ts === failed.statusMessageTs);
    assert.ok(
      statusEdits.some((call) => /trying again in 5 s \(attempt 2 of 3\)/.test(JSON.stringify(call.params))),
      'the status line told the thread a retry was coming',
    );

    // The model is back: a reply in the thread runs the task again.
    harness.ollama.setResponder(fullTeam());
    await replyInThread(failed, 'ollama is back, please try again');
    const resumed = await harness.waitForTask(
      (record) => record.taskId === task.taskId && record.iteration === 2 && ['awaiting_approval', 'failed', 'stuck'].includes(record.status),
      'iteration 2 to finish',
      45_000,
    );
    assert.equal(resumed.status, 'awaiting_approval', resumed.reason);
    await assertFourChecks(resumed, 'finished', 1);
  });

  test('an unreachable Ollama fails the task naming the URL and what to do; once it is reachable a reply finishes it', async () => {
    harness.ollama.setResponder(fullTeam());
    await startWorker({ WORKER_OLLAMA_URL: 'http://127.0.0.1:9' });
    const task = await submit('fix add with ollama down');
    const failed = await settled(task.taskId, 'failed');
    assert.equal(failed.status, 'failed');
    await assertFourChecks(failed, /cannot reach Ollama at http:\/\/127\.0\.0\.1:9 for \S+ \(is `ollama serve` running there\?\) \(3 tries\)/, 0);
    assert.match(threadText(failed), /WORKER_OLLAMA_URL/);

    await startWorker();
    await replyInThread(failed, 'ollama is running again');
    const resumed = await harness.waitForTask(
      (record) => record.taskId === task.taskId && record.iteration === 2 && ['awaiting_approval', 'failed', 'stuck'].includes(record.status),
      'iteration 2 to finish',
      45_000,
    );
    assert.equal(resumed.status, 'awaiting_approval', resumed.reason);
    await assertFourChecks(resumed, 'finished', 1);
  });

  test('a call slower than the model timeout is model_timeout, retried by the job, and the task completes', async () => {
    await startWorker();
    const since = harness.ollama.chatRequests().length;
    harness.ollama.setResponder(
      fullTeam({ planner: (_chat, call) => (call === 1 ? { ...json(calculatorPlan), delayMs: modelTimeoutMs * 3 } : json(calculatorPlan)) }),
    );
    const task = await submit('fix add on a slow model');
    const done = await settled(task.taskId, 'awaiting_approval');
    assert.equal(done.status, 'awaiting_approval', done.reason);
    const planners = personaCalls('planner', since);
    assert.equal(planners.length, 2);
    assert.equal(planners[0]!.aborted, true, 'the slow call was given up, not left running');
    const job = await harness.workQueue.getJob(`${task.taskId}-1`);
    assert.equal(job?.attemptsMade, 2, 'one failed job attempt before the one that worked');
    const statusEdits = harness.slack.calls('chat.update').filter((call) => call.params.ts === done.statusMessageTs);
    assert.ok(statusEdits.some((call) => /model_timeout: .*did not answer within 2 s/.test(JSON.stringify(call.params))));
    await assertFourChecks(done, 'finished', 1);
  });

  test('truncated JSON, then an empty answer: one repair retry, then the Coder’s error in the thread and no PR', async () => {
    await startWorker();
    const since = harness.ollama.chatRequests().length;
    harness.ollama.setResponder(
      fullTeam({ coder: (_chat, call) => (call === 1 ? { content: '{"summary": "Fix add", "edits": [{"path": "src/add.js", "act' } : { content: '' }) }),
    );
    const task = await submit('fix add with a broken coder');
    const failed = await settled(task.taskId, 'failed');
    assert.equal(failed.status, 'failed');
    const coders = personaCalls('coder', since);
    assert.equal(coders.length, 2, 'the answer and one repair');
    assert.match(coders[1]!.messages.at(-1)!.content, /Your answer was rejected: the answer is not valid JSON/);
    await assertFourChecks(failed, /^Coder: the Coder \(\S+\) gave an invalid answer twice; last problem: the answer was empty/, 0);
  });
});
