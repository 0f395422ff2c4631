import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationStream } from 'pino';
import type { TandemError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createOctokit, OctokitPullRequests } from '../../src/github/octokit-pull-requests.ts';
import type { OpenPullRequestInput } from '../../src/github/pull-requests.ts';
import { startGitHubServer, type LoopbackGitHub } from '../kit/github-server.ts';
import { rejectsWith } from '../kit/assertions.ts';

const token = `ghp_${'T0kenForTandemTests'.padEnd(36, 'x')}`;
const wrongToken = `ghp_${'WrongTokenForTandem'.padEnd(36, 'y')}`;
const repo = { owner: 'acme', name: 'api' };
const secondaryLimitMessage =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to ' +
  'GitHub Support for help, please include the request ID 1234:5678.';


describe('OctokitPullRequests through the real Octokit against a loopback GitHub', () => {
  let server: LoopbackGitHub;
  let pullRequests: OctokitPullRequests;
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'trace',
    destination: { write: (line: string) => void logLines.push(line) } as DestinationStream,
  });

  /** The tandem objects for `token`, retrying after 5 ms units instead of seconds. */
  const connect = (overrides: { token?: string; url?: string; spaceWrites?: boolean } = {}) =>
    new OctokitPullRequests({
      octokit: createOctokit({
        token: overrides.token ?? token,
        baseUrl: `${overrides.url ?? server.url}/`,
        logger,
        retries: 3,
        retryUnitMs: 5,
        spaceWrites: overrides.spaceWrites ?? false,
      }),
      logger,
    });

  const open = (head: string, extra: Partial<OpenPullRequestInput> = {}) =>
    pullRequests.openOrUpdate({ repo, head, base: 'main', title: `Work on ${head}`, body: 'first body', draft: false, ...extra });

  const requestsTo = (method: string, path: string) =>
    server.requests.filter((request) => request.method === method && request.path === path);

  before(async () => {
    server = await startGitHubServer({ token, repos: ['acme/api'] });
    pullRequests = connect();
  });

  after(async () => {
    await server.close();
    const logs = logLines.join('');
    assert.ok(!logs.includes(token) && !logs.includes(wrongToken), 'a token reached the log');
  });

  test('openOrUpdate opens a pull request and maps GitHub fields', async () => {
    const pull = await open('tandem/open-1', { title: 'Add pagination', body: 'the report' });
    assert.deepEqual(pull, {
      number: pull.number,
      url: `https://github.com/acme/api/pull/${pull.number}`,
      state: 'open',
      merged: false,
      draft: false,
      headBranch: 'tandem/open-1',
      baseBranch: 'main',
    });
    const [create] = requestsTo('POST', '/repos/acme/api/pulls');
    assert.deepEqual(create?.body, { head: 'tandem/open-1', base: 'main', title: 'Add pagination', body: 'the report', draft: false });
    assert.equal(create?.authorized, true);
  });

  test('opening again for the same branch updates title and body and returns the same number', async () => {
    const first = await open('tandem/again');
    const second = await open('tandem/again', { title: 'Second title', body: 'second body' });
    assert.equal(second.number, first.number);
    const stored = server.pulls(repo).filter((pull) => pull.head === 'tandem/again');
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.title, 'Second title');
    assert.equal(stored[0]?.body, 'second body');
    const list = server.requests.find((request) => request.method === 'GET' && request.path === '/repos/acme/api/pulls');
    assert.deepEqual(list?.query, { head: 'acme:tandem/again', base: 'main', state: 'open' });
  });

  test('opening again as ready marks an open draft ready for review through GraphQL, and back', async () => {
    const first = await open('tandem/draft', { draft: true });
    assert.equal(first.draft, true);
    const ready = await open('tandem/draft', { draft: false, title: 'Ready now' });
    assert.deepEqual([ready.number, ready.draft], [first.number, false]);
    assert.equal(server.pulls(repo).find((pull) => pull.number === first.number)?.draft, false);
    const graphql = server.requests.filter((request) => request.path === '/graphql');
    assert.match(JSON.stringify(graphql.at(-1)?.body), /markPullRequestReadyForReview/);

    const draftAgain = await open('tandem/draft', { draft: true });
    assert.equal(draftAgain.draft, true);
    assert.equal(server.pulls(repo).find((pull) => pull.number === first.number)?.draft, true);
    await pullRequests.merge({ repo, number: first.number, method: 'squash' }).then(
      () => assert.fail('a draft must not merge'),
      (error: TandemError) => assert.match(error.message, /still a draft/),
    );
  });

  test('when GraphQL refuses to change the draft state, the PR is still updated and stays a draft', async () => {
    const first = await open('tandem/draft-refused', { draft: true });
    server.failNext({ method: 'POST', path: '/graphql' }, { status: 403, body: { message: 'Resource not accessible by integration' } });
    const second = await open('tandem/draft-refused', { draft: false, title: 'Updated anyway' });
    assert.deepEqual([second.number, second.draft], [first.number, true]);
    assert.equal(server.pulls(repo).find((pull) => pull.number === first.number)?.title, 'Updated anyway');
    assert.ok(logLines.some((line) => line.includes('keeps its draft state')));
  });

  test('when GitHub says a PR exists but lists none (it just closed), openOrUpdate creates once more', async () => {
    const alreadyExists = {
      message: 'Validation Failed',
      errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for acme:tandem/race.' }],
      documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
    };
    server.failNext({ method: 'POST', path: '/repos/acme/api/pulls' }, { status: 422, body: alreadyExists });
    const pull = await open('tandem/race');
    assert.equal(pull.state, 'open');
    assert.equal(server.pulls(repo).filter((stored) => stored.head === 'tandem/race').length, 1);
  });

  test('get returns the pull request, and an unknown number is github_not_found', async () => {
    const opened = await open('tandem/get');
    assert.deepEqual(await pullRequests.get(repo, opened.number), opened);
    const error = await rejectsWith(pullRequests.get(repo, 9999), 'github_not_found');
    assert.match(error.message, /acme\/api#9999/);
  });

  test('an unknown repository is github_not_found and says to check the repository and the token', async () => {
    const error = await rejectsWith(pullRequests.get({ owner: 'acme', name: 'nope' }, 1), 'github_not_found');
    assert.match(error.message, /GITHUB_TOKEN can see the repository/);
  });

  test('merge with squash returns the merge sha and the PR is merged', async () => {
    const opened = await open('tandem/merge');
    const { sha } = await pullRequests.merge({ repo, number: opened.number, method: 'squash', title: 'Add pagination (#1)' });
    assert.match(sha, /^[0-9a-f]{40}$/);
    assert.deepEqual(server.merges.at(-1), { repo: 'acme/api', number: opened.number, method: 'squash', commitTitle: 'Add pagination (#1)', sha });
    const merged = await pullRequests.get(repo, opened.number);
    assert.equal(merged.merged, true);
    assert.equal(merged.state, 'closed');
  });

  test('merging a merged PR again returns the same sha without a second merge', async () => {
    const opened = await open('tandem/merge-twice');
    const first = await pullRequests.merge({ repo, number: opened.number, method: 'squash' });
    const second = await pullRequests.merge({ repo, number: opened.number, method: 'squash' });
    assert.equal(second.sha, first.sha);
    assert.equal(server.merges.filter((merge) => merge.number === opened.number).length, 1);
  });

  test('merging an unmergeable PR is pr_not_mergeable with the reason, and the PR stays open', async () => {
    const opened = await open('tandem/conflict');
    server.setMergeable(repo, opened.number, false);
    const error = await rejectsWith(pullRequests.merge({ repo, number: opened.number, method: 'squash' }), 'pr_not_mergeable');
    assert.match(error.message, /Pull Request is not mergeable/);
    assert.equal(error.retryable, false);
    assert.equal(server.pulls(repo).find((pull) => pull.number === opened.number)?.state, 'open');
    assert.equal(requestsTo('PUT', `/repos/acme/api/pulls/${opened.number}/merge`).length, 1, 'a refused merge is not retried');
  });

  test('a 409 "Head branch was modified" is pr_not_mergeable too', async () => {
    const opened = await open('tandem/moved');
    const path = `/repos/acme/api/pulls/${opened.number}/merge`;
    server.failNext({ method: 'PUT', path }, { status: 409, body: { message: 'Head branch was modified. Review and try the merge again.' } });
    const error = await rejectsWith(pullRequests.merge({ repo, number: opened.number, method: 'merge' }), 'pr_not_mergeable');
    assert.match(error.message, /Head branch was modified/);
  });

  test('close with deleteBranch closes the PR and deletes its head branch; a branch already gone is fine', async () => {
    const opened = await open('tandem/close-me');
    await pullRequests.close({ repo, number: opened.number, deleteBranch: true });
    assert.equal((await pullRequests.get(repo, opened.number)).state, 'closed');
    assert.deepEqual(server.deletedRefs.filter((deleted) => deleted.ref === 'heads/tandem/close-me'), [
      { repo: 'acme/api', ref: 'heads/tandem/close-me' },
    ]);
    assert.ok(!server.branches(repo).includes('tandem/close-me'));

    await pullRequests.close({ repo, number: opened.number, deleteBranch: true });
    const deletes = server.requests.filter((request) => request.method === 'DELETE' && request.path.includes('close-me'));
    assert.deepEqual(deletes.map((request) => request.status), [204, 422]);
  });

  test('close without deleteBranch keeps the branch', async () => {
    const opened = await open('tandem/keep-branch');
    await pullRequests.close({ repo, number: opened.number, deleteBranch: false });
    assert.equal((await pullRequests.get(repo, opened.number)).state, 'closed');
    assert.ok(server.branches(repo).includes('tandem/keep-branch'));
  });

  test('comment posts on the pull request conversation', async () => {
    const opened = await open('tandem/comment');
    await pullRequests.comment({ repo, number: opened.number, body: 'Approved by @mina in Slack' });
    assert.deepEqual(
      server.comments(repo, opened.number).map((comment) => comment.body),
      ['Approved by @mina in Slack'],
    );
  });

  test('a 500 twice and then success is retried by the retry plugin', async () => {
    const opened = await open('tandem/flaky');
    const path = `/repos/acme/api/pulls/${opened.number}`;
    server.failNext({ method: 'GET', path }, { status: 500, times: 2 });
    assert.equal((await pullRequests.get(repo, opened.number)).number, opened.number);
    assert.deepEqual(requestsTo('GET', path).map((request) => request.status), [500, 500, 200]);
  });

  test('a 502 on every try ends as a retryable github_error after the retries', async () => {
    const opened = await open('tandem/down');
    const path = `/repos/acme/api/pulls/${opened.number}`;
    server.failNext({ method: 'GET', path }, { status: 502, times: 10, body: { message: 'Server Error' } });
    const error = await rejectsWith(pullRequests.get(repo, opened.number), 'github_error');
    assert.equal(error.retryable, true);
    assert.equal(requestsTo('GET', path).length, 4, 'one try and three retries');
  });

  for (const status of [403, 429]) {
    test(`a secondary rate limit (${status} with Retry-After: 1) is waited out by the throttling plugin`, async () => {
      const opened = await open(`tandem/secondary-${status}`);
      const path = `/repos/acme/api/issues/${opened.number}/comments`;
      server.failNext(
        { method: 'POST', path },
        { status, body: { message: secondaryLimitMessage, documentation_url: 'https://docs.github.com' }, headers: { 'retry-after': '1' } },
      );
      await pullRequests.comment({ repo, number: opened.number, body: 'after the limit' });
      assert.deepEqual(requestsTo('POST', path).map((request) => request.status), [status, 201]);
      assert.equal(server.comments(repo, opened.number).length, 1);
      assert.ok(logLines.some((line) => line.includes('"kind":"secondary"') && line.includes('"retryAfterSeconds":1')));
    });
  }

  test('a primary rate limit (403, x-ratelimit-remaining: 0) is waited out until the reset', async () => {
    const opened = await open('tandem/primary');
    const path = `/repos/acme/api/pulls/${opened.number}`;
    const reset = String(Math.floor(Date.now() / 1000) + 1);
    server.failNext(
      { method: 'GET', path },
      { status: 403, body: { message: 'API rate limit exceeded for user ID 4242.' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } },
    );
    assert.equal((await pullRequests.get(repo, opened.number)).number, opened.number);
    assert.deepEqual(requestsTo('GET', path).map((request) => request.status), [403, 200]);
    assert.ok(logLines.some((line) => line.includes('"kind":"primary"')));
  });

  test('a rate limit that outlasts the retries is a retryable github_rate_limited', async () => {
    const opened = await open('tandem/limited');
    const path = `/repos/acme/api/pulls/${opened.number}`;
    server.failNext({ method: 'GET', path }, { status: 429, times: 10, body: { message: secondaryLimitMessage }, headers: { 'retry-after': '1' } });
    const error = await rejectsWith(pullRequests.get(repo, opened.number), 'github_rate_limited');
    assert.equal(error.retryable, true);
    assert.equal(requestsTo('GET', path).length, 4, 'one try and three retries');
  });

  test('a bad token is github_unauthorized, not retried, and no message or log carries the token', async () => {
    const before = server.requests.length;
    const error = await rejectsWith(connect({ token: wrongToken }).get(repo, 1), 'github_unauthorized');
    assert.match(error.message, /GITHUB_TOKEN was rejected \(401 Bad credentials\)/);
    assert.equal(server.requests.length - before, 1);
    const everything = `${error.message} ${JSON.stringify(error.cause)} ${String((error.cause as Error).message)}`;
    assert.ok(!everything.includes(wrongToken) && !everything.includes(token));
  });

  test('a 403 that is not a rate limit is github_unauthorized and says which access to give', async () => {
    const opened = await open('tandem/forbidden');
    const path = `/repos/acme/api/issues/${opened.number}/comments`;
    server.failNext({ method: 'POST', path }, { status: 403, body: { message: 'Resource not accessible by personal access token' } });
    const error = await rejectsWith(pullRequests.comment({ repo, number: opened.number, body: 'x' }), 'github_unauthorized');
    assert.match(error.message, /Resource not accessible by personal access token.*write access/);
    assert.equal(requestsTo('POST', path).length, 1);
  });

  test('an unreachable GitHub is a retryable github_unreachable naming GITHUB_API_URL', async () => {
    const gone = await startGitHubServer();
    await gone.close();
    const error = await rejectsWith(connect({ url: gone.url }).get(repo, 1), 'github_unreachable');
    assert.equal(error.retryable, true);
    assert.match(error.message, /could not be reached .*GITHUB_API_URL/);
  });

  test('by default writes are spaced at least a second apart, as GitHub asks', async () => {
    const opened = await open('tandem/spaced');
    const spaced = connect({ spaceWrites: true });
    const started = Date.now();
    await spaced.close({ repo, number: opened.number, deleteBranch: false });
    await spaced.close({ repo, number: opened.number, deleteBranch: false });
    assert.ok(Date.now() - started >= 900, `the second write waited only ${Date.now() - started} ms`);
  });
});
