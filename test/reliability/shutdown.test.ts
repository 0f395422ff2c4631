import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { startTandemProcess } from '../kit/worker-process.ts';

let harness: GatewayHarness;
before(async () => {
  harness = await createGatewayHarness('shutdown', 'socket');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
});
after(() => harness.close());

test('SIGTERM waits for the work in hand; a second SIGTERM exits at once', async () => {
  // The judge takes 20 s: the first SIGTERM waits for that screening to finish.
  harness.ollama.setResponder(fullTeam({ guardrail: () => ({ ...json({ verdict: 'allow', category: 'none', reason: 'fine' }), delayMs: 20_000 }) }));
  const running = startTandemProcess('all', { ...harness.environment, LOG_LEVEL: 'info' });
  await harness.slack.socket.connected(30_000);
  await harness.driver.slashCommand({ text: 'acme/calc fix add', userId: developer, channelId: channel });
  await waitFor(() => (harness.ollama.chatRequests().some((chat) => personaOf(chat) === 'guardrail') ? true : undefined), 'the judge call', 15_000);

  running.child.kill('SIGTERM');
  await waitFor(() => (/shutting down/.test(running.output()) ? true : undefined), 'the first SIGTERM to be taken', 10_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(running.child.exitCode, null, 'still finishing its work after the first SIGTERM');

  const started = Date.now();
  const exitCode = await running.stop('SIGTERM');
  assert.equal(exitCode, 130, running.output());
  assert.ok(Date.now() - started < 5000, `forced exit in ${Date.now() - started} ms`);
  assert.match(running.output(), /second signal: exiting now/);
});
