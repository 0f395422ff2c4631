import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebClient } from '@slack/web-api';
import { silentLogger } from '../../src/logger.ts';
import { ChannelWriter } from '../../src/slack/channel-writer.ts';
import { SlackSurface } from '../../src/slack/slack-surface.ts';
import { startSlackServer, type LoopbackSlack } from '../kit/slack-server.ts';

let slack: LoopbackSlack;
before(async () => {
  slack = await startSlackServer();
});
after(() => slack.close());

function surface(minIntervalMs: number): SlackSurface {
  const client = new WebClient('xoxb-surface-test', { slackApiUrl: slack.url });
  return new SlackSurface({ client, writer: new ChannelWriter({ minIntervalMs }), logger: silentLogger });
}

test('a 429 is waited out for its Retry-After, and the channel’s next write waits behind it', async () => {
  const writer = surface(0);
  slack.rateLimit('chat.postMessage', { times: 1, retryAfterSeconds: 1 });
  const first = writer.post('CRATE', { text: 'first' });
  const second = writer.post('CRATE', { text: 'second' });
  await Promise.all([first, second]);
  const posts = slack.calls('chat.postMessage').filter((call) => call.params.channel === 'CRATE');
  assert.equal(posts.length, 3, 'one limited attempt, its retry, then the second message');
  assert.equal(posts[0]!.rateLimited, true);
  assert.ok(posts[1]!.at - posts[0]!.at >= 950, `retried after ${posts[1]!.at - posts[0]!.at} ms`);
  assert.deepEqual(slack.messages('CRATE').map((message) => message.text), ['first', 'second']);
});

test('writes to one channel are at most one a second, and edits of one message collapse to the newest', async () => {
  const writer = surface(1000);
  const ts = await writer.post('CPACE', { text: 'status 0' });
  await Promise.all([1, 2, 3, 4, 5].map((step) => writer.update('CPACE', ts, { text: `status ${step}` })));
  const calls = slack.calls().filter((call) => call.params.channel === 'CPACE');
  const updates = calls.filter((call) => call.method === 'chat.update');
  assert.ok(updates.length <= 2, `${updates.length} edits sent for five`);
  assert.equal(slack.messages('CPACE')[0]!.text, 'status 5');
  for (let index = 1; index < calls.length; index += 1) {
    assert.ok(calls[index]!.at - calls[index - 1]!.at >= 950, 'spaced by a second');
  }
});

test('long content goes in a file in the thread, and links point at the message', async () => {
  const writer = surface(0);
  const parent = await writer.post('CFILE', { text: 'parent' });
  await writer.reply({ channel: 'CFILE', threadTs: parent }, { text: 'stuck', attachment: { filename: 'tests.txt', title: 'Last test output', content: 'not ok 1 - adds' } });
  const file = slack.files().find((candidate) => candidate.title === 'Last test output');
  assert.ok(file, 'the file was uploaded');
  assert.match(String(file.content), /not ok 1 - adds/);
  assert.match((await writer.link('CFILE', parent))!, /archives\/CFILE\/p/);
  assert.equal(writer.mention('U1'), '<@U1>');
});

test('an edit that would not change the message is not sent, and a failed edit may be sent again', async () => {
  const writer = surface(0);
  const ts = await writer.post('CSAME', { text: 'status', items: ['a'] });
  await writer.update('CSAME', ts, { text: 'status', items: ['a'] });
  const edits = () => slack.calls('chat.update').filter((call) => call.params.ts === ts);
  assert.equal(edits().length, 0, 'an edit to what the post already shows');
  await Promise.all([writer.update('CSAME', ts, { text: 'status', items: ['b'] }), writer.update('CSAME', ts, { text: 'status', items: ['b'] })]);
  assert.equal(edits().length, 1, 'the same edit twice is one call');
  slack.failNext('chat.update', 'message_not_found');
  await assert.rejects(writer.update('CSAME', ts, { text: 'status', items: ['c'] }), /message_not_found/);
  await writer.update('CSAME', ts, { text: 'status', items: ['c'] });
  assert.equal(edits().length, 3, 'the failed edit was tried again');
  assert.match(JSON.stringify(slack.messages('CSAME')[0]!.blocks), /• c/);
});
