import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorFix, calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { startTandemProcess, type TandemProcess } from '../kit/worker-process.ts';

// Issue 6, item 1: a `tandem worker` process SIGKILLed in the middle of a Coder call. Its
// job's lock runs out, a second worker process takes the job over from its checkpoint
// (after the Planner), and the gateway (in-process) opens exactly one PR.

const lockMs = 2_000;
let harness: GatewayHarness;
const processes: TandemProcess[] = [];

before(async () => {
  harness = await createGatewayHarness('worker-crash', 'http', { WORKER_LOCK_MS: String(lockMs) });
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  await harness.startGateway();
});
after(async () => {
  await Promise.all(processes.map((worker) => worker.stop('SIGKILL')));
  await harness.close();
});

test('a worker SIGKILLed mid-Coder is taken over by another worker from its checkpoint; one PR', async (context) => {
  // The first Coder call hangs (until its connection goes away); every later call answers.
  const team = fullTeam({ coder: (_chat, call) => (call === 1 ? { ...json(calculatorFix), delayMs: 600_000 } : json(calculatorFix)) });
  harness.ollama.setResponder(team);
  const coderCalls = () => harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'coder');
  const first = startTandemProcess('worker', harness.environment);
  processes.push(first);

  await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
  const task = await harness.waitForTask((record) => record.status === 'running', 'the running task');
  await waitFor(() => coderCalls()[0], `the first Coder call (worker output: ${first.output()})`, 30_000);
  assert.equal(await first.stop('SIGKILL'), null, 'killed, not exited');
  const killedAt = Date.now();
  await waitFor(() => coderCalls()[0]!.aborted || undefined, 'the loopback to see the killed call go', 5_000);

  const second = startTandemProcess('worker', harness.environment);
  processes.push(second);
  await waitFor(() => coderCalls()[1], `the second worker's Coder call (output: ${second.output()})`, 30_000);
  const resumedAfterMs = Date.now() - killedAt;
  context.diagnostic(`the second worker resumed the Coder ${resumedAfterMs} ms after the kill`);
  // Worker start-up plus at most two stalled-job checks (each WORKER_LOCK_MS apart).
  assert.ok(resumedAfterMs < 10_000 + 2 * lockMs, `resumed ${resumedAfterMs} ms after the kill`);

  const done = await harness.waitForTask(
    (record) => record.taskId === task.taskId && ['awaiting_approval', 'stuck', 'failed'].includes(record.status) && (record.status !== 'awaiting_approval' || record.decisionMessageTs !== undefined),
    'the task to end',
    60_000,
  );
  assert.equal(done.status, 'awaiting_approval', done.reason);
  assert.equal(done.iteration, 1, 'the same iteration went on');
  assert.equal(team.calls.get('planner'), 1, 'the Planner was not asked again: the second worker resumed after it');
  assert.equal(coderCalls().length, 2);

  const pulls = harness.github.pulls('acme/calc');
  assert.equal(pulls.length, 1, 'exactly one PR');
  assert.equal(pulls[0]!.head, done.branch);
  const branches = (await harness.remotes.branches('acme', 'calc')).filter((name) => name.startsWith('tandem/'));
  assert.deepEqual(branches, [done.branch]);

  const thread = harness.slack.thread(channel, done.threadTs!).map((message) => message.text);
  assert.equal(thread.filter((text) => /\*Planner\*/.test(text)).length, 1, 'one Planner milestone in the thread');
  assert.equal(thread.filter((text) => /📝 \*Report\*/.test(text)).length, 1, 'one report in the thread');

  // Nothing left running: the queue is idle and the second worker stops cleanly.
  assert.deepEqual(await harness.workQueue.getJobCounts('active', 'waiting', 'delayed'), { active: 0, waiting: 0, delayed: 0 });
  assert.equal(await second.stop('SIGTERM'), 0, second.output());
});
