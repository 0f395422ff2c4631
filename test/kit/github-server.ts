import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closerOf, listenOnLoopback, readJsonBody } from './loopback-http.ts';

/**
 * A loopback GitHub REST API (the repository, pull request, issue comment and git ref endpoints
 * tandem uses, plus GraphQL's two draft mutations) with in-memory repositories, so the real Octokit, plugins included, runs against it.
 * Bodies, statuses and headers follow api.github.com; see the notes on each route.
 * No git repository is involved: `onMerge` is the hook for a test that wants a real merge.
 */

export interface RecordedGitHubRequest {
  method: string;
  /** The path without the query: `/repos/acme/api/pulls`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** Whether an `Authorization` header was sent (its value is never recorded). */
  authorized: boolean;
  /** The status answered. */
  status: number;
}

export interface StoredPull {
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  head: string;
  base: string;
  headSha: string;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergeable: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface StoredComment {
  repo: string;
  number: number;
  id: number;
  body: string;
}

export interface RecordedMerge {
  repo: string;
  number: number;
  method: string;
  commitTitle: string | undefined;
  sha: string;
}

export type RequestMatcher =
  | { method?: string; path?: string | RegExp }
  | ((request: { method: string; path: string; body?: unknown }) => boolean);

export interface InjectedFailure {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests fail this way; default 1. */
  times?: number;
}

export type RepoName = string | { owner: string; name: string };

export interface GitHubServerOptions {
  /** When set, requests must carry `Authorization: token <it>` or `Bearer <it>`; 401 otherwise. */
  token?: string;
  /** The login that authors PRs and comments; default `tandem-bot`. */
  login?: string;
  /** Known repositories (`owner/name`); any repository exists when absent. */
  repos?: string[];
  /**
   * Called when a merge is accepted: may merge for real and return the merge commit's sha;
   * throwing refuses the merge with 405 and the error's message.
   */
  onMerge?: (pull: StoredPull, merge: { method: string; commitTitle?: string }) => string | void | Promise<string | void>;
  /**
   * The token's permissions on each repository (`owner/name`), answered as `permissions` by
   * `GET /repos/{owner}/{repo}`; a repository not listed gets `defaultPermissions` (push allowed).
   */
  permissions?: Record<string, Partial<RepoPermissions>>;
}

/** What `GET /repos/{owner}/{repo}` says the authenticated token may do on the repository. */
export interface RepoPermissions {
  admin: boolean;
  maintain: boolean;
  push: boolean;
  triage: boolean;
  pull: boolean;
}

/** A collaborator with write access: may push, may not administer. */
export const defaultPermissions: Readonly<RepoPermissions> = { admin: false, maintain: false, push: true, triage: true, pull: true };

export interface LoopbackGitHub {
  /** The API base URL, to pass as Octokit's `baseUrl` (`GITHUB_API_URL`). */
  url: string;
  requests: RecordedGitHubRequest[];
  merges: RecordedMerge[];
  /** Refs deleted through the API: `{ repo: 'acme/api', ref: 'heads/tandem/7f3a' }`. */
  deletedRefs: { repo: string; ref: string }[];
  onMerge: GitHubServerOptions['onMerge'];
  /** The next matching request(s) get this answer instead (5xx, rate limits, …). */
  failNext(matcher: RequestMatcher, failure: InjectedFailure): void;
  setMergeable(repo: RepoName, number: number, mergeable: boolean): void;
  /** Opens a pull request as someone else would (GitHub's create rules apply); its number. */
  addPull(repo: RepoName, pull: { head: string; base: string; title: string; body?: string }): number;
  /** Changes what `GET /repos/{owner}/{repo}` reports the token may do on `repo`. */
  setPermissions(repo: RepoName, permissions: Partial<RepoPermissions>): void;
  /** Adds a branch (the head of a PR is added when the PR is opened). */
  addBranch(repo: RepoName, branch: string): void;
  branches(repo: RepoName): string[];
  pulls(repo?: RepoName): StoredPull[];
  comments(repo?: RepoName, number?: number): StoredComment[];
  close(): Promise<void>;
}

const docs = 'https://docs.github.com/rest';
const newSha = () => randomBytes(20).toString('hex');
const nameOf = (repo: RepoName) => (typeof repo === 'string' ? repo : `${repo.owner}/${repo.name}`);
/** A pull request's GraphQL node id, unique across repositories like GitHub's. */
const nodeIdOf = (pull: { repo: string; number: number }) => `PR_${Buffer.from(`${pull.repo}#${pull.number}`).toString('base64url')}`;

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const failure = (status: number, message: string, extra: Record<string, unknown> = {}): Answer => ({
  status,
  body: { message, documentation_url: docs, ...extra, status: String(status) },
});
const notFound = () => failure(404, 'Not Found');

const readBody = readJsonBody;

function matches(matcher: RequestMatcher, request: { method: string; path: string; body?: unknown }): boolean {
  if (typeof matcher === 'function') return matcher(request);
  if (matcher.method && matcher.method.toUpperCase() !== request.method) return false;
  if (typeof matcher.path === 'string') return matcher.path === request.path;
  if (matcher.path) return matcher.path.test(request.path);
  return true;
}

/** Starts the loopback GitHub on 127.0.0.1 and a free port. */
export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<LoopbackGitHub> {
  const login = options.login ?? 'tandem-bot';
  const user = { login, id: 4242, node_id: 'U_tandem', type: 'User', site_admin: false };
  const pulls: StoredPull[] = [];
  const comments: StoredComment[] = [];
  const branches = new Map<string, Set<string>>();
  const nextNumber = new Map<string, number>();
  const failures: { matcher: RequestMatcher; failure: InjectedFailure; left: number }[] = [];
  let nextCommentId = 1;
  let rateRemaining = 5000;
  const permissions = new Map(Object.entries(options.permissions ?? {}));

  const repoExists = (repo: string) => !options.repos || options.repos.includes(repo);
  const branchesOf = (repo: string) => branches.get(repo) ?? branches.set(repo, new Set()).get(repo)!;
  const findPull = (repo: string, number: number) => pulls.find((pull) => pull.repo === repo && pull.number === number);

  const loopback: LoopbackGitHub = {
    url: '',
    requests: [],
    merges: [],
    deletedRefs: [],
    onMerge: options.onMerge,
    failNext(matcher, injected) {
      failures.push({ matcher, failure: injected, left: injected.times ?? 1 });
    },
    setMergeable(repo, number, mergeable) {
      const pull = findPull(nameOf(repo), number);
      if (!pull) throw new Error(`no pull request ${nameOf(repo)}#${number}`);
      pull.mergeable = mergeable;
    },
    addPull(repo, pull) {
      const created = createPull(nameOf(repo), { ...pull });
      if (created.status !== 201) throw new Error(`could not add the pull request: ${JSON.stringify(created.body)}`);
      return (created.body as { number: number }).number;
    },
    setPermissions: (repo, granted) => void permissions.set(nameOf(repo), granted),
    addBranch: (repo, branch) => void branchesOf(nameOf(repo)).add(branch),
    branches: (repo) => [...branchesOf(nameOf(repo))],
    pulls: (repo) => pulls.filter((pull) => repo === undefined || pull.repo === nameOf(repo)).map((pull) => ({ ...pull })),
    comments: (repo, number) =>
      comments
        .filter((comment) => (repo === undefined || comment.repo === nameOf(repo)) && (number === undefined || comment.number === number))
        .map((comment) => ({ ...comment })),
    close: async () => {},
  };

  function repoJson(repo: string) {
    const [owner, name] = repo.split('/') as [string, string];
    return {
      id: 1,
      name,
      full_name: repo,
      private: false,
      owner: { ...user, login: owner },
      html_url: `https://github.com/${repo}`,
      url: `${loopback.url}/repos/${repo}`,
      default_branch: 'main',
      visibility: 'public',
    };
  }

  function pullJson(pull: StoredPull) {
    const owner = pull.repo.split('/')[0]!;
    return {
      url: `${loopback.url}/repos/${pull.repo}/pulls/${pull.number}`,
      id: 1000 + pull.number,
      node_id: nodeIdOf(pull),
      html_url: `https://github.com/${pull.repo}/pull/${pull.number}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user,
      body: pull.body,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      draft: pull.draft,
      head: { label: `${owner}:${pull.head}`, ref: pull.head, sha: pull.headSha, user, repo: repoJson(pull.repo) },
      base: { label: `${owner}:${pull.base}`, ref: pull.base, sha: newSha(), user, repo: repoJson(pull.repo) },
      merged: pull.merged,
      mergeable: pull.merged ? null : pull.mergeable,
      mergeable_state: pull.merged ? 'unknown' : pull.mergeable ? 'clean' : 'dirty',
      merged_by: pull.merged ? user : null,
    };
  }

  function commentJson(comment: StoredComment) {
    const at = new Date().toISOString();
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${loopback.url}/repos/${comment.repo}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${comment.repo}/pull/${comment.number}#issuecomment-${comment.id}`,
      issue_url: `${loopback.url}/repos/${comment.repo}/issues/${comment.number}`,
      body: comment.body,
      user,
      created_at: at,
      updated_at: at,
      author_association: 'MEMBER',
    };
  }

  function createPull(repo: string, body: Record<string, unknown>): Answer {
    const { head, base, title } = body;
    if (typeof head !== 'string' || typeof base !== 'string' || typeof title !== 'string') {
      return failure(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', field: 'head', code: 'missing_field' }] });
    }
    const owner = repo.split('/')[0]!;
    const branch = head.includes(':') ? head.slice(head.indexOf(':') + 1) : head;
    // GitHub allows one open PR per head and base; the 422 below is its exact body.
    if (pulls.some((pull) => pull.repo === repo && pull.state === 'open' && pull.head === branch && pull.base === base)) {
      return failure(422, 'Validation Failed', {
        errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${branch}.` }],
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
      });
    }
    const number = nextNumber.get(repo) ?? 1;
    nextNumber.set(repo, number + 1);
    branchesOf(repo).add(branch);
    const now = new Date().toISOString();
    const pull: StoredPull = {
      repo, number, title, body: typeof body.body === 'string' ? body.body : null, state: 'open',
      draft: body.draft === true, head: branch, base, headSha: newSha(), merged: false, mergedAt: null,
      mergeCommitSha: null, mergeable: true, createdAt: now, updatedAt: now, closedAt: null,
    };
    pulls.push(pull);
    return { status: 201, body: pullJson(pull) };
  }

  function listPulls(repo: string, query: Record<string, string>): Answer {
    const state = query.state ?? 'open';
    const head = query.head;
    const selected = pulls
      .filter((pull) => pull.repo === repo && (state === 'all' || pull.state === state))
      .filter((pull) => !head || `${pull.repo.split('/')[0]}:${pull.head}` === head)
      .filter((pull) => !query.base || pull.base === query.base)
      .sort((left, right) => right.number - left.number);
    const perPage = Math.min(Number(query.per_page ?? 30) || 30, 100);
    const page = Math.max(Number(query.page ?? 1) || 1, 1);
    // The list form has no `merged` / `mergeable` fields, like GitHub's pull-request-simple.
    const items = selected.slice((page - 1) * perPage, page * perPage).map((pull) => {
      const { merged: _merged, mergeable: _mergeable, mergeable_state: _state, merged_by: _by, ...simple } = pullJson(pull);
      return simple;
    });
    return { status: 200, body: items };
  }

  function updatePull(pull: StoredPull, body: Record<string, unknown>): Answer {
    if (typeof body.title === 'string') pull.title = body.title;
    if (typeof body.body === 'string') pull.body = body.body;
    if (typeof body.base === 'string') pull.base = body.base;
    if ((body.state === 'open' || body.state === 'closed') && !pull.merged && body.state !== pull.state) {
      pull.state = body.state;
      pull.closedAt = body.state === 'closed' ? new Date().toISOString() : null;
    }
    pull.updatedAt = new Date().toISOString();
    return { status: 200, body: pullJson(pull) };
  }

  async function mergePull(pull: StoredPull, body: Record<string, unknown>): Promise<Answer> {
    const method = typeof body.merge_method === 'string' ? body.merge_method : 'merge';
    if (!['merge', 'squash', 'rebase'].includes(method)) {
      return failure(422, 'Invalid request.\n\nmerge_method must be one of merge, squash, rebase.');
    }
    // GitHub answers 405 "Pull Request is not mergeable" for merged, closed and conflicting
    // PRs, "Pull Request is still a draft" for drafts, and 409 when `sha` is not the head.
    if (pull.merged || pull.state === 'closed' || !pull.mergeable) return failure(405, 'Pull Request is not mergeable');
    if (pull.draft) return failure(405, 'Pull Request is still a draft');
    if (typeof body.sha === 'string' && body.sha !== pull.headSha) {
      return failure(409, 'Head branch was modified. Review and try the merge again.');
    }
    const commitTitle = typeof body.commit_title === 'string' ? body.commit_title : undefined;
    let sha: string;
    try {
      sha = (await loopback.onMerge?.({ ...pull }, { method, ...(commitTitle ? { commitTitle } : {}) })) || newSha();
    } catch (error) {
      return failure(405, error instanceof Error ? error.message : String(error));
    }
    const now = new Date().toISOString();
    Object.assign(pull, { merged: true, mergedAt: now, closedAt: now, updatedAt: now, state: 'closed', mergeCommitSha: sha });
    loopback.merges.push({ repo: pull.repo, number: pull.number, method, commitTitle, sha });
    return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
  }

  /**
   * `POST /graphql`: only the two mutations REST lacks, `markPullRequestReadyForReview` and
   * `convertPullRequestToDraft`. GraphQL answers errors with status 200 and an `errors` array.
   */
  function graphql(fields: Record<string, unknown>): Answer {
    const query = typeof fields.query === 'string' ? fields.query : '';
    const id = (fields.variables as { id?: unknown } | undefined)?.id;
    const mutation = /\b(markPullRequestReadyForReview|convertPullRequestToDraft)\b/.exec(query)?.[1];
    if (!mutation) {
      return { status: 200, body: { errors: [{ message: 'the loopback GitHub only knows the draft mutations' }] } };
    }
    const pull = pulls.find((candidate) => nodeIdOf(candidate) === id);
    if (!pull) {
      const message = `Could not resolve to a node with the global id of '${String(id)}'`;
      return { status: 200, body: { data: { [mutation]: null }, errors: [{ type: 'NOT_FOUND', path: [mutation], message }] } };
    }
    pull.draft = mutation === 'convertPullRequestToDraft';
    pull.updatedAt = new Date().toISOString();
    return { status: 200, body: { data: { [mutation]: { pullRequest: { isDraft: pull.draft } } } } };
  }

  async function route(method: string, path: string, query: Record<string, string>, body: unknown): Promise<Answer> {
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (path === '/graphql' && method === 'POST') return graphql(fields);
    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!repoMatch) return notFound();
    const repo = `${decodeURIComponent(repoMatch[1]!)}/${decodeURIComponent(repoMatch[2]!)}`;
    const rest = repoMatch[3] ?? '';
    if (!repoExists(repo)) return notFound();

    // GitHub answers a repository with the authenticated token's `permissions` on it.
    if (rest === '' && method === 'GET') {
      return { status: 200, body: { ...repoJson(repo), permissions: { ...defaultPermissions, ...permissions.get(repo) } } };
    }

    if (rest === '/pulls' && method === 'POST') return createPull(repo, fields);
    if (rest === '/pulls' && method === 'GET') return listPulls(repo, query);

    const refMatch = /^\/git\/refs\/(.+)$/.exec(rest);
    if (refMatch && method === 'DELETE') {
      const ref = decodeURIComponent(refMatch[1]!);
      const branch = ref.startsWith('heads/') ? ref.slice('heads/'.length) : undefined;
      if (!branch || !branchesOf(repo).delete(branch)) return failure(422, 'Reference does not exist');
      loopback.deletedRefs.push({ repo, ref });
      return { status: 204 };
    }

    const numbered = /^\/(pulls|issues)\/(\d+)(\/merge|\/comments)?$/.exec(rest);
    if (!numbered) return notFound();
    const pull = findPull(repo, Number(numbered[2]));
    if (!pull) return notFound();
    const [, kind, , tail] = numbered;
    if (kind === 'pulls' && !tail && method === 'GET') return { status: 200, body: pullJson(pull) };
    if (kind === 'pulls' && !tail && method === 'PATCH') return updatePull(pull, fields);
    if (kind === 'pulls' && tail === '/merge' && method === 'PUT') return mergePull(pull, fields);
    if (kind === 'issues' && tail === '/comments' && method === 'POST') {
      if (typeof fields.body !== 'string' || fields.body === '') {
        return failure(422, 'Validation Failed', { errors: [{ resource: 'IssueComment', field: 'body', code: 'missing_field' }] });
      }
      const comment = { repo, number: pull.number, id: nextCommentId++, body: fields.body };
      comments.push(comment);
      return { status: 201, body: commentJson(comment) };
    }
    if (kind === 'issues' && tail === '/comments' && method === 'GET') {
      return { status: 200, body: comments.filter((comment) => comment.repo === repo && comment.number === pull.number).map(commentJson) };
    }
    return notFound();
  }

  function authorizationProblem(request: IncomingMessage): Answer | undefined {
    if (options.token === undefined) return undefined;
    const match = /^(?:token|bearer)\s+(.+)$/i.exec(request.headers.authorization ?? '');
    if (match?.[1]?.trim() === options.token) return undefined;
    if (!request.headers.authorization) return failure(401, 'Requires authentication');
    return failure(401, 'Bad credentials');
  }

  function send(response: ServerResponse, answer: Answer): void {
    rateRemaining = Math.max(rateRemaining - 1, 0);
    const headers: Record<string, string> = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(rateRemaining),
      'x-ratelimit-used': String(5000 - rateRemaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-github-api-version-selected': '2022-11-28',
      ...(answer.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      ...answer.headers,
    };
    response.writeHead(answer.status, headers);
    response.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const method = (request.method ?? 'GET').toUpperCase();
      const path = url.pathname;
      const query = Object.fromEntries(url.searchParams);
      const { body, invalid } = await readBody(request);
      let answer: Answer;
      const injected = failures.find((entry) => entry.left > 0 && matches(entry.matcher, { method, path, body }));
      if (injected) {
        injected.left -= 1;
        const { status, body: failureBody, headers } = injected.failure;
        answer = { status, body: failureBody ?? { message: 'Server Error', documentation_url: docs }, ...(headers ? { headers } : {}) };
      } else {
        answer = authorizationProblem(request) ?? (invalid ? failure(400, 'Problems parsing JSON') : await route(method, path, query, body));
      }
      loopback.requests.push({ method, path, query, body, authorized: Boolean(request.headers.authorization), status: answer.status });
      send(response, answer);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `loopback GitHub failed: ${String(error)}` }));
    });
  });

  loopback.url = await listenOnLoopback(server);
  loopback.close = closerOf(server);
  return loopback;
}
