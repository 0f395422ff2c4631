import type { Octokit } from '@octokit/rest';
import { githubMessage, githubStatus } from './github-errors.ts';
import type { PullRequest } from './pull-requests.ts';

interface GitHubRepository {
  name: string;
  owner: { login: string };
}

/** The fields of GitHub's pull request object (full or list form) that tandem reads. */
export interface GitHubPull {
  number: number;
  /** The GraphQL id, for what REST cannot do (draft ↔ ready for review). */
  node_id: string;
  html_url: string;
  state: string;
  merged?: boolean;
  merged_at: string | null;
  draft?: boolean;
  merge_commit_sha: string | null;
  /** `repo` is null when the head's repository (a fork) was deleted. */
  head: { ref: string; repo: GitHubRepository | null };
  base: { ref: string; repo: GitHubRepository };
}

/** tandem's `PullRequest` from GitHub's pull request object. */
export function toPullRequest(pull: GitHubPull): PullRequest {
  return {
    number: pull.number,
    url: pull.html_url,
    state: pull.state === 'closed' ? 'closed' : 'open',
    // The list form has no `merged`; `merged_at` is set exactly when the PR was merged.
    merged: pull.merged ?? pull.merged_at !== null,
    draft: pull.draft ?? false,
    headBranch: pull.head.ref,
    baseBranch: pull.base.ref,
  };
}

/** Whether the head branch lives in the base repository (not in a fork, not deleted). */
export function headIsInBaseRepository(pull: GitHubPull): boolean {
  const head = pull.head.repo;
  return head !== null && head.owner.login === pull.base.repo.owner.login && head.name === pull.base.repo.name;
}

/** GitHub's 422 for `pulls.create` when an open PR already exists for the same head and base. */
export function isPullAlreadyExists(error: unknown): boolean {
  return githubStatus(error) === 422 && /a pull request already exists/i.test(githubMessage(error));
}

/** GitHub's 422 for `git.deleteRef` when the branch is already gone. */
export function isMissingReference(error: unknown): boolean {
  return githubStatus(error) === 422 && /reference does not exist/i.test(githubMessage(error));
}

const draftMutations = {
  ready: 'mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }',
  draft: 'mutation($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft } } }',
};

/**
 * Marks a PR ready for review or turns it back into a draft. REST's `pulls.update` cannot
 * change `draft`; GraphQL's `markPullRequestReadyForReview` / `convertPullRequestToDraft` can.
 */
export async function setPullDraft(octokit: Octokit, nodeId: string, draft: boolean): Promise<void> {
  await octokit.graphql(draft ? draftMutations.draft : draftMutations.ready, { id: nodeId });
}
