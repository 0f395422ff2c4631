import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddedLines } from '../../../src/worker/output-guardrail/commit-changes.ts';
import { OutputBlockedError, checkOutgoingChanges, describeFinding } from '../../../src/worker/output-guardrail/output-guardrail.ts';
import { createGuardrailRepo, fakeGitHubToken, findingsOf, summaries } from './guardrail-repo.ts';
import { git } from '../../kit/git-repos.ts';

const fakeSlackToken = ['xo', 'xb-', '2048', '-', '99812', '-', 'Hq8ZtR2mKp4Vx7Nc'].join('');

test('ordinary changes pass', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'src/app.js': 'export const answer = 43;\nexport const token = process.env.TOKEN;\n', 'docs/usage.md': '# Usage\n' });
  await repo.commit({ 'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2, 3]) });
  await repo.remove('README.md');
  assert.deepEqual(await repo.check(), { ok: true });
});

test('nothing to push passes', async (t) => {
  const repo = await createGuardrailRepo(t);
  assert.deepEqual(await repo.check(), { ok: true });
});

test('an added secret blocks with its kind and place, never its value', async (t) => {
  const repo = await createGuardrailRepo(t);
  const sha = await repo.commit({ 'src/config.js': `export const owner = 'acme';\nexport const githubToken = '${fakeGitHubToken}';\n` });
  const verdict = await repo.check();
  assert.deepEqual(summaries(verdict), ['secret src/config.js:2']);
  const [finding] = findingsOf(verdict);
  assert.match(finding!.detail, /GitHub token/);
  assert.equal(finding!.commit, sha);
  const error = new OutputBlockedError('tandem/task-1', findingsOf(verdict));
  assert.equal(error.code, 'output_blocked');
  assert.equal(error.retryable, false);
  assert.match(error.message, /src\/config\.js:2 adds a secret \(GitHub token\)/);
  for (const text of [error.message, JSON.stringify(verdict), describeFinding(finding!)]) {
    assert.ok(!text.includes(fakeGitHubToken) && !text.includes(fakeGitHubToken.slice(4, 20)), text);
  }
});

test('removed secret lines do not block; unchanged ones around an edit do not either', async (t) => {
  const repo = await createGuardrailRepo(t, {
    'README.md': '# app\n',
    'legacy/keys.txt': `slack=${fakeSlackToken}\nowner=acme\n`,
    'src/settings.js': `const one = 1;\nconst slack = '${fakeSlackToken}';\nconst two = 2;\n`,
  });
  await repo.commit({ 'legacy/keys.txt': 'owner=acme\n', 'src/settings.js': `const one = 1;\nconst slack = '${fakeSlackToken}';\nconst two = 3;\n` });
  await repo.remove('legacy/keys.txt');
  assert.deepEqual(await repo.check(), { ok: true });
});

test('a secret added in one commit and removed in the next still blocks: both commits would be pushed', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'notes.txt': `slack ${fakeSlackToken}\n` });
  await repo.commit({ 'notes.txt': 'nothing here\n' });
  const verdict = await repo.check();
  assert.deepEqual(summaries(verdict), ['secret notes.txt:1']);
  assert.match(findingsOf(verdict)[0]!.detail, /Slack token/);
});

test('a private key block, and a secret hidden in a file git calls binary, block', async (t) => {
  const repo = await createGuardrailRepo(t);
  const header = ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' ');
  await repo.commit({
    'deploy/id_rsa': `${header}\nMIIEowIBAAKCAQEA7v2\n-----END RSA PRIVATE KEY-----\n`,
    'data/blob.bin': Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(`\n${fakeGitHubToken}\n`)]),
  });
  const verdict = await repo.check();
  assert.deepEqual(summaries(verdict).sort(), ['secret data/blob.bin:2', 'secret deploy/id_rsa:1']);
  assert.ok(!JSON.stringify(verdict).includes('MIIEowIBAAKCAQEA7v2'));
});

