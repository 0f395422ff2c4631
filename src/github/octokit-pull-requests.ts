import type { Octokit } from '@octokit/rest';
import { TandemError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import type { Repo } from '../queue/work-job.ts';
import { githubMessage, githubStatus, toGitHubError } from './github-errors.ts';
import {
  headIsInBaseRepository,
  isMissingReference,
  isPullAlreadyExists,
  setPullDraft,
  toPullRequest,
  type GitHubPull,
} from './github-pull.ts';
import type { MergeMethod, OpenPullRequestInput, PullRequest, PullRequests } from './pull-requests.ts';

export { createOctokit, type CreateOctokitOptions, type TandemOctokit } from './create-octokit.ts';

export interface OctokitPullRequestsOptions {
  /** Usually from `createOctokit`, so retries and rate limits are handled below this class. */
  octokit: Octokit;
  logger?: Logger;
}

const slug = (repo: Repo) => `${repo.owner}/${repo.name}`;

/**
 * `PullRequests` over GitHub's REST API through Octokit. Choices GitHub's API forces:
 *
 * - `openOrUpdate` creates first and, on GitHub's 422 "A pull request already exists for
 *   owner:branch", finds that open PR (`head=owner:branch`, same base) and updates its title
 *   and body. If the PR closed in between (none listed), it creates once more. REST cannot
 *   change an existing PR's draft flag, so when it differs from `input.draft` GraphQL does
 *   (`markPullRequestReadyForReview` / `convertPullRequestToDraft`): a task that was stuck
 *   (draft) and then finished must be mergeable, since GitHub refuses to merge a draft. If
 *   GraphQL refuses, the PR keeps its draft state (logged) and the update still succeeds.
 * - `merge` is idempotent: when GitHub refuses (405/409) and the PR turns out to be merged
 *   already, it returns that merge's `merge_commit_sha` instead of failing. Any other refusal
 *   is `pr_not_mergeable` with GitHub's reason, not retryable, and the PR stays open.
 * - `close` deletes the head branch only when it lives in the same repository (never a
 *   fork's), and a branch that is already gone (422 "Reference does not exist") is fine.
 */
export class OctokitPullRequests implements PullRequests {
  readonly #octokit: Octokit;
  readonly #logger: Logger;

  constructor(options: OctokitPullRequestsOptions) {
    this.#octokit = options.octokit;
    this.#logger = options.logger ?? silentLogger;
  }

  async openOrUpdate(input: OpenPullRequestInput): Promise<PullRequest> {
    const { repo, head, base } = input;
    const action = `open a pull request for ${slug(repo)}:${head} into ${base}`;
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      try {
        const created = await this.#octokit.rest.pulls.create({
          owner: repo.owner,
          repo: repo.name,
          head,
          base,
          title: input.title,
          body: input.body,
          draft: input.draft,
        });
        this.#logger.info({ repo: slug(repo), number: created.data.number, head, base }, 'pull request opened');
        return toPullRequest(created.data);
      } catch (error) {
        if (!isPullAlreadyExists(error)) throw toGitHubError(error, action);
      }
      const existing = await this.#findOpen(repo, head, base, action);
      if (existing) return this.#update(repo, existing, input, action);
      this.#logger.info({ repo: slug(repo), head, attempt }, 'GitHub reported an open pull request but listed none; creating again');
    }
    throw new TandemError(
      'github_error',
      `could not ${action}: GitHub says a pull request for this branch is open but does not list it; try again`,
      { retryable: true },
    );
  }

  async get(repo: Repo, number: number): Promise<PullRequest> {
    return toPullRequest(await this.#get(repo, number));
  }

  async merge(input: { repo: Repo; number: number; method: MergeMethod; title?: string }): Promise<{ sha: string }> {
    const { repo, number } = input;
    const action = `merge ${slug(repo)}#${number}`;
    try {
      const merged = await this.#octokit.rest.pulls.merge({
        owner: repo.owner,
        repo: repo.name,
        pull_number: number,
        merge_method: input.method,
        ...(input.title === undefined ? {} : { commit_title: input.title }),
      });
      this.#logger.info({ repo: slug(repo), number, method: input.method, sha: merged.data.sha }, 'pull request merged');
      return { sha: merged.data.sha };
    } catch (error) {
      const status = githubStatus(error);
      if (status !== 405 && status !== 409) throw toGitHubError(error, action);
      const current = await this.#get(repo, number);
      if (toPullRequest(current).merged && current.merge_commit_sha) {
        this.#logger.info({ repo: slug(repo), number, sha: current.merge_commit_sha }, 'pull request was already merged');
        return { sha: current.merge_commit_sha };
      }
      throw new TandemError('pr_not_mergeable', `${slug(repo)}#${number} cannot be merged: ${githubMessage(error)}`, {
        cause: error,
        retryable: false,
      });
    }
  }

  async close(input: { repo: Repo; number: number; deleteBranch: boolean }): Promise<void> {
    const { repo, number } = input;
    let pull: GitHubPull;
    try {
      const updated = await this.#octokit.rest.pulls.update({
        owner: repo.owner,
        repo: repo.name,
        pull_number: number,
        state: 'closed',
      });
      pull = updated.data;
    } catch (error) {
      throw toGitHubError(error, `close ${slug(repo)}#${number}`);
    }
    this.#logger.info({ repo: slug(repo), number }, 'pull request closed');
    if (!input.deleteBranch) return;

    if (!headIsInBaseRepository(pull)) {
      this.#logger.info({ repo: slug(repo), number, branch: pull.head.ref }, 'head branch is in another repository; kept');
      return;
    }
    await this.#deleteBranch(repo, pull.head.ref);
  }

  async comment(input: { repo: Repo; number: number; body: string }): Promise<void> {
    const { repo, number } = input;
    try {
      await this.#octokit.rest.issues.createComment({
        owner: repo.owner,
        repo: repo.name,
        issue_number: number,
        body: input.body,
      });
    } catch (error) {
      throw toGitHubError(error, `comment on ${slug(repo)}#${number}`);
    }
  }

  async #get(repo: Repo, number: number): Promise<GitHubPull> {
    try {
      const response = await this.#octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: number });
      return response.data;
    } catch (error) {
      throw toGitHubError(error, `read ${slug(repo)}#${number}`);
    }
  }

  async #findOpen(repo: Repo, head: string, base: string, action: string): Promise<GitHubPull | undefined> {
    try {
      const listed = await this.#octokit.rest.pulls.list({
        owner: repo.owner,
        repo: repo.name,
        head: `${repo.owner}:${head}`,
        base,
        state: 'open',
      });
      return listed.data[0];
    } catch (error) {
      throw toGitHubError(error, action);
    }
  }

  async #update(repo: Repo, existing: GitHubPull, input: OpenPullRequestInput, action: string): Promise<PullRequest> {
    let pull: GitHubPull;
    try {
      const updated = await this.#octokit.rest.pulls.update({
        owner: repo.owner,
        repo: repo.name,
        pull_number: existing.number,
        title: input.title,
        body: input.body,
      });
      pull = updated.data;
    } catch (error) {
      throw toGitHubError(error, action);
    }
    const context = { repo: slug(repo), number: pull.number, head: input.head };
    this.#logger.info(context, 'pull request updated');
    if ((pull.draft ?? false) === input.draft) return toPullRequest(pull);
    try {
      await setPullDraft(this.#octokit, pull.node_id, input.draft);
      this.#logger.info({ ...context, draft: input.draft }, input.draft ? 'pull request turned into a draft' : 'pull request marked ready for review');
      return { ...toPullRequest(pull), draft: input.draft };
    } catch (error) {
      this.#logger.warn(
        { ...context, draft: pull.draft, requestedDraft: input.draft, error: githubMessage(error) },
        'pull request keeps its draft state: GitHub refused to change it',
      );
      return toPullRequest(pull);
    }
  }

  async #deleteBranch(repo: Repo, branch: string): Promise<void> {
    try {
      await this.#octokit.rest.git.deleteRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}` });
      this.#logger.info({ repo: slug(repo), branch }, 'head branch deleted');
    } catch (error) {
      if (isMissingReference(error)) {
        this.#logger.info({ repo: slug(repo), branch }, 'head branch was already deleted');
        return;
      }
      throw toGitHubError(error, `delete the branch ${branch} of ${slug(repo)}`);
    }
  }
}
