import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { applyEdits } from '../../../src/worker/workspace/apply-edits.ts';
import type { EditResult, FileEdit } from '../../../src/worker/workspace/workspace.ts';
import { listFilesRecursively } from './workspace-fixture.ts';

interface Sandbox {
  repo: string;
  outside: string;
}

/** A repository directory (with a .git) and a directory outside it, linked in several ways. */
async function createSandbox(t: TestContext): Promise<Sandbox> {
  const repo = await mkdtemp(join(tmpdir(), 'tandem-edits-repo-'));
  const outside = await mkdtemp(join(tmpdir(), 'tandem-edits-outside-'));
  t.after(() => Promise.all([rm(repo, { recursive: true, force: true }), rm(outside, { recursive: true, force: true })]));
  await mkdir(join(repo, '.git'));
  await writeFile(join(repo, '.git/config'), '[core]\n');
  await mkdir(join(repo, 'src'));
  await writeFile(join(repo, 'src/app.ts'), 'const a = 1;\nconst b = 1;\n');
  await writeFile(join(outside, 'secret.txt'), 'outside secret\n');
  await symlink(outside, join(repo, 'link')); // a directory outside
  await symlink(join(outside, 'secret.txt'), join(repo, 'secret-link')); // a file outside
  await symlink(join(outside, 'not-yet.txt'), join(repo, 'dangling-link')); // a missing file outside
  await symlink('.git', join(repo, 'git-link')); // into .git
  await symlink('src/app.ts', join(repo, 'inner-link')); // inside: fine
  return { repo, outside };
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const files = await listFilesRecursively(dir);
  return Object.fromEntries(await Promise.all(files.map(async (path) => [path, await readFile(path, 'utf8')] as const)));
}

function statuses(results: EditResult[]): string[] {
  return results.map((result) => `${result.path}: ${result.status}`);
}

test('paths that leave the repository or enter .git are refused and nothing outside changes', async (t) => {
  const { repo, outside } = await createSandbox(t);
  const before = await snapshot(outside);
  const gitConfigBefore = await readFile(join(repo, '.git/config'), 'utf8');
  const absolute = join(outside, 'absolute.txt');
  const edits: FileEdit[] = [
    { path: '../../etc/passwd', action: 'write', content: 'root::0:0\n' },
    { path: '/tmp/x', action: 'write', content: 'x' },
    { path: absolute, action: 'write', content: 'x' },
    { path: 'src/../../escape.txt', action: 'write', content: 'x' },
    { path: '.git/config', action: 'write', content: '[core]\n\thooksPath = /tmp\n' },
    { path: '.GIT/config', action: 'replace', search: '[core]', replace: '[evil]' },
    { path: 'vendor/lib/.git/hooks/pre-commit', action: 'write', content: '#!/bin/sh\n' },
    { path: 'git-link/config', action: 'write', content: 'x' },
    { path: 'link', action: 'write', content: 'x' },
    { path: 'link/file', action: 'write', content: 'through the link' },
    { path: 'link/secret.txt', action: 'delete' },
    { path: 'secret-link', action: 'write', content: 'overwritten' },
    { path: 'secret-link', action: 'replace', search: 'outside', replace: 'inside' },
    { path: 'secret-link', action: 'delete' },
    { path: 'dangling-link', action: 'write', content: 'created outside?' },
    { path: '', action: 'write', content: 'x' },
    { path: 'a\0b', action: 'write', content: 'x' },
    { path: '.', action: 'delete' },
  ];
  const results = await applyEdits(repo, edits);
  assert.deepEqual(
    results.map((result) => result.status),
    edits.map(() => 'refused'),
    statuses(results).join('\n'),
  );
  for (const result of results) assert.ok(result.status !== 'applied' && result.reason.length > 0);
  assert.match(reasonOf(results, '../../etc/passwd'), /outside the repository/);
  assert.match(reasonOf(results, '/tmp/x'), /absolute/);
  assert.match(reasonOf(results, '.git/config'), /\.git/);
  assert.match(reasonOf(results, 'link/file'), /symlink/);

  assert.deepEqual(await snapshot(outside), before, 'nothing outside changed');
  assert.equal(await readFile(join(repo, '.git/config'), 'utf8'), gitConfigBefore);
  assert.equal(await readlink(join(repo, 'secret-link')), join(outside, 'secret.txt'), 'the link itself is still there');
  await assert.rejects(lstat(join(repo, 'vendor')), { code: 'ENOENT' }, 'no directories were created for refused edits');
});

