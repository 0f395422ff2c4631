import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SlackCall } from '../kit/slack-server.ts';
import { channel, developer } from '../kit/gateway-harness.ts';
import { calculatorFix, fixedAdd, fullTeam, json } from '../kit/scripted-team.ts';
import { useCalculatorTeam } from './calculator-team.ts';

const reviewComment = { path: 'src/add.js', comment: 'Say in a comment that add() returns the sum' };
const secondChange = {
  summary: 'Document that add() returns the sum',
  edits: [{ path: 'src/add.js', action: 'write', content: `// Returns the sum of a and b.\n${fixedAdd}` }],
};

/** A medium task with reflection: the Reviewer comments once, the Coder answers it, the Reviewer approves. */
function reviewedTeam() {
  return fullTeam({
    router: () => json({ difficulty: 'medium', reflection: true, confident: true, reason: 'two files and a review' }),
    coder: (_chat, call) => json(call === 1 ? calculatorFix : secondChange),
    reviewer: (_chat, call) => json(call === 1 ? { approved: false, comments: [reviewComment] } : { approved: true, comments: [] }),
    tester: () => json({ passed: true, summary: 'Both planned scenarios are covered and pass.', uncovered: [] }),
  });
}

const blockText = (blocks: unknown[] | undefined) => JSON.stringify(blocks ?? []);

describe('progress in the thread: the status line and each persona’s milestone', () => {
  const running = useCalculatorTeam('progress-content', reviewedTeam());

  test('the status message names the persona, iteration, steps, elapsed time and tests; the milestones carry their content', async () => {
    const harness = running();
    await harness.driver.slashCommand({ text: 'acme/calc fix add and say what it returns', userId: developer, channelId: channel });
    const task = await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the report', 90_000);

    const statusEdits = () => harness.slack.calls('chat.update').filter((call) => call.params.ts === task.statusMessageTs);
    await harness.slack.waitFor(() => statusEdits().some((call) => /^✅ Done/.test(String(call.params.text))), 5000, 'the final status');
    const statusLines = statusEdits().map((call) => String(call.params.text));
    const expected = [
      /^🧭 \*Planner\* · iteration 1 · ▰▱▱▱ · \d+s$/,
      /^💻 \*Coder\* · iteration 1 · attempt 1 · ▰▰▱▱ · \d+s$/,
      /^💻 \*Coder\* · iteration 1 · attempt 1 · ▰▰▱▱ · \d+s · tests 2\/2$/,
      /^🔍 \*Reviewer\* · iteration 1 · ▰▰▰▱ · \d+s$/,
      /^🧪 \*Tester\* · iteration 1 · ▰▰▰▰ · \d+s · tests 2\/2$/,
      /^✅ Done — waiting for a human lead · iteration 1 · \d+s$/,
    ];
    for (const line of expected) assert.ok(statusLines.some((text) => line.test(text)), `a status edit like ${line}:\n${statusLines.join('\n')}`);
    const coderStatus = statusEdits().find((call) => /^💻/.test(String(call.params.text)));
    assert.match(blockText(coderStatus?.params.blocks as unknown[]), /Coder · attempt 1\/3/, 'the step in the status’s footnote');

    const thread = harness.slack.thread(channel, task.threadTs!);
    const milestones = (persona: string) => thread.filter((message) => message.text.startsWith(persona));

    const [plan] = milestones('🧭 *Planner*');
    assert.equal(plan?.text, '🧭 *Planner* — 2 steps, 2 test scenarios — Make add() return the sum of its arguments');
    for (const item of ['1. Fix src/add.js to add instead of subtract', '2. Cover negative numbers in test/add-negative.test.js', '🧪 adds negative numbers: given -2 and -3, add returns -5']) {
      assert.ok(blockText(plan.blocks).includes(item), `the plan lists “${item}”`);
    }

    const changes = milestones('💻 *Coder*');
    assert.equal(changes.length, 2, 'one milestone per change');
    assert.match(changes[0]!.text, /^💻 \*Coder\* — 2 files changed \(\+\d+ −\d+\); tests 2\/2 ✓$/);
    assert.ok(blockText(changes[0]!.blocks).includes(calculatorFix.summary), 'the first change’s summary');
    assert.match(changes[1]!.text, /^💻 \*Coder\* — 2 files changed \(\+\d+ −\d+\); tests 2\/2 ✓$/);
    assert.ok(blockText(changes[1]!.blocks).includes(secondChange.summary), 'the second change’s summary');

    const reviews = milestones('🔍 *Reviewer*');
    assert.deepEqual(reviews.map((message) => message.text), ['🔍 *Reviewer* — 1 comments → back to Coder', '🔍 *Reviewer* — approved']);
    assert.ok(blockText(reviews[0]!.blocks).includes(`${reviewComment.path}: ${reviewComment.comment}`), 'the comment is listed');

    const [tester] = milestones('🧪 *Tester*');
    assert.equal(tester?.text, '🧪 *Tester* — all scenarios covered; tests 2/2 ✓');
    assert.ok(blockText(tester.blocks).includes('Both planned scenarios are covered and pass.'), 'the Tester’s summary');

    const order = [plan, changes[0], reviews[0], changes[1], reviews[1], tester].map((message) => thread.indexOf(message!));
    assert.deepEqual(order, [...order].sort((first, second) => first - second), 'the milestones read in the order they happened');
  });
});

/** Every Web API call that writes into a channel, with that channel. */
function channelWrites(calls: SlackCall[]): { channel: string; at: number; method: string }[] {
  const writes = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'chat.delete', 'files.completeUploadExternal']);
  return calls
    .filter((call) => writes.has(call.method))
    .map((call) => ({ channel: String(call.params.channel ?? call.params.channel_id), at: call.at, method: call.method }));
}

describe('Slack writes at the production interval (SLACK_WRITE_INTERVAL_MS=1000)', () => {
  const running = useCalculatorTeam('progress-one-second', fullTeam(), { environment: { SLACK_WRITE_INTERVAL_MS: '1000' } });

  test('a whole task writes at most once a second to its channel', async () => {
    const harness = running();
    await harness.driver.slashCommand({ text: 'acme/calc fix add', userId: developer, channelId: channel });
    await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the report', 120_000);
    const writes = channelWrites(harness.slack.calls()).filter((write) => write.channel === channel);
    assert.ok(writes.length >= 10, `${writes.length} writes: the header, the status edits, the milestones and the report`);
    const gaps = writes.slice(1).map((write, index) => ({ gap: write.at - writes[index]!.at, method: write.method }));
    // Call times are whole milliseconds as the loopback received them; 2 ms absorb their rounding.
    const tooSoon = gaps.filter(({ gap }) => gap < 998);
    assert.deepEqual(tooSoon, [], `writes less than a second apart (gaps: ${gaps.map(({ gap }) => gap).join(', ')} ms)`);
  });
});
