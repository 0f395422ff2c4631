import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { TandemError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import { taskIdSchema } from '../../queue/work-job.ts';
import { assertBranchName } from './branch-name.ts';
import type { Environment } from './git-auth.ts';
import { createGit, defaultGitTimeoutMs } from './git-client.ts';
import { GitCheckout } from './git-checkout.ts';
import { gitFailure } from './git-errors.ts';
import { MirrorCache } from './mirror-cache.ts';
import { remoteUrlFor } from './remote-url.ts';
import type { OpenCheckoutInput, TaskCheckout, Workspace } from './workspace.ts';

export interface GitWorkspaceOptions {
  /** `WORKSPACE_DIR`: holds `mirrors/<owner>/<repo>.git` and `tasks/<taskId>`. */
  root: string;
  /** `GIT_REMOTE_URL`, e.g. `https://github.com/{owner}/{repo}.git`. */
  remoteUrlTemplate: string;
  /** `GITHUB_TOKEN`: sent to http(s) remotes as a header through the git child's environment only. */
  token?: string;
  logger?: Logger;
  /** Environment the git children inherit (guarded git variables removed). */
  baseEnv?: Environment;
  /** Bound for each git child process. */
  gitTimeoutMs?: number;
}

/** Committer identity (authors come from `commit`), and no signing prompts from a global config. */
const checkoutConfig = { 'user.name': 'tandem', 'user.email': 'tandem@localhost', 'commit.gpgSign': 'false' };

/** Task checkouts cloned from a per-repository mirror cache (see `MirrorCache`). */
export class GitWorkspace implements Workspace {
  readonly #options: GitWorkspaceOptions;
  readonly #logger: Logger;
  readonly #baseEnv: Environment;
  readonly #timeoutMs: number;
  readonly #mirrors: MirrorCache;

  constructor(options: GitWorkspaceOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#baseEnv = options.baseEnv ?? process.env;
    this.#timeoutMs = options.gitTimeoutMs ?? defaultGitTimeoutMs;
    this.#mirrors = new MirrorCache({
      root: join(options.root, 'mirrors'),
      token: options.token,
      baseEnv: this.#baseEnv,
      timeoutMs: this.#timeoutMs,
      logger: this.#logger,
    });
  }

  async open(input: OpenCheckoutInput): Promise<TaskCheckout> {
    if (!taskIdSchema.safeParse(input.taskId).success) {
      throw new TandemError('invalid_task_id', `"${input.taskId}" is not a valid task id`);
    }
    assertBranchName(input.branch);
    if (input.baseBranch !== undefined) assertBranchName(input.baseBranch, 'base branch');
    const repoLabel = `${input.repo.owner}/${input.repo.name}`;
    const remote = remoteUrlFor(this.#options.remoteUrlTemplate, input.repo);
    if (remote.removedCredentials) {
      this.#logger.warn({ repo: repoLabel }, 'GIT_REMOTE_URL carries credentials; they were removed (set GITHUB_TOKEN instead)');
    }
    const tasksDir = join(this.#options.root, 'tasks');
    const dir = join(tasksDir, input.taskId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(tasksDir, { recursive: true });
    try {
      await this.#mirrors.use({ repo: input.repo, remoteUrl: remote.url, signal: input.signal }, async (mirrorDir) => {
        const parentGit = createGit(tasksDir, { baseEnv: this.#baseEnv, timeoutMs: this.#timeoutMs, signal: input.signal });
        await parentGit.raw(['clone', '--quiet', '--no-checkout', '--', mirrorDir, dir]);
      });
      const checkoutGit = createGit(dir, { baseEnv: this.#baseEnv, timeoutMs: this.#timeoutMs, signal: input.signal });
      await checkoutGit.raw(['remote', 'set-url', 'origin', remote.url]);
      for (const [key, value] of Object.entries(checkoutConfig)) await checkoutGit.raw(['config', '--local', key, value]);
      const baseBranch = input.baseBranch ?? (await defaultBranch(checkoutGit, repoLabel));
      if (baseBranch === input.branch) {
        throw new TandemError('invalid_branch', `the task branch "${input.branch}" must differ from the base branch`);
      }
      if (!(await hasRemoteBranch(checkoutGit, baseBranch))) {
        throw new TandemError('base_branch_missing', `${repoLabel} has no branch "${baseBranch}" to start from`);
      }
      const existedOnRemote = await hasRemoteBranch(checkoutGit, input.branch);
      const start = `refs/remotes/origin/${existedOnRemote ? input.branch : baseBranch}`;
      await checkoutGit.raw(['checkout', '--quiet', '--force', '--no-track', '-B', input.branch, start]);
      this.#logger.info({ taskId: input.taskId, repo: repoLabel, branch: input.branch, baseBranch, existedOnRemote }, 'task checkout ready');
      return new GitCheckout({
        dir,
        branch: input.branch,
        baseBranch,
        existedOnRemote,
        repoLabel,
        remoteUrl: remote.url,
        token: this.#options.token,
        baseEnv: this.#baseEnv,
        timeoutMs: this.#timeoutMs,
        signal: input.signal,
        logger: this.#logger,
      });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      if (error instanceof TandemError) throw error;
      throw gitFailure('git_checkout_failed', `preparing the checkout of ${repoLabel} failed`, error, this.#options.token);
    }
  }
}

async function defaultBranch(git: SimpleGit, repoLabel: string): Promise<string> {
  const head = (await git.raw(['symbolic-ref', '-q', 'refs/remotes/origin/HEAD'])).trim();
  const prefix = 'refs/remotes/origin/';
  if (!head.startsWith(prefix)) {
    throw new TandemError('base_branch_missing', `could not tell the default branch of ${repoLabel}; is the repository empty?`);
  }
  return head.slice(prefix.length);
}

async function hasRemoteBranch(git: SimpleGit, branch: string): Promise<boolean> {
  const sha = await git.raw(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}^{commit}`]);
  return sha.trim() !== '';
}
