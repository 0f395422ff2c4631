import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogLevel } from '@slack/bolt';
import { boltLogger } from '../../src/slack/bolt-logger.ts';
import { recordingLogger } from '../kit/recording-logger.ts';

test('Bolt’s lines go through pino redacted, and a line below the level is not even formatted', () => {
  const { logger, lines } = recordingLogger();
  const bolt = boltLogger(logger);
  let formatted = 0;
  const costly = { toString: () => `payload #${++formatted}` };

  bolt.debug('apiCall', costly);
  assert.equal(formatted, 0, 'a dropped debug line is never turned into text');
  assert.equal(lines.length, 0);

  bolt.warn('token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'in a warning');
  bolt.error(new Error('socket closed'));
  assert.equal(lines.length, 2);
  assert.doesNotMatch(lines[0]!.msg, /ghp_abcdefghijklmnopqrstuvwxyz0123456789/);
  assert.match(lines[0]!.msg, /^token .+ in a warning$/);
  assert.equal(lines[1]!.msg, 'socket closed');
  assert.equal(lines[0]!.component, 'slack');

  bolt.setLevel(LogLevel.DEBUG);
  assert.equal(bolt.getLevel(), LogLevel.DEBUG);
  bolt.debug('apiCall', costly);
  assert.equal(formatted, 1);
  assert.equal(lines.at(-1)!.msg, 'apiCall payload #1');

  bolt.setName('socket-mode');
  bolt.info('connected');
  assert.equal(lines.at(-1)!.component, 'socket-mode');
});
