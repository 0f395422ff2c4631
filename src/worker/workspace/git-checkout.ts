import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TandemError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { checkOutgoingChanges, describeFinding, OutputBlockedError, type OutputLimits } from '../output-guardrail/output-guardrail.ts';
import { applyEdits } from './apply-edits.ts';
import { committedChanges, type CommittedChanges } from './committed-changes.ts';
import type { Environment } from './git-auth.ts';
import { workingTreeFiles } from './file-list.ts';
import { commitAll } from './commit-all.ts';
import { createGitRunner, gitLookup, gitText, type GitRunner, type GitRunnerFactory } from './git-runner.ts';
import { pushHead } from './push-head.ts';
import { rebaseOntoRemote } from './rebase-onto-remote.ts';
import { resolveRepoPath } from './repo-path.ts';
import type { DiffStat, EditResult, FileEdit, GitAuthor, TaskCheckout } from './workspace.ts';

export interface GitCheckoutOptions {
  dir: string;
  branch: string;
  baseBranch: string;
  existedOnRemote: boolean;
  /** The commit checked out, when the opener knows it (saves asking git). */
  head?: string;
  /** The merge-base with the base branch, when the opener knows it (a new branch starts at its base). */
  mergeBase?: string;
  /** The working tree's files as checked out, when the opener listed them (saves asking git). */
  files?: string[];
  /** `owner/name`, for messages and logs. */
  repoLabel: string;
  /** The real remote, without credentials. */
  remoteUrl: string;
  token?: string;
  baseEnv: Environment;
  timeoutMs: number;
  signal?: AbortSignal;
  logger: Logger;
  /** Size limits of the output guardrail every push goes through. */
  outputLimits?: Partial<OutputLimits>;
  /** Default `createGitRunner`. */
  createGit?: GitRunnerFactory;
  /** Hands the working copy back to its workspace (`dispose`). */
  release: () => Promise<void>;
}

/** Pushes tried in a row when the task branch keeps moving on the remote. */
const maxPushRounds = 3;

/** A task's git working copy on its branch; `origin` is the real remote. */
export class GitCheckout implements TaskCheckout {
  readonly dir: string;
  readonly branch: string;
  readonly baseBranch: string;
  readonly existedOnRemote: boolean;
  readonly #options: GitCheckoutOptions;
  #localGit: GitRunner | undefined;
  #gitDirGit: GitRunner | undefined;
  /** The last head this checkout pushed; the next push is checked from there. */
  #pushedHead: string | undefined;
  /** HEAD as this checkout last moved it (checkout, commit); unknown after a rebase. */
  #head: string | undefined;
  /**
   * The merge-base with the base branch. The base branch's remote ref never moves during a
   * task and commits made here only add to HEAD, so it holds until a rebase.
   */
  #mergeBaseRef: string | undefined;
  /** The last file listing; the working tree changes through `applyEdits` and a rebase, and `commit` follows every test run. */
  #files: string[] | undefined;
  /** git's upkeep of the working copy, once started (`maintain`). */
  #maintenance: Promise<void> | undefined;
  /** The diff of the last merge-base and HEAD asked for, read or being read. */
  #changes: { base: string; head: string; changes: Promise<CommittedChanges> } | undefined;
  readonly #createGit: GitRunnerFactory;

  constructor(options: GitCheckoutOptions) {
    this.#options = options;
    this.#createGit = options.createGit ?? createGitRunner;
    this.#head = options.head;
    this.#mergeBaseRef = options.mergeBase;
    this.#files = options.files;
    this.dir = options.dir;
    this.branch = options.branch;
    this.baseBranch = options.baseBranch;
    this.existedOnRemote = options.existedOnRemote;
  }

  async listFiles(): Promise<string[]> {
    this.#files ??= await workingTreeFiles(this.#git());
    return [...this.#files];
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      const resolved = resolveRepoPath(this.dir, path);
      if (resolved.status !== 'ok' || resolved.targetKind !== 'file') return undefined;
      return await readFile(resolved.targetPath, 'utf8');
    } catch {
      return undefined;
    }
  }

  applyEdits(edits: FileEdit[]): Promise<EditResult[]> {
    this.#files = undefined;
    return applyEdits(this.dir, edits);
  }

