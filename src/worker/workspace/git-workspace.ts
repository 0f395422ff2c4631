import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TandemError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import { taskIdSchema } from '../../queue/work-job.ts';
import { assertBranchName } from './branch-name.ts';
import { CheckoutPool } from './checkout-pool.ts';
import type { Environment } from './git-auth.ts';
import { defaultGitTimeoutMs } from './git-client.ts';
import { CommitFileLists } from './file-list.ts';
import { GitCheckout } from './git-checkout.ts';
import { GitCommandError, gitFailure, isRemoteGitFailure } from './git-errors.ts';
import { createGitRunner, type GitRunner, type GitRunnerFactory } from './git-runner.ts';
import { defaultBranch, fetchedBranches, originHead, remoteBranches, remotePrefix, type RemoteBranch } from './remote-branches.ts';
import type { OutputLimits } from '../output-guardrail/output-guardrail.ts';
import { remoteUrlFor } from './remote-url.ts';
import type { OpenCheckoutInput, TaskCheckout, Workspace } from './workspace.ts';
import { allSideBySide, cloneWorkingCopy, isWorkingCopy } from './working-copy.ts';

export interface GitWorkspaceOptions {
  /** `WORKSPACE_DIR`: holds the kept working copies, `checkouts/<owner>/<repo>/<n>`. */
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
  /** Size limits of the output guardrail every push goes through (defaults: 1 MB binaries, 5 MB any file). */
  outputLimits?: Partial<OutputLimits>;
  /** Makes every git runner of the working copies (default `createGitRunner`). */
  createGit?: GitRunnerFactory;
  now?: () => number;
}

/**
 * Settings of every git command in a kept working copy: fetches, commits and rebases leave
 * git's own upkeep (`maintenance run --auto`, a gc once loose objects or packs pile up) to
 * `TaskCheckout.maintain`, which runs it beside a test run instead of in a step's way.
 */
const keptCopySettings = { 'maintenance.auto': 'false' };

/**
 * Leftovers of a git child killed while it held them (a crash, a cancel, a time limit): a
 * kept working copy would refuse every later command. The slot's lock says no git runs there.
 */
const staleGitState = ['index.lock', 'HEAD.lock', 'config.lock', 'packed-refs.lock', 'rebase-merge', 'rebase-apply'];

/** Where a task's branch starts, read from the working copy once its remote refs are current. */
interface PreparedCheckout {
  baseBranch: string;
  existedOnRemote: boolean;
  head: string;
  mergeBase: string | undefined;
  /** The files checked out (the working copy holds nothing untracked then). */
  files: string[];
}

/**
 * Task checkouts in kept working copies (see `CheckoutPool`): a repository is cloned once per
 * slot; a later task fetches into the copy, checks its branch out with `--force` and removes
 * everything git does not track (`clean -ffdx`: builds, installs, files the last task's
 * tests wrote), so it starts from the remote's commits alone. The sandboxed test runs cannot
 * write the copy's `.git`.
 */
export class GitWorkspace implements Workspace {
  readonly #options: GitWorkspaceOptions;
  readonly #logger: Logger;
  readonly #baseEnv: Environment;
  readonly #timeoutMs: number;
  readonly #pool: CheckoutPool;
  readonly #createGit: GitRunnerFactory;
  readonly #fileLists = new CommitFileLists();

  constructor(options: GitWorkspaceOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#baseEnv = options.baseEnv ?? process.env;
    this.#timeoutMs = options.gitTimeoutMs ?? defaultGitTimeoutMs;
    const createGit = options.createGit ?? createGitRunner;
    this.#createGit = (repoDir, runnerOptions) => createGit(repoDir, { ...runnerOptions, settings: { ...keptCopySettings, ...runnerOptions?.settings } });
    this.#pool = new CheckoutPool({ root: join(options.root, 'checkouts'), logger: this.#logger, now: options.now });
  }

