import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { channel, developer } from '../kit/gateway-harness.ts';
import { personaOf, type RecordedChat } from '../kit/ollama-server.ts';
import { calculatorPlan, fullTeam, json } from '../kit/scripted-team.ts';
import { useCalculatorTeam } from './calculator-team.ts';

/** The first plan takes 3 s, so a reply can come while the task runs. */
const slowFirstPlan = fullTeam({ planner: (_chat, call) => (call === 1 ? { ...json(calculatorPlan), delayMs: 3000 } : json(calculatorPlan)) });

const prompt = (chat: RecordedChat | undefined) => JSON.stringify(chat?.messages ?? []);

describe('Socket Mode: Slack’s retries, and a reply while the task runs', () => {
  const running = useCalculatorTeam('socket-follow-ups', slowFirstPlan, { mode: 'socket' });
  let threadTs: string;

  test('an event Slack delivers three times on the WebSocket (retry_attempt 0, 1, 2) makes one task', async () => {
    const harness = running();
    const message = harness.slack.addUserMessage({ channel, user: developer, text: '<@UTANDEM> acme/calc fix add so it adds' });
    const event = { type: 'app_mention', channel, user: developer, text: message.text, ts: message.ts };
    for (const retryNum of [0, 1, 2]) {
      const delivery = await harness.driver.event(event, { eventId: 'Ev0SOCKETSAME', retryNum, retryReason: retryNum ? 'timeout' : '' });
      assert.equal(delivery.status, 200);
    }
    const sent = harness.slack.socket.envelopes().filter((entry) => entry.envelope.type === 'events_api');
    assert.deepEqual(sent.map((entry) => entry.envelope.retry_attempt), [0, 1, 2]);
    assert.ok(sent.every((entry) => entry.ack !== undefined), 'each delivery was acked');

    const task = await harness.waitForTask((record) => record.threadTs === message.ts && record.status === 'running', 'the running task');
    threadTs = task.threadTs!;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tasks = await harness.tasks.listByStatus('screening', 'queued', 'running');
    assert.equal(tasks.filter((record) => record.threadTs === message.ts).length, 1, 'one task');
    assert.equal(harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'guardrail').length, 1, 'screened once');
  });

  test('a reply while the task runs (delivered twice) is kept once, acknowledged, and reaches the next iteration’s Planner and Coder', async () => {
    const harness = running();
    const [task] = (await harness.tasks.listByStatus('running')).filter((record) => record.threadTs === threadTs);
    assert.ok(task, 'the task is still running');
    const text = 'while you are at it, cover adding zero too';
    const reply = harness.slack.addUserMessage({ channel, user: developer, text, threadTs });
    const event = { type: 'message', channel, user: developer, text, ts: reply.ts, thread_ts: threadTs, channel_type: 'channel' };
    await harness.driver.event(event, { eventId: 'Ev0SOCKETREPLY', retryNum: 0 });
    await harness.driver.event(event, { eventId: 'Ev0SOCKETREPLY', retryNum: 1, retryReason: 'timeout' });

    await harness.slack.waitFor(() => harness.slack.thread(channel, threadTs).some((message) => /^📨 Noted/.test(message.text)), 5000, 'the acknowledgement');
    const kept = (await harness.tasks.get(task.taskId))!;
    assert.deepEqual(kept.pendingFeedback, [`<@UDEV1>: ${text}`], 'kept once');
    assert.equal(kept.status, 'running');
    assert.equal(kept.iteration, 1);

    // Iteration 1 ends with its report; the kept reply starts iteration 2 on the same branch.
    const second = await harness.waitForTask(
      (record) => record.taskId === task.taskId && record.iteration === 2 && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
      'iteration 2 to await approval',
      90_000,
    );
    assert.deepEqual(second.pendingFeedback, [], 'the reply was taken into iteration 2');
    assert.equal(harness.slack.thread(channel, threadTs).filter((message) => /^📨 Noted/.test(message.text)).length, 1, 'acknowledged once');
    assert.equal(harness.github.pulls('acme/calc').length, 1, 'the same PR');

    const chats = harness.ollama.chatRequests();
    const plannerCalls = chats.filter((chat) => personaOf(chat) === 'planner');
    assert.equal(plannerCalls.length, 2, 'one plan per iteration');
    assert.doesNotMatch(prompt(plannerCalls[0]), /cover adding zero/, 'iteration 1 was planned before the reply');
    assert.match(prompt(plannerCalls[1]), /Feedback on the previous iteration[^"]*<@UDEV1>: while you are at it, cover adding zero too/);
    const secondCoder = chats.slice(chats.indexOf(plannerCalls[1]!)).find((chat) => personaOf(chat) === 'coder');
    assert.match(prompt(secondCoder), /Feedback from the team lead[^"]*<@UDEV1>: while you are at it, cover adding zero too/);
  });
});