  async diff(): Promise<string> {
    return (await this.#committedChanges()).diff;
  }

  async diffStat(): Promise<DiffStat> {
    return (await this.#committedChanges()).stat;
  }

  /** The branch's commits against the merge-base; two commits' difference never changes, so it is kept until HEAD moves. */
  async #committedChanges(): Promise<CommittedChanges> {
    const [base, head] = await Promise.all([this.#mergeBase(), this.headSha()]);
    if (this.#changes?.base !== base || this.#changes.head !== head) {
      const changes = committedChanges(this.#git(), base, head);
      this.#changes = { base, head, changes };
      // A failed read (a cancel, a time limit) is not kept: the next caller asks git again.
      changes.catch(() => {
        if (this.#changes?.changes === changes) this.#changes = undefined;
      });
    }
    return this.#changes.changes;
  }

  async commit(message: string, author: GitAuthor): Promise<string | undefined> {
    const git = this.#git();
    this.#files = undefined;
    const made = await commitAll(git, message, author);
    if (!made) return undefined;
    this.#head = made.sha;
    const sha = await this.headSha();
    this.#options.logger.info({ repo: this.#options.repoLabel, branch: this.branch, sha }, 'task commit made');
    return sha;
  }

  /**
   * Pushes HEAD, after the output guardrail checked every commit the remote does not have
   * yet; a finding throws `OutputBlockedError` (`output_blocked`) and nothing is pushed.
   * When someone else pushed to the task branch meanwhile (non-fast-forward), the task's
   * commits are rebased onto theirs and pushed again; when they conflict, nothing changes
   * and `git_push_rejected` says which files conflict.
   */
  async push(): Promise<void> {
    for (let round = 1; ; round += 1) {
      try {
        await this.#pushOnce();
        return;
      } catch (error) {
        if (!(error instanceof TandemError && error.code === 'git_push_rejected') || round >= maxPushRounds) throw error;
        await this.#rebaseOntoRemote();
      }
    }
  }

  async #pushOnce(): Promise<void> {
    const { token, repoLabel } = this.#options;
    const head = await this.headSha();
    // The remote got this very head from here already: there is nothing to push.
    if (head === this.#pushedHead) return;
    await this.#checkOutgoing(head);
    await pushHead({
      remoteGit: this.#remoteGit(),
      remoteUrl: this.#options.remoteUrl,
      head,
      branch: this.branch,
      repoLabel,
      token,
      // Every step reads the branch's diff after its push: git reads it while the push sends
      // (started once the push's child is, so its start never delays the guardrail's reads).
      started: () => void this.#committedChanges().catch(() => undefined),
    });
    this.#pushedHead = head;
    this.#options.logger.info({ repo: repoLabel, branch: this.branch, sha: head }, 'task branch pushed');
  }

  /** Rebases the task's own commits onto the branch as the remote has it now (someone else pushed to it). */
  async #rebaseOntoRemote(): Promise<void> {
    const { token, repoLabel, logger } = this.#options;
    const ownBase = await this.#pushedBase();
    const remoteHead = await rebaseOntoRemote({ git: this.#git(), remoteGit: this.#remoteGit(), remoteUrl: this.#options.remoteUrl, branch: this.branch, ownBase, repoLabel, token, logger });
    // What the remote has now; the guardrail checks only the task's rebased commits on top.
    this.#pushedHead = remoteHead;
    this.#head = undefined;
    this.#mergeBaseRef = undefined;
    this.#files = undefined;
  }

  #remoteGit(): GitRunner {
    const { remoteUrl, token, baseEnv, timeoutMs, signal } = this.#options;
    return this.#createGit(this.dir, { baseEnv, auth: { remoteUrl, token }, timeoutMs, signal });
  }

  async headSha(): Promise<string> {
    this.#head ??= (await gitText(this.#git(), ['rev-parse', '--verify', 'HEAD'])).trim();
    return this.#head;
  }

  /**
   * Runs git's upkeep of the working copy (`maintenance run --auto`: nothing, or a gc once
   * loose objects or packs pile up), which the copy's own fetches and commits leave out;
   * once per checkout. The gc runs to its end here rather than detached, so none of it is
   * left running when the task's next git command, or the next task, uses the copy. A
   * failure is logged, never thrown: the copy still works.
   */
  maintain(): Promise<void> {
    this.#maintenance ??= this.#git()(['-c', 'gc.autoDetach=false', 'maintenance', 'run', '--auto', '--quiet']).then(
      () => undefined,
      (error: unknown) => this.#options.logger.warn({ repo: this.#options.repoLabel, err: error }, 'git maintenance of the working copy failed'),
    );
    return this.#maintenance;
  }

  async dispose(): Promise<void> {
    // No git of this task may still run in the copy once the next task has it.
    await this.#changes?.changes.catch(() => undefined);
    await this.#maintenance;
    await this.#options.release();
  }

  /** Throws `OutputBlockedError` when the commits up to `head` that the remote lacks break an output rule. */
  async #checkOutgoing(head: string): Promise<void> {
    const base = await this.#pushedBase();
    if (base === head) return;
    const { outputLimits, logger, repoLabel } = this.#options;
    // In the git directory, where no .gitattributes the task wrote changes what git reads as text.
    const verdict = await checkOutgoingChanges({ repoDir: this.dir, baseRef: base, headRef: head, limits: outputLimits, git: this.#git('git directory') });
    if (verdict.ok) return;
    logger.warn({ repo: repoLabel, branch: this.branch, findings: verdict.findings.map(describeFinding) }, 'push blocked by the output guardrail');
    throw new OutputBlockedError(this.branch, verdict.findings);
  }

  /** What the remote already has: the last head pushed from here, the remote branch as opened, or where the task started. */
  async #pushedBase(): Promise<string> {
    if (this.#pushedHead) return this.#pushedHead;
    const git = this.#git();
    if (this.existedOnRemote) return (await gitText(git, ['rev-parse', '--verify', `refs/remotes/origin/${this.branch}^{commit}`])).trim();
    return this.#mergeBase();
  }

  /** The merge-base of HEAD and the base branch; the base branch itself when they share no history (a quiet exit 1). */
  async #mergeBase(): Promise<string> {
    if (this.#mergeBaseRef === undefined) {
      const baseRef = `refs/remotes/origin/${this.baseBranch}`;
      const mergeBase = await gitLookup(this.#git(), ['merge-base', 'HEAD', baseRef]);
      this.#mergeBaseRef = mergeBase === undefined || mergeBase === '' ? baseRef : mergeBase;
    }
    return this.#mergeBaseRef;
  }

  /** git in the work tree, or in the git directory (`.git`, which has no work tree's attributes). */
  #git(where: 'work tree' | 'git directory' = 'work tree'): GitRunner {
    const make = (dir: string) => this.#createGit(dir, { baseEnv: this.#options.baseEnv, timeoutMs: this.#options.timeoutMs, signal: this.#options.signal });
    if (where === 'git directory') return (this.#gitDirGit ??= make(join(this.dir, '.git')));
    return (this.#localGit ??= make(this.dir));
  }
}
