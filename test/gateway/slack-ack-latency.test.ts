import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { channel, createGatewayHarness, developer, lead, type SlackMode } from '../kit/gateway-harness.ts';
import { fullTeam, json } from '../kit/scripted-team.ts';

const modelSeconds = 5;

for (const mode of ['http', 'socket'] as SlackMode[]) {
  test(`a command, a mention and a click are acked in under a second while a ${modelSeconds} s model call is in flight (${mode} mode)`, async () => {
    const harness = await createGatewayHarness(`ack-${mode}`, mode);
    try {
      let answered = 0;
      let inFlight!: () => void;
      const firstCallStarted = new Promise<void>((resolve) => (inFlight = resolve));
      // Every judge call takes 5 s, and says when it started; the verdict ends each task quickly after.
      const slowJudge = async () => {
        inFlight();
        await sleep(modelSeconds * 1000);
        answered += 1;
        return json({ verdict: 'block', category: 'test', reason: 'a slow judge' });
      };
      harness.ollama.setResponder(fullTeam({ guardrail: slowJudge }));
      await harness.startGateway();

      const first = await harness.driver.slashCommand({ text: 'acme/calc fix add', userId: developer, channelId: channel });
      assert.equal(first.status, 200);
      assert.ok(first.elapsedMs < 1000, `the first command was acked in ${first.elapsedMs} ms`);
      await firstCallStarted;
      const task = await harness.waitForTask((record) => record.request === 'fix add', 'the first task');

      const command = await harness.driver.slashCommand({ text: 'acme/calc fix subtract', userId: developer, channelId: channel });
      const mentionText = '<@UTANDEM> acme/calc fix multiply';
      const mentionTs = harness.slack.addUserMessage({ channel, user: developer, text: mentionText }).ts;
      const mention = await harness.driver.event({ type: 'app_mention', channel, user: developer, text: mentionText, ts: mentionTs });
      const click = await harness.driver.blockAction({
        actionId: 'tandem_approve',
        value: `${task.taskId}:1`,
        userId: lead,
        channelId: channel,
        messageTs: task.statusMessageTs!,
        threadTs: task.threadTs,
      });
      assert.equal(answered, 0, 'the first judge call was still in flight for every ack');
      for (const [what, delivery] of Object.entries({ command, mention, click })) {
        assert.equal(delivery.status, 200, what);
        assert.ok(delivery.elapsedMs < 1000, `the ${what} was acked in ${delivery.elapsedMs} ms`);
      }
      if (mode === 'socket') {
        const acked = harness.slack.socket.envelopes().slice(-3);
        assert.deepEqual(acked.map((entry) => entry.envelope.type), ['slash_commands', 'events_api', 'interactive']);
        assert.ok(acked.every((entry) => entry.ack !== undefined), 'each ack came back on the WebSocket');
      }

      // Each request still got its answer once the judge spoke.
      await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'blocked', 'the first verdict', 20_000);
      for (const request of ['fix subtract', 'fix multiply']) {
        await harness.waitForTask((record) => record.request === request && record.status === 'blocked', `the verdict on "${request}"`, 20_000);
      }
    } finally {
      await harness.close();
    }
  });
}
