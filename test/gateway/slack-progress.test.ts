import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
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

describe('progress in the thread: the status line and one evolving reply per persona', () => {
  const running = useCalculatorTeam('progress-content', reviewedTeam());

  test('the status message names the persona, iteration, steps, elapsed time and tests; each persona’s reply carries its content across rounds', async () => {
    const harness = running();
    await harness.driver.slashCommand({ text: 'acme/calc fix add and say what it returns', userId: developer, channelId: channel });
    const task = await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the report', 90_000);

    const statusEdits = () => harness.slack.calls('chat.update').filter((call) => call.params.ts === task.statusMessageTs);
    await harness.slack.waitFor(() => statusEdits().some((call) => /^✅ Done/.test(String(call.params.text))), 5000, 'the final status');
    // Waiting status edits collapse into the newest, so which steps show depends on timing; every one shown is whole.
    const personaStatus = /^(🧭 \*Planner\*|💻 \*Coder\*|🔍 \*Reviewer\*|🧪 \*Tester\*) · iteration 1( · attempt 1)? · [▰▱]{4} · \d+s( · tests 2\/2)?$/;
    const stepFootnote = /"type":"context","elements":\[\{"type":"mrkdwn","text":"(Planner is reading|2 steps, 2 test scenarios|Coder · attempt 1\/3|2 files changed|Reviewer · review \d|1 comments → back to Coder|approved|Tester runs|all scenarios covered)/;
    const statusLines = statusEdits().map((call) => String(call.params.text));
    const atWork = statusLines.filter((text) => !/^(⏳ Queued|📝 Documenter|✅ Done)/.test(text));
    assert.ok(atWork.length > 0, `the status showed the team at work:\n${statusLines.join('\n')}`);
    for (const call of statusEdits().filter((edit) => atWork.includes(String(edit.params.text)))) {
      assert.match(String(call.params.text), personaStatus);
      assert.match(blockText(call.params.blocks as unknown[]), stepFootnote, 'the step in the status’s footnote');
    }
    assert.match(statusLines.at(-1)!, /^✅ Done — waiting for a human lead · iteration 1 · \d+s$/);
    // Two edits may share a text (a step's start and end within one second) but not their blocks.
    const wholeEdits = statusEdits().map((call) => `${String(call.params.text)}\n${blockText(call.params.blocks as unknown[])}`);
    assert.equal(new Set(wholeEdits).size, wholeEdits.length, `no status edit sent twice:\n${statusLines.join('\n')}`);

    const thread = harness.slack.thread(channel, task.threadTs!);
    const replies = (persona: string) => thread.filter((message) => message.text.startsWith(persona));

    const [plan, ...morePlans] = replies('🧭 *Planner*');
    assert.equal(morePlans.length, 0, 'one Planner reply');
    assert.equal(plan?.text, '🧭 *Planner* — 2 steps, 2 test scenarios — Make add() return the sum of its arguments');
    for (const item of ['1. Fix src/add.js to add instead of subtract', '2. Cover negative numbers in test/add-negative.test.js', '🧪 adds negative numbers: given -2 and -3, add returns -5']) {
      assert.ok(blockText(plan.blocks).includes(item), `the plan lists “${item}”`);
    }

    const [change, ...moreChanges] = replies('💻 *Coder*');
    assert.equal(moreChanges.length, 0, 'one Coder reply, edited for the second change');
    assert.match(change!.text, /^💻 \*Coder\* — 2 files changed \(\+\d+ −\d+\); tests 2\/2 ✓$/);
    assert.ok(blockText(change!.blocks).includes(secondChange.summary), 'the latest change’s summary');
    assert.ok(
      blockText(change!.blocks).includes(`attempt 1: ${calculatorFix.summary} ✓ · attempt 2, after review 1: ${secondChange.summary} ✓`),
      `both attempts in the footnote: ${blockText(change!.blocks)}`,
    );
    assert.ok(blockText(change!.history[0]!.blocks).includes(calculatorFix.summary), 'first posted with the first change');

    const [review, ...moreReviews] = replies('🔍 *Reviewer*');
    assert.equal(moreReviews.length, 0, 'one Reviewer reply, edited for the second round');
    assert.equal(review!.text, '🔍 *Reviewer* — 1 comments → back to Coder … ✓ approved');
    assert.ok(blockText(review!.blocks).includes(`review 1 · ${reviewComment.path}: ${reviewComment.comment}`), 'the first round’s comment stays listed');
    assert.equal(review!.history[0]!.text, '🔍 *Reviewer* — 1 comments → back to Coder', 'first posted after the first round');

    const [tester] = replies('🧪 *Tester*');
    assert.equal(tester?.text, '🧪 *Tester* — all scenarios covered; tests 2/2 ✓');
    assert.ok(blockText(tester.blocks).includes('Both planned scenarios are covered and pass.'), 'the Tester’s summary');

    const order = [plan, change, review, tester].map((message) => thread.indexOf(message!));
    assert.deepEqual(order, [...order].sort((first, second) => first - second), 'the replies read in the order the personas first finished');
    const decisionIndex = thread.findIndex((message) => message.ts === task.decisionMessageTs);
    assert.ok(order.every((index) => index < decisionIndex), 'every reply comes before the report');

    const stored = (await harness.tasks.get(task.taskId))!.personaReplies;
    assert.deepEqual(
      { iteration: stored?.iteration, planner: stored?.replies.planner?.ts, coder: stored?.replies.coder?.ts, reviewer: stored?.replies.reviewer?.ts, tester: stored?.replies.tester?.ts },
      { iteration: 1, planner: plan.ts, coder: change!.ts, reviewer: review!.ts, tester: tester.ts },
      'the task record keeps each reply’s timestamp',
    );
  });
});
