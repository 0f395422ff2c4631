import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommand } from '../../src/conversation/parse-command.ts';

test('a task with and without a repository', () => {
  assert.deepEqual(parseCommand('acme/api add pagination to GET /users'), {
    kind: 'task',
    repo: { owner: 'acme', name: 'api' },
    request: 'add pagination to GET /users',
    text: 'acme/api add pagination to GET /users',
  });
  assert.deepEqual(parseCommand('fix the flaky login test'), {
    kind: 'task',
    repo: undefined,
    request: 'fix the flaky login test',
    text: 'fix the flaky login test',
  });
});

test('status, cancel, help, and an empty command', () => {
  assert.deepEqual(parseCommand('status'), { kind: 'status' });
  assert.deepEqual(parseCommand(' cancel 7F3A9C21 '), { kind: 'cancel', taskId: '7f3a9c21' });
  assert.deepEqual(parseCommand('cancel'), { kind: 'cancel', taskId: undefined });
  assert.deepEqual(parseCommand('help'), { kind: 'help' });
  assert.deepEqual(parseCommand('   '), { kind: 'help' });
});

test('a mention drops the bot mention in front', () => {
  assert.deepEqual(parseCommand('<@U0TANDEM> acme/web make the header sticky'), {
    kind: 'task',
    repo: { owner: 'acme', name: 'web' },
    request: 'make the header sticky',
    text: 'acme/web make the header sticky',
  });
  assert.deepEqual(parseCommand('<@U0TANDEM> status'), { kind: 'status' });
});

test('a first word with a leading slash is never a repository', () => {
  assert.deepEqual(parseCommand('/users endpoint is slow'), { kind: 'task', repo: undefined, request: '/users endpoint is slow', text: '/users endpoint is slow' });
});
