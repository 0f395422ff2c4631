import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { startRestartableRedis, type RestartableRedis } from '../kit/restartable-redis.ts';
import { calculatorFix, calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { startTandemProcess, type TandemProcess } from '../kit/worker-process.ts';

let redis: RestartableRedis;
let harness: GatewayHarness;
const processes: TandemProcess[] = [];

before(async () => {
  redis = await startRestartableRedis();
  // The harness (startTestRedis) uses REDIS_URL when set: here, the Redis this test restarts.
  process.env.REDIS_URL = redis.url;
  harness = await createGatewayHarness('redis-restart', 'socket');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
});
after(async () => {
  await Promise.all(processes.map((running) => running.stop('SIGKILL')));
  await redis.start();
  await harness.close();
  await redis.close();
});

function start(command: 'worker' | 'gateway'): TandemProcess {
  const running = startTandemProcess(command, { ...harness.environment, LOG_LEVEL: 'warn' });
  processes.push(running);
  return running;
}

const delay = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
/** Milestone replies read `<emoji> *Persona* — …`; the status message reads `*Persona* · …`. */
const count = (texts: string[], pattern: RegExp) => texts.filter((text) => pattern.test(text)).length;

test('Redis restarted (AOF on) during the Coder call: gateway and worker reconnect and the task ends in one PR', async () => {
  // The Coder answers only when the test lets it: while Redis is down.
  let releaseCoder!: () => void;
  const coderReleased = new Promise<void>((resolve) => (releaseCoder = resolve));
  harness.ollama.setResponder(
    fullTeam({
      coder: async () => {
        await coderReleased;
        return json(calculatorFix);
      },
    }),
  );
  const worker = start('worker');
  const gateway = start('gateway');
  await harness.slack.socket.connected(30_000);

  await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
  await waitFor(() => harness.ollama.chatRequests().find((chat) => personaOf(chat) === 'coder'), `the Coder call (worker: ${worker.output()})`, 30_000);
  const task = await harness.waitForTask((record) => record.status === 'running', 'the running task', 10_000);

  await redis.stop();
  await delay(1000);
  releaseCoder(); // the worker's progress and checkpoint writes meet a Redis that is down
  await delay(500);
  await redis.start();

  const waiting = await harness.waitForTask(
    (record) => record.taskId === task.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
    `the report after the restart (worker: ${worker.output()}; gateway: ${gateway.output()})`,
    45_000,
  );
  await delay(500); // room for a duplicate to show up
  assert.equal(worker.child.exitCode, null, `the worker is still running: ${worker.output()}`);
  assert.equal(gateway.child.exitCode, null, `the gateway is still running: ${gateway.output()}`);
  const pulls = harness.github.pulls('acme/calc');
  assert.equal(pulls.length, 1, 'exactly one PR');
  assert.equal(waiting.prNumber, pulls[0]!.number);

  const thread = harness.slack.thread(channel, task.threadTs!);
  const texts = thread.map((message) => message.text);
  for (const persona of ['Planner', 'Coder', 'Reviewer', 'Tester']) {
    assert.equal(count(texts, new RegExp(`\\*${persona}\\* —`)), 1, `one ${persona} milestone in:\n${texts.join('\n')}`);
  }
  assert.equal(thread.filter((message) => /tandem_approve/.test(JSON.stringify(message.blocks ?? []))).length, 1, 'one message with buttons');
  const planners = harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'planner');
  assert.equal(planners.length, 1, 'the task went on from where it was');

  assert.equal(await gateway.stop('SIGTERM'), 0, gateway.output());
  assert.equal(await worker.stop('SIGTERM'), 0, worker.output());
});
