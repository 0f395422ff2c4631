import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../src/logger.ts';
import { listWorkers } from '../../src/queue/worker-registry.ts';
import { WorkerRegistration } from '../../src/worker/worker-registration.ts';
import { channel, createGatewayHarness, developer, lead, secondLead, type GatewayHarness } from '../kit/gateway-harness.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';

describe('Slack intake over HTTP: signatures, retries, guardrail, routing, commands', () => {
  let harness: GatewayHarness;

  before(async () => {
    harness = await createGatewayHarness('intake-http', 'http', { ALLOWED_USERS: `${developer}` });
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam());
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness.close());

  const taskCount = async () => (await harness.tasks.listByStatus('screening', 'queued', 'running', 'blocked', 'awaiting_approval', 'cancelled', 'failed')).length;

  test('a bad signature and a replayed old timestamp get 401 and do nothing', async () => {
    const postsBefore = harness.slack.calls('chat.postMessage').length;
    const forged = await harness.driver.slashCommand({ text: 'acme/calc fix add', userId: developer, channelId: channel, signature: 'v0=' + '0'.repeat(64) });
    assert.equal(forged.status, 401);
    const old = await harness.driver.slashCommand({ text: 'acme/calc fix add', userId: developer, channelId: channel, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    assert.equal(old.status, 401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(harness.slack.calls('chat.postMessage').length, postsBefore);
    assert.equal(await taskCount(), 0);
  });

  test('the same event_id delivered three times makes one task, threaded under the mention', async () => {
    const message = harness.slack.addUserMessage({ channel, user: developer, text: '<@UTANDEM> acme/calc fix add so it adds' });
    const event = { type: 'app_mention', channel, user: developer, text: message.text, ts: message.ts };
    for (const retryNum of [undefined, 1, 2]) {
      const delivery = await harness.driver.event(event, { eventId: 'Ev0SAME', retryNum, retryReason: retryNum ? 'http_timeout' : undefined });
      assert.equal(delivery.status, 200);
    }
    const task = await harness.waitForTask((record) => record.threadTs === message.ts, 'the mention’s task');
    await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the mention’s PR', 90_000);
    const tasks = await harness.tasks.listByStatus('screening', 'queued', 'running', 'awaiting_approval');
    assert.equal(tasks.filter((record) => record.threadTs === message.ts).length, 1);
    assert.equal(harness.github.pulls('acme/calc').length, 1);
  });

  test('a request carrying a secret is blocked in the thread without echoing it, and nothing is queued', async () => {
    const secret = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const jobsBefore = await harness.workQueue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed');
    await harness.driver.slashCommand({ text: `acme/calc push with token ${secret} please`, userId: developer, channelId: channel });
    const task = await harness.waitForTask((record) => record.status === 'blocked', 'the blocked task');
    assert.doesNotMatch(task.request, /A1b2C3d4/, 'the stored request is redacted');
    await harness.slack.waitFor(() => harness.slack.thread(channel, task.threadTs!).find((message) => /⛔.*secret/.test(message.text)), 5000, 'the refusal in the thread');
    assert.doesNotMatch(JSON.stringify(harness.slack.calls().map((call) => call.params)), /A1b2C3d4E5f6/, 'no Slack call carries the secret');
    assert.doesNotMatch(JSON.stringify(harness.ollama.chatRequests()), /A1b2C3d4E5f6/, 'no model saw it');
    const jobsAfter = await harness.workQueue.getJobCountByTypes('waiting', 'active', 'completed', 'failed', 'delayed');
    assert.equal(jobsAfter, jobsBefore, 'nothing was queued');
  });

  test('the judge blocks what the rules let through, and nothing is queued', async () => {
    harness.ollama.setResponder(
      fullTeam({ guardrail: () => json({ verdict: 'block', category: 'abuse', reason: 'this asks for a crypto miner in the test suite' }) }),
    );
    try {
      await harness.driver.slashCommand({ text: 'acme/calc hide a crypto miner in the tests', userId: developer, channelId: channel });
      const task = await harness.waitForTask((record) => record.status === 'blocked' && /miner/.test(record.request), 'the judged task');
      await harness.slack.waitFor(
        () => harness.slack.thread(channel, task.threadTs!).find((message) => /crypto miner in the test suite/.test(message.text)),
        5000,
        'the judge’s reason in the thread',
      );
      assert.equal(harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'router' && /crypto miner/.test(JSON.stringify(chat.messages))).length, 0);
    } finally {
      harness.ollama.setResponder(fullTeam());
    }
  });

  test('users, repositories and empty requests are checked before anything is posted', async () => {
    const stranger = await harness.driver.slashCommand({ text: 'acme/calc fix add', userId: 'USTRANGER', channelId: channel });
    const otherRepo = await harness.driver.slashCommand({ text: 'acme/secret fix add', userId: developer, channelId: channel });
    assert.equal(stranger.status, 200);
    assert.equal(otherRepo.status, 200);
    await harness.slack.waitFor(() => harness.slack.responses().some((response) => /allowed users/.test(JSON.stringify(response.body))), 5000, 'the refusal');
    await harness.slack.waitFor(() => harness.slack.responses().some((response) => /acme\/secret is not one of/.test(JSON.stringify(response.body))), 5000, 'the repo refusal');
    assert.equal(harness.slack.messages().filter((message) => /acme\/secret/.test(message.text)).length, 0);
    assert.equal((await harness.tasks.listActive()).filter((record) => record.requester === 'USTRANGER').length, 0);
  });

  test('a router that is not sure asks the leads; a non-lead click does nothing; a lead’s click queues', async () => {
    harness.ollama.setResponder(fullTeam({ router: () => json({ difficulty: 'high', reflection: true, confident: false, reason: 'the request is vague' }) }));
    try {
      await harness.driver.slashCommand({ text: 'acme/calc make it better', userId: developer, channelId: channel });
      const task = await harness.waitForTask((record) => /make it better/.test(record.request), 'the unsure task');
      const question = await harness.slack.waitFor(
        () => harness.slack.thread(channel, task.threadTs!).find((message) => /tandem_route_medium/.test(JSON.stringify(message.blocks))),
        10_000,
        'the question to the leads',
      );
      assert.match(question.text, /<@ULEAD1>/);
      assert.equal((await harness.tasks.get(task.taskId))!.status, 'screening');

      await harness.driver.blockAction({ actionId: 'tandem_route_medium', value: task.taskId, userId: developer, channelId: channel, messageTs: question.ts, threadTs: task.threadTs });
      await harness.slack.waitFor(() => harness.slack.responses().some((response) => /Only human leads can set/.test(JSON.stringify(response.body))), 5000, 'the refusal');
      assert.equal((await harness.tasks.get(task.taskId))!.status, 'screening');

      await harness.driver.blockAction({ actionId: 'tandem_route_medium', value: task.taskId, userId: lead, channelId: channel, messageTs: question.ts, threadTs: task.threadTs });
      const queued = await harness.waitForTask((record) => record.taskId === task.taskId && record.status !== 'screening', 'the routed task');
      assert.equal(queued.difficulty, 'medium');
      // The status moves first, then the job is added: wait for the job rather than race it.
      const job = await waitFor(() => harness.workQueue.getJob(`${task.taskId}-1`), 'the work job');
      assert.equal(job.data.difficulty, 'medium');
      await harness.slack.waitFor(() => harness.slack.messages(channel).find((message) => message.ts === question.ts && /set the difficulty to \*medium\*/.test(message.text)), 5000, 'the outcome');
      await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the routed task’s PR', 90_000);
    } finally {
      harness.ollama.setResponder(fullTeam());
    }
  });

  test('/tandem status, help, and cancel stopping the worker’s model call', async () => {
    harness.ollama.setResponder(fullTeam({ planner: () => ({ content: '{}', delayMs: 60_000 }) }));
    const plannerCalls = () => harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'planner');
    const plannerCallsBefore = plannerCalls().length;
    try {
      await harness.driver.slashCommand({ text: 'acme/calc add a subtract helper', userId: developer, channelId: channel });
      const task = await harness.waitForTask((record) => /subtract helper/.test(record.request) && record.status === 'running', 'the running task');
      await harness.slack.waitFor(() => plannerCalls().length > plannerCallsBefore, 10_000, 'the planner call to start');

      const text = 'use a named export please';
      const reply = harness.slack.addUserMessage({ channel, user: developer, text, threadTs: task.threadTs });
      await harness.driver.event({ type: 'message', channel, user: developer, text, ts: reply.ts, thread_ts: task.threadTs, channel_type: 'channel' });
      await harness.slack.waitFor(() => harness.slack.thread(channel, task.threadTs!).some((message) => /Noted/.test(message.text)), 5000, 'the acknowledgement');
      const kept = await harness.tasks.get(task.taskId);
      assert.deepEqual(kept!.pendingFeedback, ['<@UDEV1>: use a named export please'], 'kept for the next iteration');
      assert.equal(kept!.status, 'running', 'the running iteration goes on');

      // The worker rewrites its registration shortly after a job starts (refreshSoon), not at once.
      await waitFor(async () => (await listWorkers(harness.connection, harness.prefix, { now: Date.now })).workers.find((worker) => worker.running.includes(task.taskId)), 'the registration to list the running task', 5000);

      // What a Mac Mini that died without closing leaves: a registration whose heartbeat stopped a minute ago.
      const gone = new WorkerRegistration({
        redis: harness.connection, prefix: harness.prefix, name: 'mini-gone-77-0000', host: 'mini-gone',
        models: harness.config.models, concurrency: 2, runningJobs: () => ['a1b2c3d4-1'], logger: silentLogger,
        now: () => Date.now() - 60_000, heartbeatMs: 1_000,
      });
      await gone.start();
      const status = await harness.driver.slashCommand({ text: 'status', userId: developer, channelId: channel });
      const statusText = await harness.slack.waitFor(
        () => harness.slack.responses(String((status.payload as { response_url: string }).response_url)).map((response) => JSON.stringify(response.body)).find(Boolean),
        5000,
        'the status answer',
      );
      await gone.close();
      assert.match(statusText, /Workers online\* — 1 · 1 gone silent/);
      const workerLine = (name: RegExp) => statusText.split('\\n').find((line) => name.test(line)) ?? '';
      const live = workerLine(new RegExp(`\`${hostname()}-${process.pid}-[0-9a-f]{4}\` on ${hostname()}`));
      assert.match(live, new RegExp(`running \`${task.taskId}\` · heartbeat \\d+s ago · concurrency 1 · up [\\dhms]+ · `));
      assert.match(live, /qwen3-coder-next:q4_K_M \(planner, coder, reviewer, tester\)/);
      const silent = workerLine(/mini-gone/);
      assert.match(silent, /`mini-gone-77-0000` on mini-gone · ⚠️ \*gone silent\*, last heartbeat 1m0\ds ago · was running `a1b2c3d4` · concurrency 2/);
      assert.match(statusText, new RegExp(task.taskId));
      assert.match(statusText, /Planner/);
      assert.match(statusText, /Models at http:\/\/127\.0\.0\.1/);

      const help = await harness.driver.slashCommand({ text: 'help', userId: developer, channelId: channel });
      await harness.slack.waitFor(() => harness.slack.responses(String((help.payload as { response_url: string }).response_url)).some((response) => /cancel <task>/.test(JSON.stringify(response.body))), 5000, 'help');

      await harness.driver.slashCommand({ text: `cancel ${task.taskId}`, userId: developer, channelId: channel });
      await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'cancelled', 'the cancellation');
      await harness.slack.waitFor(() => harness.slack.thread(channel, task.threadTs!).some((message) => /Cancelled by <@UDEV1>/.test(message.text)), 5000, 'the thread’s note');
      await harness.slack.waitFor(
        () => plannerCalls()[plannerCallsBefore]?.aborted,
        10_000,
        'the planner call to be aborted',
      );
    } finally {
      harness.ollama.setResponder(fullTeam());
    }
  });
});

