import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TandemError } from '../errors.ts';
import type { Environment } from '../worker/workspace/git-auth.ts';
import { defaultGitTimeoutMs, gitChildEnvironment } from '../worker/workspace/git-client.ts';
import { gitCommandFailure, gitFailureText } from '../worker/workspace/git-errors.ts';
import type { MergeMethod } from './pull-requests.ts';

const execFileAsync = promisify(execFile);

/** Runs git with `args` in one directory and returns stdout; a failure rejects with `git_command_failed` (git's output, the cause). */
type Git = (args: string[]) => Promise<string>;

/**
 * Every commit tandem makes here (squash and merge commits, and the committer of rebased
 * commits) is `tandem <tandem@tandem.invalid>`, whatever the repository's own identity.
 * Signing is off (no prompts) and rerere is off (a conflict is never resolved silently).
 */
const settings = ['-c', 'user.name=tandem', '-c', 'user.email=tandem@tandem.invalid', '-c', 'commit.gpgSign=false', '-c', 'rerere.enabled=false'];

export interface LocalMergeInput {
  head: string;
  base: string;
  method: MergeMethod;
  /** Commit message paragraphs, the subject first (`rebase` keeps the head's own messages). */
  message: string[];
}

/**
 * Git on the user's own repository for `LocalPullRequests`. A merge result is always built in
 * a temporary detached worktree, so a conflict never reaches the user's working tree; base
 * then moves by compare-and-set: a fast-forward inside the working tree that has base checked
 * out (so its files follow), otherwise `update-ref` with the old value.
 *
 * Git runs through `execFile` with the project's `gitChildEnvironment` (no prompts, English
 * messages, inherited `GIT_*` variables dropped) rather than simple-git, whose `raw` resolves
 * when git fails without writing to stderr (`merge-base --is-ancestor`, a conflicted merge),
 * and this class decides on exit codes.
 */
