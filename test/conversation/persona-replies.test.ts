import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestTests, personaReplyMessage, replyItemLimit, replyingPersonaOf, stepOf, withStep } from '../../src/conversation/persona-replies.ts';
import type { ProgressEvent } from '../../src/queue/progress-event.ts';
import { blockLimits, toBlockKit } from '../../src/slack/block-kit.ts';
import { statusMessage } from '../../src/conversation/task-messages.ts';
import type { PersonaStep, TaskRecord } from '../../src/tasks/task-record.ts';

let clock = 1_700_000_000_000;
function event(fields: Partial<ProgressEvent> & Pick<ProgressEvent, 'persona' | 'text'>): ProgressEvent {
  clock += 1000;
  return { phase: 'end', iteration: 1, at: clock, ...fields };
}
const steps = (...events: ProgressEvent[]): PersonaStep[] => events.map(stepOf).reduce<PersonaStep[]>(withStep, []);

test('only a finished step of the Planner, Coder, Reviewer or Tester has a reply', () => {
  assert.equal(replyingPersonaOf(event({ persona: 'coder', phase: 'start', text: 'Coder · attempt 1/3' })), undefined);
  assert.equal(replyingPersonaOf(event({ persona: 'worker', phase: 'error', text: 'the worker stopped' })), undefined);
  assert.equal(replyingPersonaOf(event({ persona: 'reviewer', text: 'approved' })), 'reviewer');
});

test('the Coder’s reply shows its latest attempt and a footnote naming every attempt with its outcome', () => {
  const coder = steps(
    event({ persona: 'coder', text: '1 files changed (+2 −1); tests 1/2 ✗', details: ['Fix add()'], round: 0, attempt: 1, tests: { passed: 1, failed: 1 } }),
    event({ persona: 'coder', text: '2 files changed (+8 −1); tests 2/2 ✓', details: ['Fix add() and test negatives'], round: 0, attempt: 2, tests: { passed: 2, failed: 0 } }),
    event({ persona: 'coder', text: '2 files changed (+9 −2); tests 2/2 ✓', details: ['Name the parameters'], round: 1, attempt: 1, tests: { passed: 2, failed: 0 } }),
  );
  assert.deepEqual(personaReplyMessage('coder', coder), {
    text: '💻 *Coder* — 2 files changed (+9 −2); tests 2/2 ✓',
    items: ['Name the parameters'],
    context: 'attempt 1: Fix add() ✗ · attempt 2: Fix add() and test negatives ✓ · attempt 3, after review 1: Name the parameters ✓',
  });
  assert.deepEqual(personaReplyMessage('coder', coder.slice(0, 1)).context, undefined, 'one attempt needs no footnote');
  assert.deepEqual(latestTests(coder), { passed: 2, failed: 0 });
});

test('the Reviewer’s reply reads every round and lists each round’s comments', () => {
  const reviewer = steps(
    event({ persona: 'reviewer', text: '1 comments → back to Coder', details: ['src/add.js: name a and b'], round: 1 }),
    event({ persona: 'reviewer', text: '1 comments → back to Coder', details: ['src/add.js: add a doc comment'], round: 2 }),
    event({ persona: 'reviewer', text: 'approved', details: [], round: 2 }),
  );
  assert.deepEqual(personaReplyMessage('reviewer', reviewer), {
    text: '🔍 *Reviewer* — 1 comments → back to Coder … 1 comments → back to Coder … ✓ approved',
    items: ['review 1 · src/add.js: name a and b', 'review 2 · src/add.js: add a doc comment'],
  });
});

test('an event relayed again (after a gateway restart) replaces its step instead of adding one', () => {
  const first = event({ persona: 'reviewer', text: '1 comments → back to Coder', details: ['src/add.js: name a and b'] });
  const second = event({ persona: 'reviewer', text: 'approved' });
  const replayed = [first, second, second].map(stepOf).reduce<PersonaStep[]>(withStep, []);
  assert.equal(replayed.length, 2);
  assert.equal(personaReplyMessage('reviewer', replayed).text, '🔍 *Reviewer* — 1 comments → back to Coder … ✓ approved');
});

test('many rounds of long comments stay within Block Kit’s limits, every round keeping some of its comments', () => {
  const comment = (round: number, index: number) => `src/file${index}.js: ${`round ${round} comment ${index} `.repeat(20)}`;
  const reviewer = steps(
    ...[1, 2, 3].map((round) =>
      event({ persona: 'reviewer', text: `20 comments → back to Coder ${'and more words '.repeat(20)}`, details: Array.from({ length: 20 }, (_, index) => comment(round, index)), round }),
    ),
  );
  const message = personaReplyMessage('reviewer', reviewer);
  assert.ok(message.items!.length <= replyItemLimit, `${message.items!.length} items`);
  for (const round of [1, 2, 3]) {
    assert.ok(message.items!.some((item) => item.startsWith(`review ${round} · src/`)), `review ${round} has comments listed`);
    assert.ok(message.items!.some((item) => new RegExp(`^review ${round} · …and [78] more$`).test(item)), `review ${round} says what it left out:\n${message.items!.join('\n')}`);
  }
  const rendered = toBlockKit(message);
  assert.ok(rendered.blocks.length <= blockLimits.blocks);
  for (const block of rendered.blocks) {
    const text = (block as { text?: { text: string } }).text?.text ?? '';
    assert.ok(text.length <= blockLimits.sectionText, `a section of ${text.length} characters`);
  }
  assert.ok(!JSON.stringify(rendered.blocks).includes('(cut to fit the message)'), 'nothing cut by the renderer');
});

test('the status line of a step without a test run shows the iteration’s latest test count', () => {
  const reviewing = event({ persona: 'reviewer', phase: 'start', text: 'Reviewer · review 2' });
  const record = { taskId: '7f3a09c2', status: 'running', iteration: 1, createdAt: clock - 252_000 } as TaskRecord;
  assert.deepEqual(statusMessage({ record, event: reviewing, tests: { passed: 11, failed: 1 }, now: clock }), {
    text: '🔍 *Reviewer* · iteration 1 · ▰▰▰▱ · 4m12s · tests 11/12',
    context: 'Reviewer · review 2',
  });
  const tested = event({ persona: 'tester', text: 'all scenarios covered', tests: { passed: 12, failed: 0 } });
  assert.match(statusMessage({ record, event: tested, tests: { passed: 11, failed: 1 }, now: clock }).text, /tests 12\/12$/, 'the event’s own count wins');
});