describe('a change the output guardrail blocks', () => {
  let harness: GatewayHarness;
  before(async () => {
    harness = await createGatewayHarness('output-blocked', 'http');
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    const workflow = { path: '.github/workflows/deploy.yml', action: 'write', content: 'on: push\njobs: {}\n' };
    harness.ollama.setResponder(fullTeam({ coder: () => json({ summary: 'Fix add and add a deploy workflow', edits: [workflow] }) }));
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness.close());

  test('is not pushed, opens no PR, and the thread says why', async () => {
    await harness.driver.slashCommand({ text: 'acme/calc fix add and deploy it', userId: developer, channelId: channel });
    const task = await harness.waitForTask((record) => record.status === 'failed', 'the blocked task', 90_000);
    await harness.slack.waitFor(
      () => harness.slack.thread(channel, task.threadTs!).find((message) => /The task failed: .*\.github\/workflows\/deploy\.yml/.test(message.text)),
      5000,
      'the reason in the thread',
    );
    assert.equal(harness.github.pulls('acme/calc').length, 0);
  });
});

describe('REQUIRE_SEPARATE_APPROVER', () => {
  let harness: GatewayHarness;
  before(async () => {
    harness = await createGatewayHarness('separate-approver', 'http', { REQUIRE_SEPARATE_APPROVER: 'true' });
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam());
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness.close());

  test('the lead who asked cannot approve; another lead can', async () => {
    await harness.driver.slashCommand({ text: 'acme/calc fix add', userId: lead, channelId: channel });
    const task = await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the PR', 90_000);
    const click = (userId: string) =>
      harness.driver.blockAction({ actionId: 'tandem_approve', value: `${task.taskId}:1`, userId, channelId: channel, messageTs: task.decisionMessageTs!, threadTs: task.threadTs });
    await click(lead);
    await harness.slack.waitFor(() => harness.slack.responses().some((response) => /another human lead must approve/.test(JSON.stringify(response.body))), 5000, 'the refusal');
    assert.equal((await harness.tasks.get(task.taskId))!.status, 'awaiting_approval');
    assert.equal(harness.github.merges.length, 0);
    await click(secondLead);
    await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'merged', 'the merge', 20_000);
  });
});

