import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { channel, createGatewayHarness, developer, type GatewayHarness } from '../kit/gateway-harness.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { calculatorFix, calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';

const namedChange = {
  summary: 'Name the parameters',
  edits: [{ path: 'src/add.js', action: 'write', content: 'export function add(left, right) {\n  return left + right;\n}\n' }],
};
const comment = { path: 'src/add.js', comment: 'Use descriptive parameter names instead of a and b.' };

let harness: GatewayHarness;
let releaseSecondChange!: () => void;
const secondChangeReleased = new Promise<void>((resolve) => (releaseSecondChange = resolve));

before(async () => {
  harness = await createGatewayHarness('restart-replies', 'http');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
  harness.ollama.setResponder(
    fullTeam({
      router: () => json({ difficulty: 'medium', reflection: true, confident: true, reason: 'a fix and a review' }),
      // The Coder's answer to the review waits for the test, so the gateway can restart first.
      coder: async (_chat, call) => {
        if (call === 1) return json(calculatorFix);
        await secondChangeReleased;
        return json(namedChange);
      },
      reviewer: (_chat, call) => json(call === 1 ? { approved: false, comments: [comment] } : { approved: true, comments: [] }),
    }),
  );
  await harness.startWorker();
});
after(() => harness.close());

const blockText = (blocks: unknown[] | undefined) => JSON.stringify(blocks ?? []);

test('a gateway restarted mid-task goes on editing the same Coder and Reviewer replies', async () => {
  const first = await harness.startGateway();
  await harness.driver.slashCommand({ text: 'acme/calc fix add, with readable names', userId: developer, channelId: channel });
  await waitFor(() => harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'coder').length === 2 || undefined, 'the Coder’s second call', 60_000);
  const task = await harness.waitForTask((record) => record.channel === channel && record.personaReplies?.replies.reviewer?.ts !== undefined, 'the first review in the thread', 30_000);
  const coderTs = task.personaReplies!.replies.coder!.ts!;
  const reviewerTs = task.personaReplies!.replies.reviewer!.ts!;
  await first.close();

  await harness.startGateway();
  releaseSecondChange();
  const done = await harness.waitForTask(
    (record) => record.taskId === task.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
    'the report after the restart',
    60_000,
  );

  const thread = harness.slack.thread(channel, task.threadTs!);
  const replies = (persona: string) => thread.filter((message) => message.text.startsWith(persona));
  assert.deepEqual(replies('💻 *Coder*').map((message) => message.ts), [coderTs], 'the same Coder reply, no second one');
  assert.deepEqual(replies('🔍 *Reviewer*').map((message) => message.ts), [reviewerTs], 'the same Reviewer reply, no second one');
  const [coder] = replies('💻 *Coder*');
  assert.ok(blockText(coder!.blocks).includes(`attempt 1: ${calculatorFix.summary} ✓ · attempt 2, after review 1: ${namedChange.summary} ✓`), blockText(coder!.blocks));
  const [reviewer] = replies('🔍 *Reviewer*');
  assert.equal(reviewer!.text, '🔍 *Reviewer* — 1 comments → back to Coder … ✓ approved');
  assert.ok(blockText(reviewer!.blocks).includes(`review 1 · ${comment.path}: ${comment.comment}`), 'the first round’s comment, from before the restart, stays listed');
  assert.ok(coder!.history.length >= 2 && reviewer!.history.length >= 2, 'both were edited after the restart');
  assert.equal(done.personaReplies?.replies.coder?.ts, coderTs);
  assert.equal(replies('🧪 *Tester*').length, 1);
});
