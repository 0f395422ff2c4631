import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { startTandemProcess, type TandemProcess } from '../kit/worker-process.ts';

let harness: GatewayHarness;
const processes: TandemProcess[] = [];

before(async () => {
  harness = await createGatewayHarness('gateway-restart', 'socket');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
});
after(async () => {
  await Promise.all(processes.map((running) => running.stop('SIGKILL')));
  await harness.close();
});

function start(command: 'worker' | 'gateway'): TandemProcess {
  const running = startTandemProcess(command, { ...harness.environment, LOG_LEVEL: 'warn' });
  processes.push(running);
  return running;
}

/** Milestone replies read `<emoji> *Persona* — …`; the status message reads `*Persona* · …`. */
const count = (texts: string[], pattern: RegExp) => texts.filter((text) => pattern.test(text)).length;

test('a gateway killed mid-task delivers the waiting report once on restart, after the milestones it missed', async () => {
  // The Tester answers only when the test lets it, so the gateway can be killed before that.
  let releaseTester!: () => void;
  const testerReleased = new Promise<void>((resolve) => (releaseTester = resolve));
  harness.ollama.setResponder(
    fullTeam({
      tester: async () => {
        await testerReleased;
        return json({ passed: true, summary: 'All scenarios are covered and pass.', uncovered: [] });
      },
    }),
  );
  const worker = start('worker');
  let gateway = start('gateway');
  await harness.slack.socket.connected(30_000);

  await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
  await waitFor(() => harness.ollama.chatRequests().find((chat) => personaOf(chat) === 'tester'), `the Tester call (gateway: ${gateway.output()})`, 30_000);
  const task = await harness.waitForTask((record) => record.status === 'running', 'the running task', 10_000);
  const threadTexts = () => harness.slack.thread(channel, task.threadTs!).map((message) => message.text);
  await waitFor(() => (count(threadTexts(), /\*Reviewer\* —/) === 1 ? true : undefined), 'the Reviewer milestone', 10_000);

  assert.equal(await gateway.stop('SIGKILL'), null);
  await waitFor(() => (harness.slack.socket.connectionCount() === 0 ? true : undefined), 'the socket to drop', 10_000);
  releaseTester();
  const report = await harness.waitForReport(task.taskId, 1, 30_000);
  assert.equal(report.status, 'passed');
  assert.equal(harness.github.pulls('acme/calc').length, 0, 'no PR while the gateway is down');
  assert.equal(count(threadTexts(), /\*Tester\* —/), 0, `the Tester milestone waits for the gateway:\n${threadTexts().join('\n')}`);

  gateway = start('gateway');
  const waiting = await harness.waitForTask(
    (record) => record.taskId === task.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
    `the report after the restart (gateway: ${gateway.output()})`,
    30_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show up
  const pulls = harness.github.pulls('acme/calc');
  assert.equal(pulls.length, 1, 'exactly one PR');
  assert.equal(waiting.prNumber, pulls[0]!.number);

  const thread = harness.slack.thread(channel, task.threadTs!);
  const texts = thread.map((message) => message.text);
  for (const persona of ['Planner', 'Coder', 'Reviewer', 'Tester']) {
    assert.equal(count(texts, new RegExp(`\\*${persona}\\* —`)), 1, `one ${persona} milestone in:\n${texts.join('\n')}`);
  }
  const testerIndex = texts.findIndex((text) => /\*Tester\* —/.test(text));
  const decisionIndex = thread.findIndex((message) => message.ts === waiting.decisionMessageTs);
  assert.ok(testerIndex < decisionIndex, 'the missed milestone comes before the report');
  assert.equal(thread.filter((message) => /tandem_approve/.test(JSON.stringify(message.blocks ?? []))).length, 1, 'one message with buttons');
  assert.equal(count(harness.slack.messages(channel).map((message) => message.text), new RegExp(thread[0]!.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))), 1, 'one header');

  // The relay is live again: a new task's thread gets each milestone once.
  await harness.driver.slashCommand({ text: 'acme/calc make add handle strings of digits', userId: developer, channelId: channel });
  const second = await harness.waitForTask(
    (record) => record.taskId !== task.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
    'the second task to await approval',
    30_000,
  );
  const secondTexts = harness.slack.thread(channel, second.threadTs!).map((message) => message.text);
  for (const persona of ['Planner', 'Coder', 'Reviewer', 'Tester']) {
    assert.equal(count(secondTexts, new RegExp(`\\*${persona}\\* —`)), 1, `one ${persona} milestone in the new thread`);
  }
  assert.equal(harness.github.pulls('acme/calc').length, 2, 'one PR per task');

  assert.equal(await gateway.stop('SIGTERM'), 0, gateway.output());
  assert.equal(await worker.stop('SIGTERM'), 0, worker.output());
});