describe('a stuck task', () => {
  let harness: GatewayHarness;
  before(async () => {
    harness = await createGatewayHarness('stuck', 'http', { CODER_MAX_ATTEMPTS: '1' });
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam({ coder: () => json({ summary: 'Try something', edits: [{ path: 'NOTES.md', action: 'write', content: 'thinking\n' }] }) }));
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness.close());

  test('gets a draft PR, what failed, the SOS prompt and the test output as a file', async () => {
    await harness.driver.slashCommand({ text: 'acme/calc fix add', userId: developer, channelId: channel });
    const task = await harness.waitForTask((record) => record.status === 'stuck' && record.decisionMessageTs !== undefined, 'the stuck task', 90_000);
    const pull = harness.github.pulls('acme/calc')[0]!;
    assert.equal(pull.draft, true);
    const report = await waitFor(
      async () => {
        const latest = await harness.tasks.get(task.taskId);
        return harness.slack.thread(channel, task.threadTs!).find((message) => message.ts === latest?.decisionMessageTs);
      },
      'the stuck report',
      5000,
    );
    assert.match(report.text, /Stuck/);
    assert.match(JSON.stringify(report.blocks), /SOS prompt is ready to paste/);
    assert.match(JSON.stringify(report.blocks), /tandem_reject/);
    assert.doesNotMatch(JSON.stringify(report.blocks), /tandem_approve/, 'a stuck draft cannot be approved');
    await harness.slack.waitFor(() => harness.slack.files().find((file) => /adds two numbers/.test(String(file.content))), 5000, 'the test output file');
  });
});
