import type { Repo } from '../../queue/work-job.ts';

/** One edit from the Coder (DESIGN §3). */
export interface FileEdit {
  path: string;
  action: 'write' | 'replace' | 'delete';
  content?: string;
  search?: string;
  replace?: string;
}

/** What became of one edit: applied, or refused/failed with a reason the Coder can act on. */
export type EditResult =
  | { path: string; action: FileEdit['action']; status: 'applied' }
  | { path: string; action: FileEdit['action']; status: 'refused' | 'failed'; reason: string };

export interface DiffStat {
  files: number;
  insertions: number;
  deletions: number;
  /** `git diff --stat` text. */
  text: string;
}

export interface GitAuthor {
  name: string;
  email: string;
}

/** A task's working copy on its branch. */
export interface TaskCheckout {
  readonly dir: string;
  readonly branch: string;
  readonly baseBranch: string;
  /** True when the branch already existed on the remote (a follow-up or a resumed job). */
  readonly existedOnRemote: boolean;
  /** Files in the working tree (tracked and untracked, not ignored), repo-relative, sorted. */
  listFiles(): Promise<string[]>;
  /** A file's text, or undefined when it does not exist or is not inside the repo. */
  readFile(path: string): Promise<string | undefined>;
  applyEdits(edits: FileEdit[]): Promise<EditResult[]>;
  /**
   * Unified diff of the branch's commits against the base branch: what a push sends.
   * Uncommitted work is not in it until `commit`.
   */
  diff(): Promise<string>;
  /** The same commits' `--stat` and counts. */
  diffStat(): Promise<DiffStat>;
  /** Commits everything; returns the new sha, or undefined when there was nothing to commit. */
  commit(message: string, author: GitAuthor): Promise<string | undefined>;
  /**
   * Pushes the branch to the remote (authenticated without writing the token to disk), once
   * the output guardrail passed every commit the remote lacks; otherwise throws a
   * non-retryable `output_blocked` error and pushes nothing.
   */
  push(): Promise<void>;
  headSha(): Promise<string>;
  /**
   * Tidies the working copy's git storage, at most once per checkout; meant to run while
   * nothing else uses git there (a test run). Never rejects.
   */
  maintain(): Promise<void>;
  /** Hands the working copy back for the repository's next task (which resets it). Idempotent. */
  dispose(): Promise<void>;
}

export interface OpenCheckoutInput {
  taskId: string;
  repo: Repo;
  branch: string;
  /** Defaults to the remote's default branch. */
  baseBranch?: string;
  signal?: AbortSignal;
}

/** Where tasks get their working copies: kept per repository, one task at a time each. */
export interface Workspace {
  open(input: OpenCheckoutInput): Promise<TaskCheckout>;
}
