import type { Repo } from '../queue/work-job.ts';

export interface PullRequest {
  number: number;
  url: string;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  headBranch: string;
  baseBranch: string;
}

export interface OpenPullRequestInput {
  repo: Repo;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export type MergeMethod = 'squash' | 'merge' | 'rebase';

/**
 * The one seam between tandem and pull requests: GitHub through Octokit for the gateway,
 * local branches for the console.
 */
export interface PullRequests {
  /**
   * Opens a pull request for `head` → `base`, or, when one is already open for `head`,
   * updates its title and body and returns it: never a second PR for one branch.
   */
  openOrUpdate(input: OpenPullRequestInput): Promise<PullRequest>;
  get(repo: Repo, number: number): Promise<PullRequest>;
  /**
   * Merges; a PR that cannot be merged (conflict, checks, not mergeable) is a
   * `TandemError` with code `pr_not_mergeable` and the reason, and the PR stays open.
   */
  merge(input: { repo: Repo; number: number; method: MergeMethod; title?: string }): Promise<{ sha: string }>;
  /** Closes without merging, and deletes the head branch when asked. */
  close(input: { repo: Repo; number: number; deleteBranch: boolean }): Promise<void>;
  comment(input: { repo: Repo; number: number; body: string }): Promise<void>;
}
