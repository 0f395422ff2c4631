import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { defaultBotScopes } from '../kit/slack-web-api.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const manifestSchema = z.object({
  features: z.object({
    bot_user: z.object({ display_name: z.string() }),
    slash_commands: z.array(z.object({ command: z.string(), url: z.string(), should_escape: z.boolean() })),
  }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: z.string(), bot_events: z.array(z.string()) }),
    interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string() }),
    socket_mode_enabled: z.boolean(),
  }),
});

/** The bot scopes Slack documents for each Web API method tandem calls (none: any token may call it). */
const methodScopes: Record<string, string[]> = {
  'auth.test': [],
  'chat.getPermalink': [],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'files.uploadV2': ['files:write'],
};

/** Each event tandem listens to: the bot events it subscribes to, and their scopes. Task threads live in public and private channels. */
const eventSubscriptions: Record<string, { events: string[]; scopes: string[] }> = {
  app_mention: { events: ['app_mention'], scopes: ['app_mentions:read'] },
  message: { events: ['message.channels', 'message.groups'], scopes: ['channels:history', 'groups:history'] },
};

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return Promise.resolve(entry.name.endsWith('.ts') ? [path] : []);
    }),
  );
  return nested.flat();
}

/** What tandem's code asks of Slack, read from src/: Web API methods, events, slash commands, and whether it takes clicks. */
async function whatTheCodeUses() {
  const sources = await Promise.all((await sourceFiles(join(root, 'src'))).map((path) => readFile(path, 'utf8')));
  const code = sources.join('\n');
  const matches = (pattern: RegExp) => new Set([...code.matchAll(pattern)].map((match) => match.slice(1).join('.')));
  return {
    // `this.#client.chat.update(`, `slackClient(token, context).auth.test(`
    methods: matches(/client(?:\([^)]*\))?\.([a-z]+)\.([A-Za-z0-9]+)\(/gi),
    events: matches(/app\.event\('([\w.]+)'/g),
    commands: matches(/app\.command\('([^']+)'/g),
    takesClicks: /app\.action\(/.test(code),
  };
}

test('manifest.yml declares /tandem, the events, interactivity, Socket Mode and exactly the bot scopes the code uses', async () => {
  const manifest = manifestSchema.parse(parse(await readFile(join(root, 'manifest.yml'), 'utf8')));
  const uses = await whatTheCodeUses();
  assert.ok(uses.methods.has('chat.postMessage') && uses.events.has('message'), `the scan found the code's calls: ${[...uses.methods].join(', ')}`);

  assert.deepEqual(manifest.features.slash_commands.map((command) => command.command), ['/tandem']);
  assert.deepEqual([...uses.commands], ['/tandem'], 'the command the code listens to');
  assert.equal(manifest.features.slash_commands[0]!.should_escape, false, 'owner/repo and task text arrive as typed');

  const unknownEvents = [...uses.events].filter((event) => !eventSubscriptions[event]);
  assert.deepEqual(unknownEvents, [], 'every event the code listens to has its subscription in the table above');
  const botEvents = [...uses.events].flatMap((event) => eventSubscriptions[event]!.events);
  assert.deepEqual([...manifest.settings.event_subscriptions.bot_events].sort(), botEvents.sort());
  assert.deepEqual([...manifest.settings.event_subscriptions.bot_events].sort(), ['app_mention', 'message.channels', 'message.groups']);

  assert.equal(uses.takesClicks, true);
  assert.equal(manifest.settings.interactivity.is_enabled, true, 'the buttons need interactivity');
  assert.equal(manifest.settings.socket_mode_enabled, true);
  for (const url of [manifest.features.slash_commands[0]!.url, manifest.settings.event_subscriptions.request_url, manifest.settings.interactivity.request_url]) {
    assert.match(url, /\/slack\/events$/, 'HTTP mode: Bolt’s default endpoint');
  }

  const unknownMethods = [...uses.methods].filter((method) => !methodScopes[method]);
  assert.deepEqual(unknownMethods, [], 'every Web API method the code calls has its scopes in the table above');
  const needed = new Set([
    ...[...uses.methods].flatMap((method) => methodScopes[method]!),
    ...[...uses.events].flatMap((event) => eventSubscriptions[event]!.scopes),
    ...(uses.commands.size > 0 ? ['commands'] : []),
  ]);
  const declared = manifest.oauth_config.scopes.bot;
  assert.equal(new Set(declared).size, declared.length, 'no scope twice');
  assert.deepEqual([...declared].sort(), [...needed].sort(), 'exactly the scopes the code needs');
  assert.deepEqual([...defaultBotScopes].sort(), [...declared].sort(), 'the loopback Slack grants what the manifest asks for');

  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const listed = /only the\s+bot\s+scopes\s+tandem\s+uses:\s+([^.]+)\./.exec(readme)?.[1] ?? '';
  assert.deepEqual([...listed.matchAll(/`([^`]+)`/g)].map((match) => match[1]).sort(), [...declared].sort(), 'README’s Slack setup lists them');
});
