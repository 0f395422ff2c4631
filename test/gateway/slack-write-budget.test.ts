import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runThreeRoundTask, threeRoundChannel, threeRoundTeam } from '../../bench/three-round-task.ts';
import { useCalculatorTeam } from './calculator-team.ts';

const blockText = (blocks: unknown[] | undefined) => JSON.stringify(blocks ?? []);

// Issue 8, item 6, as a test: the bench's scripted task at the production spacing, under the
// loopback Slack's limit of one write a second per channel (429 with Retry-After otherwise).
describe('a 3-round task at SLACK_WRITE_INTERVAL_MS=1000, with Slack limiting each channel to one write a second', () => {
  const running = useCalculatorTeam('slack-write-budget', threeRoundTeam().responder, { environment: { SLACK_WRITE_INTERVAL_MS: '1000' } });

  test('at most 15 chat.* calls, no 429, writes a second apart, and one reply per persona that tells all three rounds', async () => {
    const harness = running();
    const callsBefore = harness.slack.calls().length;
    harness.slack.limitWritesPerChannel(1000);
    const { record } = await runThreeRoundTask(harness, 120_000);
    const statusDone = () => harness.slack.messages(threeRoundChannel).find((message) => message.ts === record.statusMessageTs && /^✅ Done/.test(message.text));
    await harness.slack.waitFor(statusDone, 10_000, 'the final status');
    await new Promise((resolve) => setTimeout(resolve, 2000)); // two intervals of quiet, as the bench waits
    harness.slack.limitWritesPerChannel(undefined);

    const chatCalls = harness.slack.calls().slice(callsBefore).filter((call) => call.method.startsWith('chat.'));
    const listing = chatCalls.map((call) => `${call.method} ${String(call.params.text ?? '').slice(0, 70)}`).join('\n');
    assert.ok(chatCalls.length <= 15, `${chatCalls.length} chat.* calls:\n${listing}`);
    assert.deepEqual(chatCalls.filter((call) => call.httpStatus === 429).map((call) => call.method), [], 'no write was refused');
    const writes = chatCalls.filter((call) => call.method !== 'chat.getPermalink');
    // Call times are whole milliseconds as the loopback received them; 2 ms absorb their rounding.
    const gaps = writes.slice(1).map((call, index) => call.at - writes[index]!.at);
    assert.deepEqual(gaps.filter((gap) => gap < 998), [], `writes less than a second apart (gaps: ${gaps.join(', ')} ms)`);

    const thread = harness.slack.thread(threeRoundChannel, record.threadTs!);
    const replies = (persona: string) => thread.filter((message) => message.text.startsWith(persona));
    for (const persona of ['🧭 *Planner*', '💻 *Coder*', '🔍 *Reviewer*', '🧪 *Tester*']) assert.equal(replies(persona).length, 1, `one ${persona} reply:\n${listing}`);
    const [coder] = replies('💻 *Coder*');
    assert.ok(
      blockText(coder!.blocks).includes(
        'attempt 1: Fix add() to return the sum and test negative numbers ✓ · attempt 2, after review 1: Name the parameters ✓ · attempt 3, after review 2: Document add() ✓',
      ),
      `the Coder’s three attempts: ${blockText(coder!.blocks)}`,
    );
    const [reviewer] = replies('🔍 *Reviewer*');
    assert.equal(reviewer!.text, '🔍 *Reviewer* — 1 comments → back to Coder … 1 comments → back to Coder … ✓ approved');
    for (const comment of ['review 1 · src/add.js: Use descriptive parameter names instead of a and b.', 'review 2 · src/add.js: Add a one-line doc comment to add().']) {
      assert.ok(blockText(reviewer!.blocks).includes(comment), `the Reviewer’s reply lists “${comment}”`);
    }
    const decisionIndex = thread.findIndex((message) => message.ts === record.decisionMessageTs);
    assert.ok([coder, reviewer].every((message) => thread.indexOf(message!) < decisionIndex), 'the replies come before the report');
  });
});
