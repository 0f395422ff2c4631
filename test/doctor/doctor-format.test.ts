import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { formatDoctorReport } from '../../src/doctor/format-doctor-report.ts';
import { parseManifestBotScopes, readManifestBotScopes } from '../../src/doctor/manifest-scopes.ts';
import { defaultBotScopes } from '../kit/slack-web-api.ts';

const projectManifest = fileURLToPath(new URL('../../manifest.yml', import.meta.url));

describe('manifest.yml bot scopes', () => {
  test('the project manifest asks for the six scopes the README lists (the loopback Slack grants the same)', async () => {
    const scopes = await readManifestBotScopes(projectManifest);
    assert.deepEqual(scopes, ['app_mentions:read', 'channels:history', 'groups:history', 'chat:write', 'commands', 'files:write']);
    assert.deepEqual(scopes, defaultBotScopes);
  });

  test('reads only oauth_config.scopes.bot: block or flow lists, quotes and comments, not user scopes or other keys', () => {
    const manifest = [
      '# a comment',
      'features:',
      '  bot_user:',
      '    display_name: tandem',
      'oauth_config:',
      '  scopes:',
      '    user:',
      '      - search:read',
      '    bot:',
      '      - "chat:write"      # the thread',
      "      - 'commands'",
      '',
      '      - files:write',
      'settings:',
      '  bot:',
      '    - not:a-scope',
    ].join('\n');
    assert.deepEqual(parseManifestBotScopes(manifest), ['chat:write', 'commands', 'files:write']);
    assert.deepEqual(parseManifestBotScopes('oauth_config:\n  scopes:\n    bot: [chat:write, "commands"]  # flow\n'), ['chat:write', 'commands']);
    assert.deepEqual(parseManifestBotScopes('oauth_config:\n  scopes:\n    bot:\n    - chat:write\n'), ['chat:write']);
    assert.deepEqual(parseManifestBotScopes('display_information:\n  name: tandem\n'), []);
  });
});

describe('formatDoctorReport', () => {
  test('marks passed ✓, skipped –, failed ✗ with its fix, and ends with a summary', () => {
    const text = formatDoctorReport({
      ok: false,
      checks: [
        { name: 'Node', ok: true, detail: '20.19.0' },
        { name: 'Slack', ok: true, detail: 'not configured', skipped: true },
        { name: 'Redis at redis://127.0.0.1:6379', ok: false, detail: 'unreachable (ECONNREFUSED)', fix: 'start it with `redis-server ./redis.conf`' },
      ],
    });
    assert.equal(
      text,
      [
        '✓ Node: 20.19.0',
        '– Slack: not configured',
        '✗ Redis at redis://127.0.0.1:6379: unreachable (ECONNREFUSED) — fix: start it with `redis-server ./redis.conf`',
        '',
        '1 of 3 checks failed: fix the ✗ lines above, then run `tandem doctor` again.',
      ].join('\n'),
    );
  });

  test('an ok report has no ✗ at all', () => {
    const text = formatDoctorReport({ ok: true, checks: [{ name: 'git', ok: true, detail: '2.43.0' }] });
    assert.equal(text, '✓ git: 2.43.0\n\nAll 1 check passed.');
  });
});
