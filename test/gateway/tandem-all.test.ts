import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { startGatewayRole } from '../../src/gateway/start-gateway.ts';
import { silentLogger } from '../../src/logger.ts';
import { channel, createGatewayHarness, developer, lead, type GatewayHarness } from '../kit/gateway-harness.ts';
import { calculatorRepo, fullTeam } from '../kit/scripted-team.ts';
import { startTandemProcess, type TandemProcess } from '../kit/worker-process.ts';
import { waitFor } from '../kit/wait-for.ts';

let harness: GatewayHarness;
const processes: TandemProcess[] = [];

before(async () => {
  harness = await createGatewayHarness('tandem-all', 'socket');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  harness.ollama.setResponder(fullTeam());
});
after(async () => {
  await Promise.all(processes.map((running) => running.stop('SIGKILL')));
  await harness.close();
});

test('the gateway refuses to start without its Slack and GitHub settings, naming each variable', async () => {
  const config = loadConfig({ REDIS_URL: harness.redis.url, QUEUE_PREFIX: harness.prefix });
  await assert.rejects(startGatewayRole({ config, redisUrl: harness.redis.url, logger: silentLogger }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'config_invalid');
    assert.match(error.message, /SLACK_BOT_TOKEN/);
    assert.match(error.message, /SLACK_APP_TOKEN \(Socket Mode, xapp-…\) or SLACK_SIGNING_SECRET/);
    assert.match(error.message, /GITHUB_TOKEN/);
    return true;
  });
});

test('`tandem all` runs gateway and worker in one process: /tandem → PR → merge, then SIGTERM exits cleanly', async () => {
  const running = startTandemProcess('all', { ...harness.environment, LOG_LEVEL: 'warn' });
  processes.push(running);
  await harness.slack.socket.connected(30_000);
  // DESIGN §4: the gateway warms its model at start and keeps it resident.
  await waitFor(
    async () =>
      harness.ollama.requests.find((request) => {
        const body = request.body as { model?: string; prompt?: string; keep_alive?: unknown } | undefined;
        return request.path === '/api/generate' && body?.model === 'qwen2.5:7b' && body.prompt === '' && body.keep_alive === -1;
      }),
    'the router model warmed with keep_alive -1',
    10_000,
  );
  // The loopback records a request when it arrives and loads the model before it answers.
  await waitFor(() => harness.ollama.loaded.get('qwen2.5:7b'), 'the router model to be loaded', 10_000);
  assert.equal(harness.ollama.loaded.get('qwen2.5:7b')!.expiresAt, undefined, 'resident until unloaded');
  await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
  const task = await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the PR', 120_000);
  assert.equal(harness.github.pulls('acme/calc').length, 1);
  await harness.driver.blockAction({ actionId: 'tandem_approve', value: `${task.taskId}:1`, userId: lead, channelId: channel, messageTs: task.decisionMessageTs!, threadTs: task.threadTs });
  await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'merged', 'the merge', 30_000);
  assert.equal(await running.stop('SIGTERM'), 0, running.output());
  await waitFor(() => (harness.slack.socket.connectionCount() === 0 ? true : undefined), 'the socket to close', 10_000);
});
