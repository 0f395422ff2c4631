import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSlackWrites } from '../../bench/slack-writes-bench.ts';

// Issue 8, benchmark 6, the short form: the full one (`node --import tsx bench/slack-writes-bench.ts`)
// limits to one write a second; here the limit and tandem's spacing are both 200 ms (the least SLACK_WRITE_INTERVAL_MS allows).
test('slack writes: a 3-iteration task under a per-channel write limit; the writes are counted, tandem waits out the limit', async () => {
  const result = await runSlackWrites({ intervalMs: 200 });
  const details = result.details as { chatCalls: number; rateLimited: number; byMethod: Record<string, { calls: number; limited: number }>; progressEvents: number };
  const chatMethods = Object.entries(details.byMethod).filter(([method]) => method.startsWith('chat.'));
  assert.equal(details.chatCalls, chatMethods.reduce((total, [, entry]) => total + entry.calls, 0));
  assert.equal(details.rateLimited, chatMethods.reduce((total, [, entry]) => total + entry.limited, 0));
  assert.ok(details.chatCalls >= 10 && details.chatCalls <= 100, `${details.chatCalls} chat.* calls`);
  assert.equal(details.byMethod['chat.postMessage']?.calls, 7, 'posted: the header, the status message, one reply each for the Planner, Coder, Reviewer and Tester (edited for later rounds), the report');
  assert.equal(details.progressEvents, 16, 'a start and an end for Planner, 3 Coder and 3 Reviewer rounds, Tester');
  assert.equal(details.rateLimited, 0, "tandem's writer spaces its writes: the limit never answers 429");
});
