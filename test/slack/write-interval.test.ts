import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { rejectsWith } from '../kit/assertions.ts';

test('SLACK_WRITE_INTERVAL_MS is at least 200 ms, with an error that names it and says why', async () => {
  assert.equal(loadConfig({}).slack.writeIntervalMs, 1000, 'one write a second by default');
  assert.equal(loadConfig({ SLACK_WRITE_INTERVAL_MS: '200' }).slack.writeIntervalMs, 200);
  for (const tooShort of ['0', '199']) {
    const error = await rejectsWith(Promise.resolve().then(() => loadConfig({ SLACK_WRITE_INTERVAL_MS: tooShort })), 'config_invalid');
    assert.match(error.message, /SLACK_WRITE_INTERVAL_MS: must be at least 200 \(milliseconds\): Slack takes about one message a second per channel/);
  }
});
