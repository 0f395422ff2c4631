import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ConsoleSurface, plainText } from '../../src/console/console-surface.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

test('Slack mrkdwn reads as plain text in the terminal', () => {
  assert.equal(plainText('📝 *Report* — PR <https://example.com/1|#1> by <@U1>'), '📝 Report — PR #1 (https://example.com/1) by @U1');
  assert.equal(plainText('<file:///tmp/r.md|PR #2>'), 'PR #2 (file:///tmp/r.md)');
});

test('replies print as a tree, unchanged edits print nothing, and buttons become words to type', async () => {
  const output = capture();
  const surface = new ConsoleSurface(output.stream);
  const parent = await surface.post('console', { text: 'task header' });
  const status = await surface.reply({ channel: 'console', threadTs: parent }, { text: 'Screening' });
  await surface.update('console', status, { text: 'Queued' });
  await surface.update('console', status, { text: 'Queued' });
  const decision = await surface.reply(
    { channel: 'console', threadTs: parent },
    { text: 'Report', buttons: [{ actionId: 'tandem_approve', label: 'Approve', value: 'abc:1' }, { actionId: 'tandem_reject', label: 'Reject', value: 'abc:1' }] },
  );
  assert.equal(output.text().match(/Queued/g)?.length, 1);
  assert.match(output.text(), /type: approve \/ reject/);
  const choice = surface.choice('APPROVE');
  assert.equal(choice?.messageTs, decision);
  await surface.update('console', decision, { text: 'Merged' });
  assert.equal(surface.choice('reject'), undefined, 'a message updated after its click offers nothing more');
  assert.equal(surface.lastThread(), parent);
});

test('an edited reply prints its new headline and only the list items it adds; a new footnote alone prints nothing', async () => {
  const output = capture();
  const surface = new ConsoleSurface(output.stream);
  const parent = await surface.post('console', { text: 'task header' });
  const review = await surface.reply({ channel: 'console', threadTs: parent }, { text: '🔍 *Reviewer* — 1 comments → back to Coder', items: ['review 1 · src/add.js: name a and b'] });
  await surface.update('console', review, {
    text: '🔍 *Reviewer* — 1 comments → back to Coder … ✓ approved',
    items: ['review 1 · src/add.js: name a and b', 'review 2 · src/add.js: add a doc comment'],
  });
  await surface.update('console', review, {
    text: '🔍 *Reviewer* — 1 comments → back to Coder … ✓ approved',
    items: ['review 1 · src/add.js: name a and b', 'review 2 · src/add.js: add a doc comment'],
    context: 'a footnote',
  });
  assert.deepEqual(output.text().split('\n').slice(1), [
    'task header',
    '  ├ 🔍 Reviewer — 1 comments → back to Coder',
    '  │   • review 1 · src/add.js: name a and b',
    '  ⋯ 🔍 Reviewer — 1 comments → back to Coder … ✓ approved',
    '  │   • review 2 · src/add.js: add a doc comment',
    '',
  ]);
});
