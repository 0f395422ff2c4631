import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockLimits, chunkText, toBlockKit } from '../../src/slack/block-kit.ts';

test('a message becomes sections, a context line and an actions block with styled, confirmed buttons', () => {
  const rendered = toBlockKit({
    text: '📝 *Report* — PR #1',
    items: ['one', 'two'],
    context: '3 files',
    buttons: [
      { actionId: 'tandem_approve', label: 'Approve', value: 'abc:1', style: 'primary' },
      { actionId: 'tandem_reject', label: 'Reject', value: 'abc:1', style: 'danger', confirm: { title: 'Sure?', text: 'Closes it', confirm: 'Reject', deny: 'No' } },
    ],
  });
  assert.equal(rendered.text, '📝 *Report* — PR #1');
  assert.deepEqual(rendered.blocks.map((block) => block.type), ['section', 'section', 'context', 'actions']);
  const actions = rendered.blocks[3] as { elements: Record<string, unknown>[] };
  assert.equal(actions.elements[0]!.style, 'primary');
  assert.equal((actions.elements[1]!.confirm as { style: string }).style, 'danger');
});

test('long text is split under 3,000 characters a section and never beyond 50 blocks', () => {
  const long = Array.from({ length: 4000 }, (_, index) => `line ${index}`).join('\n');
  const rendered = toBlockKit({ text: long, buttons: [{ actionId: 'a', label: 'A', value: 'v' }] });
  assert.ok(rendered.blocks.length <= blockLimits.blocks);
  for (const block of rendered.blocks) {
    const text = (block.text as { text?: string } | undefined)?.text;
    if (text) assert.ok(text.length <= blockLimits.sectionText);
  }
  assert.equal(rendered.blocks.at(-1)!.type, 'actions', 'the buttons survive the cut');
  assert.ok(rendered.text.length <= blockLimits.fallbackText);
});

test('chunks break at line ends', () => {
  const chunks = chunkText('a'.repeat(10) + '\n' + 'b'.repeat(10), 15);
  assert.deepEqual(chunks, ['a'.repeat(10), 'b'.repeat(10)]);
});