function reasonOf(results: EditResult[], path: string): string {
  const result = results.find((candidate) => candidate.path === path);
  assert.ok(result && result.status !== 'applied', `${path} was not refused`);
  return result.reason;
}

test('write, replace and delete apply in order; a refusal does not stop the others', async (t) => {
  const { repo } = await createSandbox(t);
  const results = await applyEdits(repo, [
    { path: 'src/deep/new/file.ts', action: 'write', content: 'export {};\n' },
    { path: '../outside.txt', action: 'write', content: 'x' },
    { path: 'src/app.ts', action: 'replace', search: 'const a = 1;', replace: 'const a = "$&$1";' },
    { path: 'src/deep/new/file.ts', action: 'replace', search: 'export {};', replace: 'export const ok = true;' },
    { path: './src//other.ts', action: 'write', content: '' },
    { path: 'src/other.ts', action: 'delete' },
  ]);
  assert.deepEqual(results.map((result) => result.status), ['applied', 'refused', 'applied', 'applied', 'applied', 'applied']);
  assert.equal(await readFile(join(repo, 'src/deep/new/file.ts'), 'utf8'), 'export const ok = true;\n');
  assert.equal(await readFile(join(repo, 'src/app.ts'), 'utf8'), 'const a = "$&$1";\nconst b = 1;\n', 'replacement is literal');
  await assert.rejects(lstat(join(repo, 'src/other.ts')), { code: 'ENOENT' });
});

test('replace needs exactly one match; bad edits fail with a reason the Coder can act on', async (t) => {
  const { repo } = await createSandbox(t);
  const results = await applyEdits(repo, [
    { path: 'src/app.ts', action: 'replace', search: 'const c = 1;', replace: 'x' },
    { path: 'src/app.ts', action: 'replace', search: ' = 1;', replace: ' = 2;' },
    { path: 'src/missing.ts', action: 'replace', search: 'a', replace: 'b' },
    { path: 'src/app.ts', action: 'replace', search: '', replace: 'b' },
    { path: 'src/app.ts', action: 'write' },
    { path: 'src/missing.ts', action: 'delete' },
    { path: 'src', action: 'delete' },
    { path: 'src', action: 'write', content: 'x' },
    { path: 'src/app.ts/child', action: 'write', content: 'x' },
    { path: 'src/app.ts', action: 'rename' as FileEdit['action'] },
  ]);
  assert.deepEqual(results.map((result) => result.status), results.map(() => 'failed'), statuses(results).join('\n'));
  const reasons = results.map((result) => (result.status === 'applied' ? '' : result.reason));
  assert.match(reasons[0]!, /0 times/);
  assert.match(reasons[1]!, /2 times/);
  assert.match(reasons[2]!, /does not exist/);
  assert.match(reasons[3]!, /search/);
  assert.match(reasons[4]!, /content/);
  assert.match(reasons[5]!, /does not exist/);
  assert.match(reasons[6]!, /directory/);
  assert.match(reasons[9]!, /unknown action/);
  assert.equal(await readFile(join(repo, 'src/app.ts'), 'utf8'), 'const a = 1;\nconst b = 1;\n', 'unchanged');
});

test('a symlink that stays inside the repository is written through, and deleting it removes only the link', async (t) => {
  const { repo } = await createSandbox(t);
  const results = await applyEdits(repo, [
    { path: 'inner-link', action: 'replace', search: 'const b = 1;', replace: 'const b = 2;' },
    { path: 'inner-link', action: 'delete' },
  ]);
  assert.deepEqual(results.map((result) => result.status), ['applied', 'applied']);
  assert.equal(await readFile(join(repo, 'src/app.ts'), 'utf8'), 'const a = 1;\nconst b = 2;\n');
  await assert.rejects(lstat(join(repo, 'inner-link')), { code: 'ENOENT' });
});