  /** Deletes the kept working copies no task has used for `maxIdleMs` (see `CheckoutPool.removeIdle`); resolves to how many. */
  async removeIdleCopies(maxIdleMs: number): Promise<number> {
    const removed = await this.#pool.removeIdle(maxIdleMs);
    for (const dir of removed) this.#logger.info({ dir, idleDays: Math.round(maxIdleMs / 86_400_000) }, 'kept working copy deleted: no task used it for a while');
    return removed.length;
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
    const slot = await this.#pool.acquire(input.repo);
    const context: OpenContext = { ...input, dir: slot.dir, repoLabel, remoteUrl: remote.url };
    try {
      const prepared = await this.#prepare(context);
      this.#logger.info({ taskId: input.taskId, repo: repoLabel, branch: input.branch, baseBranch: prepared.baseBranch, existedOnRemote: prepared.existedOnRemote }, 'task checkout ready');
      return new GitCheckout({
        dir: slot.dir,
        branch: input.branch,
        ...prepared,
        repoLabel,
        remoteUrl: remote.url,
        token: this.#options.token,
        baseEnv: this.#baseEnv,
        timeoutMs: this.#timeoutMs,
        signal: input.signal,
        logger: this.#logger,
        outputLimits: this.#options.outputLimits,
        createGit: this.#createGit,
        release: slot.release,
      });
    } catch (error) {
      await slot.release();
      // A git command's own failure is reported as this step's; tandem's other refusals as they are.
      if (error instanceof TandemError && !(error instanceof GitCommandError)) throw error;
      throw gitFailure('git_checkout_failed', `preparing the checkout of ${repoLabel} failed`, error, this.#options.token);
    }
  }

  /** The slot's kept working copy fetched and reset onto the task branch; a fresh clone when there is none or it is broken. */
  async #prepare(context: OpenContext): Promise<PreparedCheckout> {
    const git = this.#git(context);
    if (await isWorkingCopy(context.dir)) {
      await Promise.all(staleGitState.map((entry) => rm(join(context.dir, '.git', entry), { recursive: true, force: true })));
      try {
        // The fetch writes refs and objects, the clean only removes what git does not track
        // (ignored files included), and origin/HEAD is the clone's: they run side by side, and
        // the checkout after them leaves exactly the branch's files.
        const [, , originHeadTarget] = await allSideBySide([
          this.#fetch(context),
          git(['clean', '--quiet', '-ffdx']),
          context.baseBranch === undefined ? originHead(context.dir, git) : Promise.resolve(undefined),
        ]);
        const baseBranch = context.baseBranch ?? defaultBranch(originHeadTarget, context.repoLabel);
        return await this.#checkoutBranch(context, baseBranch, await fetchedBranches(context.dir, [context.branch, baseBranch]));
      } catch (error) {
        // A cancel, the remote's failures and tandem's own refusals (no such base branch) would
        // fail a fresh clone too; anything else is the copy's own damage.
        if (context.signal?.aborted || (error instanceof TandemError && !(error instanceof GitCommandError))) throw error;
        this.#logger.warn({ repo: context.repoLabel, dir: context.dir, err: error }, 'the kept working copy could not be reset; cloning it again');
      }
    }
    await this.#clone(context);
    const refs = await remoteBranches(git, ['HEAD', context.branch, ...(context.baseBranch === undefined ? [] : [context.baseBranch])]);
    const baseBranch = context.baseBranch ?? defaultBranch(refs.get('HEAD')?.symref, context.repoLabel);
    // `origin/HEAD` resolves to its branch's commit, so the default branch needs no lookup of its own.
    const originHeadRef = refs.get('HEAD');
    if (!refs.has(baseBranch) && originHeadRef?.symref === `${remotePrefix}${baseBranch}`) refs.set(baseBranch, originHeadRef);
    return this.#checkoutBranch(context, baseBranch, refs);
  }

  /** Fetches every branch; a failure of the remote is `git_fetch_failed` (the copy is kept), others are git's own. */
  async #fetch(context: OpenContext): Promise<void> {
    try {
      // The URL itself, not the copy's `origin`: the template may have changed since the copy was
      // cloned. The refspec is the one a clone configures; the URL holds no credentials. FETCH_HEAD
      // says which branches the remote has (whatever the user's fetch.writeFetchHEAD says).
      await this.#remoteGit(context, context.dir)(['fetch', '--prune', '--quiet', '--write-fetch-head', context.remoteUrl, '+refs/heads/*:refs/remotes/origin/*']);
    } catch (error) {
      if (!isRemoteGitFailure(error)) throw error;
      throw gitFailure('git_fetch_failed', `fetching ${context.repoLabel} failed`, error, this.#options.token, remoteHint(context.repoLabel));
    }
  }

  /** A fresh clone in the slot; a failure is `git_clone_failed` with what to check. */
  async #clone(context: OpenContext): Promise<void> {
    const { dir, repoLabel, remoteUrl } = context;
    try {
      await cloneWorkingCopy(this.#remoteGit(context, dirname(dir)), dir, remoteUrl);
    } catch (error) {
      throw gitFailure('git_clone_failed', `cloning ${repoLabel} from ${remoteUrl} failed`, error, this.#options.token, remoteHint(repoLabel));
    }
    this.#logger.info({ repo: repoLabel, dir }, 'repository cloned');
  }

  /** Checks the task branch out: the remote's when it has one (in `branches`), else a new one at the base branch. */
  async #checkoutBranch(context: OpenContext, baseBranch: string, branches: ReadonlyMap<string, RemoteBranch>): Promise<PreparedCheckout> {
    const git = this.#git(context);
    if (baseBranch === context.branch) {
      throw new TandemError('invalid_branch', `the task branch "${context.branch}" must differ from the base branch`);
    }
    const base = branches.get(baseBranch);
    if (base === undefined) {
      throw new TandemError('base_branch_missing', `${context.repoLabel} has no branch "${baseBranch}" to start from`);
    }
    const remoteTaskBranch = branches.get(context.branch);
    const existedOnRemote = remoteTaskBranch !== undefined;
    // The remote's branch when it has one, else the base branch's commit.
    const head = (remoteTaskBranch ?? base).commit;
    // The file list comes from the commit itself, so git reads it (when the last task did not
    // start there) while the checkout writes the tree.
    const [, files] = await allSideBySide([
      git(['checkout', '--quiet', '--force', '--no-track', '-B', context.branch, head]),
      this.#fileLists.read(context.repoLabel, git, head),
    ]);
    return {
      baseBranch,
      existedOnRemote,
      // HEAD is where it was checked out; a new branch starts at its base, so that is also their merge-base.
      head,
      mergeBase: existedOnRemote ? undefined : base.commit,
      files,
    };
  }

  #git(context: OpenContext): GitRunner {
    return this.#createGit(context.dir, { baseEnv: this.#baseEnv, timeoutMs: this.#timeoutMs, signal: context.signal });
  }

  #remoteGit(context: OpenContext, cwd: string): GitRunner {
    return this.#createGit(cwd, {
      baseEnv: this.#baseEnv,
      auth: { remoteUrl: context.remoteUrl, token: this.#options.token },
      timeoutMs: this.#timeoutMs,
      signal: context.signal,
    });
  }
}

function remoteHint(repoLabel: string): string {
  return `Check that ${repoLabel} exists there, that GIT_REMOTE_URL points at the right host, and that GITHUB_TOKEN can read it`;
}

interface OpenContext extends OpenCheckoutInput {
  /** The slot's directory. */
  dir: string;
  repoLabel: string;
  /** The remote without credentials. */
  remoteUrl: string;
}