test('a file named after a secret blocks, and the name is redacted in the finding', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ [`cache/${fakeGitHubToken}.json`]: '{}\n' });
  const verdict = await repo.check();
  assert.deepEqual(findingsOf(verdict).map((finding) => finding.rule), ['secret']);
  assert.match(findingsOf(verdict)[0]!.detail, /secret in its name \(GitHub token\)/);
  assert.ok(!JSON.stringify(verdict).includes(fakeGitHubToken));
  assert.ok(!new OutputBlockedError('b', findingsOf(verdict)).message.includes(fakeGitHubToken));
});

test('the error names at most five findings and counts the rest', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'keys.txt': Array.from({ length: 7 }, () => `slack ${fakeSlackToken}`).join('\n') });
  const error = new OutputBlockedError('tandem/task-2', findingsOf(await repo.check()));
  assert.equal(error.findings.length, 7);
  assert.match(error.message, /^blocked the push of tandem\/task-2: keys\.txt:1 .*keys\.txt:5 adds a secret \(Slack token\); and 2 more\. Nothing from this step was pushed\.$/);
});

test('added lines are read from the patch with their numbers, quoted file names included', () => {
  const patch = [
    'diff --git a/x b/x', '--- a/x', '+++ b/src/x.js', '@@ -2,0 +3,2 @@', '+three', '++four', '@@ -9 +10,0 @@', '-gone',
    'diff --git a/y b/y', '--- /dev/null', '+++ "b/dir with space/\\"q\\"\\tname é.txt"\t', '@@ -0,0 +1 @@', '+one',
    'diff --git a/z b/z', '--- a/z', '+++ /dev/null', '@@ -1 +0,0 @@', '-removed',
  ].join('\n');
  assert.deepEqual(parseAddedLines(patch), [
    { path: 'src/x.js', lines: [{ number: 3, text: 'three' }, { number: 4, text: '+four' }] },
    { path: 'dir with space/"q"\tname é.txt', lines: [{ number: 1, text: 'one' }] },
  ]);
});

test('every commit of a longer range is read at once and each finding names its commit, merges and odd file names included', async (t) => {
  const repo = await createGuardrailRepo(t);
  const first = await repo.commit({ 'src/one.js': 'export const one = 1;\n' });
  // A side branch carries the secret, in a file whose name needs quoting; the task branch merges it.
  await git(repo.dir, 'checkout', '--quiet', '-b', 'side', repo.base);
  const side = await repo.commit({ 'odd\tname "x".txt': `token ${fakeGitHubToken}\n` });
  await git(repo.dir, 'checkout', '--quiet', 'main');
  await git(repo.dir, 'merge', '--quiet', '--no-ff', '--no-edit', 'side');
  const merge = await git(repo.dir, 'rev-parse', 'HEAD');
  const last = await repo.commit({ 'src/two.js': `export const two = "${fakeSlackToken}";\n` });
  assert.ok(first && side && merge && last);

  const findings = findingsOf(await repo.check());
  const byCommit = findings.map((finding) => `${finding.commit === side ? 'side' : finding.commit === merge ? 'merge' : finding.commit === last ? 'last' : finding.commit} ${finding.path}:${finding.line}`);
  // The side commit and the merge (against its first parent) add the same line: one finding, the later commit's.
  assert.deepEqual(byCommit.sort(), ['last src/two.js:1', 'merge odd\tname "x".txt:1']);
});

test('a root commit is read whatever the user’s git config says about root commits and signatures', async (t) => {
  const repo = await createGuardrailRepo(t);
  await git(repo.dir, 'config', 'log.showRoot', 'false');
  await git(repo.dir, 'config', 'log.showSignature', 'true');
  // A branch that shares no history with the base: its first commit is a root commit.
  await git(repo.dir, 'checkout', '--quiet', '--orphan', 'unrelated');
  await git(repo.dir, 'rm', '-r', '--quiet', '-f', '.');
  const root = await repo.commit({ 'seed.txt': `token ${fakeGitHubToken}\n` }, 'unrelated root');
  const verdict = await checkOutgoingChanges({ repoDir: repo.dir, baseRef: repo.base, headRef: root });
  assert.deepEqual(findingsOf(verdict).map((finding) => `${finding.commit === root ? 'root' : finding.commit} ${finding.rule} ${finding.path}:${finding.line}`), ['root secret seed.txt:1']);
});
