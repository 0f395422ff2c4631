import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { LocalPullRequests } from '../../src/github/local-pull-requests.ts';
import type { OpenPullRequestInput } from '../../src/github/pull-requests.ts';
import { git } from '../kit/git-repos.ts';
import { rejectsWith } from '../kit/assertions.ts';

const repo = { owner: 'local', name: 'console' };
const head = 'tandem/abc-fix';

describe('LocalPullRequests on a real local repository', () => {
  let scratch: string;
  let repositoryPath: string;
  let reportsDir: string;
  let pullRequests: LocalPullRequests;

  /** Does what the worker does: clone the repository, commit `files` on `branch`, push the branch back. */
  async function pushTaskBranch(branch: string, files: Record<string, string>, message = 'task work'): Promise<void> {
    const clone = await mkdtemp(join(scratch, 'worker-'));
    await git(clone, 'clone', '--quiet', `file://${repositoryPath}`, '.');
    const start = (await git(clone, 'ls-remote', '--heads', 'origin', branch)) === '' ? 'origin/main' : `origin/${branch}`;
    await git(clone, 'checkout', '--quiet', '-B', branch, start);
    for (const [path, content] of Object.entries(files)) await writeFile(join(clone, path), content);
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', message);
    await git(clone, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
  }

  /** Commits `files` on the branch checked out in the user's repository. */
  async function commitInRepository(files: Record<string, string>, message: string): Promise<void> {
    for (const [path, content] of Object.entries(files)) await writeFile(join(repositoryPath, path), content);
    await git(repositoryPath, 'add', '--all');
    await git(repositoryPath, 'commit', '--quiet', '-m', message);
  }

  const open = (extra: Partial<OpenPullRequestInput> = {}) =>
    pullRequests.openOrUpdate({
      repo,
      head,
      base: 'main',
      title: 'Fix the greeting',
      body: '## Summary\n\nThe greeting now says hello to the world.\n\n## Tests\n\n3 passed',
      draft: false,
      ...extra,
    });

  const sha = (ref: string) => git(repositoryPath, 'rev-parse', ref);
  const mainCommitCount = async () => Number(await git(repositoryPath, 'rev-list', '--count', 'main'));

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tandem-local-prs-'));
    repositoryPath = join(scratch, 'project');
    reportsDir = join(scratch, 'reports');
    await git(scratch, 'init', '--quiet', '--initial-branch=main', repositoryPath);
    await commitInRepository({ 'greeting.txt': 'hello\n', 'notes.txt': 'notes\n' }, 'initial commit');
    await pushTaskBranch(head, { 'greeting.txt': 'hello world\n' }, 'say hello to the world');
    pullRequests = new LocalPullRequests({ repositoryPath, reportsDir, now: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
  });

  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('opening stores a record and writes the report file its url points at', async () => {
    const pull = await open();
    assert.deepEqual({ ...pull, url: undefined }, {
      number: 1,
      url: undefined,
      state: 'open',
      merged: false,
      draft: false,
      headBranch: head,
      baseBranch: 'main',
    });
    const reportPath = fileURLToPath(pull.url);
    assert.equal(reportPath, join(reportsDir, '1-tandem-abc-fix.md'));
    assert.match(await readFile(reportPath, 'utf8'), /The greeting now says hello to the world/);
    const records = JSON.parse(await readFile(join(reportsDir, 'pulls.json'), 'utf8'));
    assert.equal(records.length, 1);
    assert.equal(records[0].createdAt, '2025-01-02T03:04:05.000Z');
    assert.equal(records[0].mergeSha, null);
    assert.deepEqual(await pullRequests.get(repo, 1), pull);
  });

  test('opening again for the same head updates that pull request instead of adding a second', async () => {
    await open();
    const updated = await open({ title: 'Fix the greeting, take two', body: 'second body', draft: true });
    assert.equal(updated.number, 1);
    assert.equal(updated.draft, true);
    const report = await readFile(fileURLToPath(updated.url), 'utf8');
    assert.match(report, /second body/);
    assert.match(report, /take two/);
    assert.doesNotMatch(report, /hello to the world/);
    assert.equal(JSON.parse(await readFile(join(reportsDir, 'pulls.json'), 'utf8')).length, 1);
  });

  test('opening for a branch the repository does not have is pr_branch_missing naming it', async () => {
    const error = await rejectsWith(open({ head: 'tandem/nope' }), 'pr_branch_missing');
    assert.match(error.message, /tandem\/nope/);
    assert.equal(existsSync(join(reportsDir, 'pulls.json')), false);
  });

  test('an unknown number is pr_not_found', async () => {
    await rejectsWith(pullRequests.get(repo, 7), 'pr_not_found');
    await rejectsWith(pullRequests.merge({ repo, number: 7, method: 'squash' }), 'pr_not_found');
  });

  test('a squash merge into the checked-out, clean base adds one commit with the title and updates the files', async () => {
    const pull = await open();
    const before = await mainCommitCount();
    const { sha: mergeSha } = await pullRequests.merge({ repo, number: pull.number, method: 'squash' });
    assert.equal(await sha('main'), mergeSha);
    assert.equal(await mainCommitCount(), before + 1);
    assert.equal(await git(repositoryPath, 'log', '-1', '--format=%s', 'main'), 'Fix the greeting');
    assert.match(await git(repositoryPath, 'log', '-1', '--format=%b', 'main'), /The greeting now says hello to the world\./);
    assert.equal(await git(repositoryPath, 'log', '-1', '--format=%an <%ae>', 'main'), 'tandem <tandem@tandem.invalid>');
    assert.equal(await readFile(join(repositoryPath, 'greeting.txt'), 'utf8'), 'hello world\n');
    assert.equal(await git(repositoryPath, 'status', '--porcelain'), '');
    assert.equal(await git(repositoryPath, 'branch', '--list', head), head, 'the head branch is kept');
    assert.deepEqual(await pullRequests.get(repo, 1), { ...pull, state: 'closed', merged: true });

    const again = await pullRequests.merge({ repo, number: pull.number, method: 'squash' });
    assert.equal(again.sha, mergeSha);
    assert.equal(await mainCommitCount(), before + 1);
  });

  test('merging while the repository is on another branch advances base and leaves that checkout untouched', async () => {
    await git(repositoryPath, 'checkout', '--quiet', '-b', 'feature');
    await commitInRepository({ 'notes.txt': 'my own notes\n' }, 'my work');
    await writeFile(join(repositoryPath, 'scratch.txt'), 'uncommitted\n');
    const featureSha = await sha('feature');
    const mainBefore = await sha('main');
    const pull = await open();

    const { sha: mergeSha } = await pullRequests.merge({ repo, number: pull.number, method: 'squash' });
    assert.equal(await sha('main'), mergeSha);
    assert.equal(await sha('main~1'), mainBefore);
    assert.equal(await git(repositoryPath, 'show', 'main:greeting.txt'), 'hello world');
    assert.equal(await git(repositoryPath, 'symbolic-ref', '--short', 'HEAD'), 'feature');
    assert.equal(await sha('feature'), featureSha);
    assert.equal(await readFile(join(repositoryPath, 'greeting.txt'), 'utf8'), 'hello\n');
    assert.equal(await git(repositoryPath, 'status', '--porcelain'), '?? scratch.txt');
    assert.equal((await git(repositoryPath, 'worktree', 'list')).split('\n').length, 1, 'no worktree is left behind');
  });

  test('a dirty working tree on base is pr_not_mergeable and changes nothing', async () => {
    const pull = await open();
    await writeFile(join(repositoryPath, 'notes.txt'), 'edited but not committed\n');
    const mainBefore = await sha('main');
    const error = await rejectsWith(pullRequests.merge({ repo, number: pull.number, method: 'squash' }), 'pr_not_mergeable');
    assert.match(error.message, /commit or stash your changes in .*project first/);
    assert.equal(await sha('main'), mainBefore);
    assert.equal(await git(repositoryPath, 'status', '--porcelain'), 'M notes.txt');
    assert.equal((await pullRequests.get(repo, pull.number)).state, 'open');
  });

  test('a conflict is pr_not_mergeable naming the file, and base and its checkout stay as they were', async () => {
    await commitInRepository({ 'greeting.txt': 'good morning\n' }, 'a different greeting on main');
    const mainBefore = await sha('main');
    const pull = await open();
    const error = await rejectsWith(pullRequests.merge({ repo, number: pull.number, method: 'merge' }), 'pr_not_mergeable');
    assert.match(error.message, /greeting\.txt/);
    assert.equal(await sha('main'), mainBefore);
    assert.equal(await git(repositoryPath, 'status', '--porcelain'), '');
    assert.equal(existsSync(join(repositoryPath, '.git', 'MERGE_HEAD')), false);
    assert.equal((await git(repositoryPath, 'worktree', 'list')).split('\n').length, 1);
    assert.deepEqual(await pullRequests.get(repo, pull.number), pull);
    await rejectsWith(pullRequests.merge({ repo, number: pull.number, method: 'squash' }), 'pr_not_mergeable');
    await rejectsWith(pullRequests.merge({ repo, number: pull.number, method: 'rebase' }), 'pr_not_mergeable');
    assert.equal(await sha('main'), mainBefore);
  });

  test("the 'merge' method makes a merge commit with two parents", async () => {
    await commitInRepository({ 'notes.txt': 'notes on main\n' }, 'main moved on');
    const mainBefore = await sha('main');
    const pull = await open();
    const { sha: mergeSha } = await pullRequests.merge({ repo, number: pull.number, method: 'merge' });
    assert.equal(await sha('main'), mergeSha);
    assert.deepEqual((await git(repositoryPath, 'log', '-1', '--format=%P', mergeSha)).split(' '), [mainBefore, await sha(head)]);
    assert.equal(await git(repositoryPath, 'log', '-1', '--format=%s', mergeSha), `Merge pull request #1 from ${head}`);
    assert.equal(await readFile(join(repositoryPath, 'greeting.txt'), 'utf8'), 'hello world\n');
  });

  test("the 'rebase' method replays head's commits onto base and fast-forwards base, head unchanged", async () => {
    await commitInRepository({ 'notes.txt': 'notes on main\n' }, 'main moved on');
    const mainBefore = await sha('main');
    const headBefore = await sha(head);
    const pull = await open();
    const { sha: mergeSha } = await pullRequests.merge({ repo, number: pull.number, method: 'rebase' });
    assert.equal(await sha('main'), mergeSha);
    assert.equal(await sha('main~1'), mainBefore);
    assert.equal(await git(repositoryPath, 'log', '-1', '--format=%s', mergeSha), 'say hello to the world');
    assert.equal(await sha(head), headBefore);
  });

  test('a draft cannot be merged', async () => {
    const pull = await open({ draft: true });
    await rejectsWith(pullRequests.merge({ repo, number: pull.number, method: 'squash' }), 'pr_not_mergeable');
  });

  test('closing with deleteBranch removes the branch, and closing again is fine', async () => {
    const pull = await open();
    await pullRequests.close({ repo, number: pull.number, deleteBranch: true });
    assert.equal(await git(repositoryPath, 'branch', '--list', head), '');
    assert.equal((await pullRequests.get(repo, pull.number)).state, 'closed');
    await pullRequests.close({ repo, number: pull.number, deleteBranch: true });
    await rejectsWith(pullRequests.merge({ repo, number: pull.number, method: 'squash' }), 'pr_not_mergeable');
  });

  test('closing refuses to delete the branch checked out in the repository and keeps the pull request open', async () => {
    const pull = await open();
    await git(repositoryPath, 'checkout', '--quiet', head);
    const error = await rejectsWith(pullRequests.close({ repo, number: pull.number, deleteBranch: true }), 'pr_branch_checked_out');
    assert.match(error.message, /checked out/);
    assert.equal((await pullRequests.get(repo, pull.number)).state, 'open');
  });

  test('a git failure is git_command_failed with git’s words and its cause; one behind a lock may pass on retry', async () => {
    const pull = await open();
    const lock = join(repositoryPath, '.git', 'refs', 'heads', `${head}.lock`);
    await writeFile(lock, '');
    const error = await rejectsWith(pullRequests.close({ repo, number: pull.number, deleteBranch: true }), 'git_command_failed');
    assert.match(error.message, /^git branch exited \d+: .*abc-fix\.lock/);
    assert.equal(error.retryable, true, 'another git process holds the lock');
    assert.ok(error.cause instanceof Error);
    assert.equal((await pullRequests.get(repo, pull.number)).state, 'open', 'nothing changed');
    await rm(lock);
    await pullRequests.close({ repo, number: pull.number, deleteBranch: true });
    assert.equal(await git(repositoryPath, 'branch', '--list', head), '');
  });

  test('comments go under a Comments heading in the report and survive a body update', async () => {
    const pull = await open();
    await pullRequests.comment({ repo, number: pull.number, body: 'please also update the docs' });
    await open({ body: 'newer body' });
    const report = await readFile(fileURLToPath(pull.url), 'utf8');
    assert.match(report, /newer body[\s\S]*## Comments[\s\S]*please also update the docs/);
  });
});
