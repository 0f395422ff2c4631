import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { checkOutgoingChanges, type OutputLimits } from '../../../src/worker/output-guardrail/output-guardrail.ts';
import { createGitRunner, type GitRunner, type GitRunnerOptions } from '../../../src/worker/workspace/git-runner.ts';
import { createGuardrailRepo, fakeGitHubToken, seedFiles, summaries, text, type GuardrailRepo } from './guardrail-repo.ts';

const megabyte = 1024 * 1024;

/** The guardrail over `repo` with a runner in its git directory that records each git command. */
async function checkCounting(repo: GuardrailRepo, limits?: Partial<OutputLimits>, options: GitRunnerOptions = {}) {
  const commands: string[] = [];
  const inner = createGitRunner(join(repo.dir, '.git'), options);
  const git: GitRunner = (args, input) => {
    commands.push(args.find((arg, index) => !arg.startsWith('-') && args[index - 1] !== '-c') ?? '');
    return inner(args, input);
  };
  const verdict = await checkOutgoingChanges({ repoDir: repo.dir, baseRef: repo.base, limits, git });
  return { verdict, commands };
}

/** A home directory whose git config names an attributes file holding `attributes`. */
async function homeWithAttributes(t: TestContext, attributes: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'tandem-guardrail-home-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  await mkdir(join(home, 'git'), { recursive: true });
  await writeFile(join(home, 'git', 'attributes'), attributes);
  await writeFile(join(home, '.gitconfig'), `[core]\n\tattributesFile = ${join(home, 'git', 'attributes')}\n`);
  return home;
}

test('a text-only change is read with one git command; files git does not diff add a size read and a text read', async (t) => {
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'src/app.js': 'export const answer = 43;\n', 'docs/usage.md': '# Usage\n' });
  const textOnly = await checkCounting(repo);
  assert.deepEqual(textOnly.verdict, { ok: true });
  assert.deepEqual(textOnly.commands, ['log']);

  await repo.commit({ 'assets/blob.bin': Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(`\nkey ${fakeGitHubToken}\n`)]) });
  const withBinary = await checkCounting(repo);
  assert.deepEqual(summaries(withBinary.verdict), ['secret assets/blob.bin:2']);
  assert.deepEqual(withBinary.commands, ['log', 'cat-file', 'log']);
});

test('a repository’s .gitattributes cannot hide a secret as binary, nor an oversized file as text', async (t) => {
  // `-diff` makes git show .txt files as binary; `diff` makes it diff .dump files as text, whatever their size.
  const repo = await createGuardrailRepo(t, { ...seedFiles, '.gitattributes': '*.txt -diff\n*.dump diff\n' });
  await repo.commit({ 'notes.txt': `token ${fakeGitHubToken}\n`, 'data/rows.dump': text(6 * megabyte) });
  const { verdict, commands } = await checkCounting(repo);
  assert.deepEqual(summaries(verdict).sort(), ['oversized_file data/rows.dump', 'secret notes.txt:1']);
  // notes.txt was diffed with the first read; only the oversized dump needed its size.
  assert.deepEqual(commands, ['log', 'cat-file']);
});

test('the attributes file of the worker’s own git config is set aside too', async (t) => {
  const home = await homeWithAttributes(t, '*.txt -diff\n* diff\n');
  const repo = await createGuardrailRepo(t);
  await repo.commit({ 'notes.txt': `token ${fakeGitHubToken}\n`, 'data/rows.sql': text(6 * megabyte) });
  const { verdict } = await checkCounting(repo, undefined, { baseEnv: { ...process.env, HOME: home, XDG_CONFIG_HOME: home } });
  assert.deepEqual(summaries(verdict).sort(), ['oversized_file data/rows.sql', 'secret notes.txt:1']);
});

test('a file that shrinks from over the file limit to under it still has its added lines read, and text is not called binary', async (t) => {
  const repo = await createGuardrailRepo(t, { ...seedFiles, 'data/big.txt': text(8192) });
  await repo.commit({ 'data/big.txt': `${text(2000)}\nnow smaller, with a token ${fakeGitHubToken}\n` });
  const { verdict, commands } = await checkCounting(repo, { maxFileBytes: 4096, maxBinaryBytes: 1024 });
  assert.deepEqual(summaries(verdict), ['secret data/big.txt:27']);
  // Its size, then a look at its first bytes (over the binary limit: is it binary?), then its lines as text.
  assert.deepEqual(commands, ['log', 'cat-file', 'cat-file', 'log']);
});
