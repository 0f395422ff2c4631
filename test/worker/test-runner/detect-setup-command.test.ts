import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectSetupCommand } from '../../../src/worker/test-runner/detect-setup-command.ts';

async function withFiles(files: Record<string, string>, check: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-setup-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    await check(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const withDependencies = JSON.stringify({ dependencies: { zod: '^4' } });

test('the lockfile picks the installer', async () => {
  await withFiles({ 'package.json': withDependencies, 'package-lock.json': '{}' }, async (dir) => assert.equal(await detectSetupCommand(dir), 'npm ci'));
  await withFiles({ 'package.json': withDependencies, 'yarn.lock': '' }, async (dir) => assert.equal(await detectSetupCommand(dir), 'yarn install --frozen-lockfile'));
  await withFiles({ 'package.json': withDependencies, 'pnpm-lock.yaml': '' }, async (dir) => assert.equal(await detectSetupCommand(dir), 'pnpm install --frozen-lockfile'));
  await withFiles({ 'package.json': withDependencies }, async (dir) => assert.equal(await detectSetupCommand(dir), 'npm install --no-audit --no-fund --no-package-lock'));
});

test('nothing to install: no manifest, no dependencies, or an unreadable manifest', async () => {
  await withFiles({ 'go.mod': 'module x' }, async (dir) => assert.equal(await detectSetupCommand(dir), undefined));
  await withFiles({ 'package.json': JSON.stringify({ scripts: { test: 'node --test' } }) }, async (dir) => assert.equal(await detectSetupCommand(dir), undefined));
  await withFiles({ 'package.json': '{ not json' }, async (dir) => assert.equal(await detectSetupCommand(dir), undefined));
  for (const manifest of ['null', '["zod"]', '{"dependencies":"zod"}', '{"dependencies":["zod"]}', '{"dependencies":{}}']) {
    await withFiles({ 'package.json': manifest }, async (dir) => assert.equal(await detectSetupCommand(dir), undefined, manifest));
  }
});

test('dependencies in any group mean an install, whatever other fields hold', async () => {
  const manifest = JSON.stringify({ name: 'x', devDependencies: { tsx: '^4' }, workspaces: ['a'], engines: 'node' });
  await withFiles({ 'package.json': manifest }, async (dir) => assert.equal(await detectSetupCommand(dir), 'npm install --no-audit --no-fund --no-package-lock'));
});

test('an override wins', async () => {
  await withFiles({ 'pyproject.toml': '' }, async (dir) => assert.equal(await detectSetupCommand(dir, ' pip install -e . '), 'pip install -e .'));
});