export class LocalRepository {
  readonly path: string;
  readonly #environment: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(path: string, options: { baseEnv?: Environment; timeoutMs?: number } = {}) {
    this.path = resolve(path);
    this.#environment = gitChildEnvironment(options.baseEnv ?? process.env);
    this.#timeoutMs = options.timeoutMs ?? defaultGitTimeoutMs;
  }

  /** The commit `branch` points at, or undefined when there is no such branch. */
  async branchSha(branch: string): Promise<string | undefined> {
    const sha = await this.#git()(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]).catch(() => '');
    return sha.trim() || undefined;
  }

  /** The working tree (main or linked) that has `branch` checked out, if any. */
  async checkedOutAt(branch: string): Promise<string | undefined> {
    const listing = await this.#git()(['worktree', 'list', '--porcelain']);
    let current: string | undefined;
    for (const line of listing.split('\n')) {
      if (line.startsWith('worktree ')) current = line.slice('worktree '.length);
      if (line === `branch refs/heads/${branch}`) return current;
    }
    return undefined;
  }

  /** Deletes `branch`; false when it did not exist. Refuses a branch checked out anywhere. */
  async deleteBranch(branch: string): Promise<boolean> {
    if ((await this.branchSha(branch)) === undefined) return false;
    const worktree = await this.checkedOutAt(branch);
    if (worktree !== undefined) {
      throw new TandemError('pr_branch_checked_out', `cannot delete ${branch}: it is checked out in ${worktree}; switch that working tree to another branch first`);
    }
    await this.#git()(['branch', '-D', branch]);
    return true;
  }

  /** Merges `head` into `base` with `method` and returns base's new commit. */
  async merge(input: LocalMergeInput): Promise<string> {
    const { head, base } = input;
    const baseSha = await this.branchSha(base);
    const headSha = await this.branchSha(head);
    if (baseSha === undefined || headSha === undefined) {
      throw new TandemError('pr_branch_missing', `the branch ${baseSha === undefined ? base : head} does not exist in ${this.path}`);
    }
    const worktree = await this.checkedOutAt(base);
    if (worktree !== undefined && (await this.#git(worktree)(['status', '--porcelain', '--untracked-files=no'])).trim() !== '') {
      throw notMergeable(`${base} is checked out in ${worktree} with uncommitted changes: commit or stash your changes in ${worktree} first`);
    }
    if (await succeeds(this.#git()(['merge-base', '--is-ancestor', headSha, baseSha]))) {
      throw notMergeable(`${head} has nothing that ${base} does not already have`);
    }
    const start = input.method === 'rebase' ? headSha : baseSha;
    const resultSha = await this.#inTemporaryWorktree(start, (git) => combine(git, input, headSha, baseSha));
    const target = await this.checkedOutAt(base);
    if ((await this.branchSha(base)) !== baseSha) {
      throw new TandemError('pr_not_mergeable', `${base} moved while merging; try again`, { retryable: true });
    }
    try {
      if (target !== undefined) await this.#git(target)(['merge', '--ff-only', '--quiet', resultSha]);
      else await this.#git()(['update-ref', '-m', `tandem: merge ${head}`, `refs/heads/${base}`, resultSha, baseSha]);
    } catch (error) {
      throw notMergeable(`${base} could not be moved to the merge result: ${gitFailureText(error, undefined)}`, error);
    }
    return resultSha;
  }

  /** Runs `action` in a detached worktree at `start`, removed afterwards whatever happens. */
  async #inTemporaryWorktree<T>(start: string, action: (git: Git) => Promise<T>): Promise<T> {
    const directory = await mkdtemp(join(tmpdir(), 'tandem-merge-'));
    try {
      await this.#git()(['worktree', 'add', '--detach', '--quiet', directory, start]);
      return await action(this.#git(directory));
    } finally {
      await this.#git()(['worktree', 'remove', '--force', directory]).catch(() => undefined);
      await rm(directory, { recursive: true, force: true });
      await this.#git()(['worktree', 'prune']).catch(() => undefined);
    }
  }

  #git(directory = this.path): Git {
    return async (args) => {
      const options = { cwd: directory, env: this.#environment, timeout: this.#timeoutMs, killSignal: 'SIGKILL' as const, maxBuffer: 64 * 1024 * 1024 };
      try {
        return (await execFileAsync('git', [...settings, ...args], options)).stdout;
      } catch (error) {
        const { stderr, stdout, code, signal } = error as { stderr?: string; stdout?: string; code?: unknown; signal?: NodeJS.Signals | null };
        const output = (stderr || stdout || '').trim();
        throw gitCommandFailure({ args, exitCode: typeof code === 'number' ? code : null, signal: signal ?? null, output, cause: error });
      }
    };
  }
}

/** Builds the merge result inside the temporary worktree and returns its commit. */
async function combine(git: Git, input: LocalMergeInput, headSha: string, baseSha: string): Promise<string> {
  const messageArguments = input.message.flatMap((paragraph) => ['-m', paragraph]);
  const steps: Record<MergeMethod, { run: string[]; abort?: string[] }> = {
    squash: { run: ['merge', '--squash', '--quiet', headSha] },
    merge: { run: ['merge', '--no-ff', '--no-verify', '--no-edit', '--quiet', ...messageArguments, headSha], abort: ['merge', '--abort'] },
    rebase: { run: ['rebase', '--no-verify', '--quiet', baseSha], abort: ['rebase', '--abort'] },
  };
  const step = steps[input.method];
  try {
    await git(step.run);
  } catch (error) {
    const conflicts = (await git(['diff', '--name-only', '--diff-filter=U']).catch(() => '')).split('\n').filter(Boolean);
    if (step.abort) await git(step.abort).catch(() => undefined);
    const reason = conflicts.length > 0 ? `conflicts in ${conflicts.join(', ')}` : gitFailureText(error, undefined);
    throw notMergeable(`${input.head} cannot be merged into ${input.base}: ${reason}`, error);
  }
  if (input.method === 'squash') {
    if (await succeeds(git(['diff', '--cached', '--quiet']))) throw notMergeable(`${input.head} makes no change to ${input.base}`);
    await git(['commit', '--no-verify', '--quiet', ...messageArguments]);
  }
  return (await git(['rev-parse', 'HEAD'])).trim();
}

async function succeeds(run: Promise<unknown>): Promise<boolean> {
  return run.then(
    () => true,
    () => false,
  );
}

function notMergeable(message: string, cause?: unknown): TandemError {
  return new TandemError('pr_not_mergeable', message, { cause, retryable: false });
}
