import assert from 'node:assert/strict';
import { test } from 'node:test';
import { symlinkEscape } from '../../../src/worker/output-guardrail/symlink-target.ts';
import { createGuardrailRepo, findingsOf, summaries, text } from './guardrail-repo.ts';

const megabyte = 1024 * 1024;

/** `bytes` bytes of binary data (a NUL every 64 bytes). */
function binary(bytes: number): Buffer {
  return Buffer.alloc(bytes, 'binary-data-with-nuls-------------------------------------------\0');
}

test('symlink targets are judged lexically from the link’s directory', () => {
  assert.equal(symlinkEscape('link', 'src/app.js'), undefined);
  assert.equal(symlinkEscape('docs/readme', '../README.md'), undefined);
  assert.equal(symlinkEscape('a/b/c', '../../d/./e'), undefined);
  assert.match(symlinkEscape('link', '/etc/passwd') ?? '', /absolute/);
  assert.match(symlinkEscape('link', 'C:\\Windows') ?? '', /absolute/);
  assert.match(symlinkEscape('link', '..') ?? '', /outside/);
  assert.match(symlinkEscape('docs/readme', '../../secrets') ?? '', /outside/);
  assert.match(symlinkEscape('a/b', 'c/../../../x') ?? '', /outside/);
  assert.match(symlinkEscape('config', '.git/config') ?? '', /into \.git/);
});

test('symlinks inside the repository pass', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.link('app-link.js', 'src/app.js');
  await repo.link('docs/readme.md', '../README.md');
  assert.deepEqual(await repo.check(), { ok: true });
});

test('symlinks out of the repository block', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.link('passwd', '/etc/passwd');
  await repo.link('docs/home', '../../..');
  await repo.link('git-config', '.git/config');
  const verdict = await repo.check();
  assert.deepEqual(summaries(verdict).sort(), ['symlink_out docs/home', 'symlink_out git-config', 'symlink_out passwd']);
  const passwd = findingsOf(verdict).find((finding) => finding.path === 'passwd');
  assert.match(passwd!.detail, /is a symlink that points to an absolute path outside the repository \(→ \/etc\/passwd\)/);
});

test('a binary over the binary limit blocks; text of the same size does not', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'assets/small.bin': binary(200 * 1024), 'docs/big.txt': text(2 * megabyte) });
  assert.deepEqual(await repo.check(), { ok: true });
  await repo.commit({ 'assets/video.bin': binary(1.5 * megabyte) });
  const verdict = await repo.check();
  assert.deepEqual(summaries(verdict), ['oversized_binary assets/video.bin']);
  assert.match(findingsOf(verdict)[0]!.detail, /is a binary file of 1\.5 MB \(the limit for binaries is 1 MB\)/);
});

test('any file over the file limit blocks, text included', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'data/dump.sql': text(6 * megabyte), 'src/app.js': 'export const answer = 43;\n' });
  const verdict = await repo.check();
  assert.deepEqual(summaries(verdict), ['oversized_file data/dump.sql']);
  assert.match(findingsOf(verdict)[0]!.detail, /is 6 MB \(the limit for any file is 5 MB\)/);
});

test('the limits are options', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'assets/icon.bin': binary(4096), 'notes.txt': text(3000) });
  assert.deepEqual(await repo.check(), { ok: true });
  assert.deepEqual(summaries(await repo.check({ maxBinaryBytes: 1024 })), ['oversized_binary assets/icon.bin']);
  assert.deepEqual(summaries(await repo.check({ maxFileBytes: 2048 })).sort(), ['oversized_file assets/icon.bin', 'oversized_file notes.txt']);
});
