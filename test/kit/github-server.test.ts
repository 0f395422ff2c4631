import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGitHubServer, type LoopbackGitHub } from './github-server.ts';

const token = 'ghp_loopbackServerToken000000000000000';

describe('loopback GitHub REST server', () => {
  let server: LoopbackGitHub;

  /** One raw HTTP call, as GitHub's clients make it. */
  async function call(method: string, path: string, body?: unknown, authorization = `token ${token}`) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization, accept: 'application/vnd.github+json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as any) : undefined };
  }

  before(async () => {
    server = await startGitHubServer({ token, repos: ['acme/api'] });
  });

  after(() => server.close());

  test('creates a pull request with GitHub field names and rate-limit headers', async () => {
    const created = await call('POST', '/repos/acme/api/pulls', { head: 'feature/a', base: 'main', title: 'A', body: 'why' });
    assert.equal(created.status, 201);
    assert.equal(created.body.number, 1);
    assert.equal(created.body.html_url, 'https://github.com/acme/api/pull/1');
    assert.equal(created.body.state, 'open');
    assert.equal(created.body.merged, false);
    assert.equal(created.body.draft, false);
    assert.deepEqual(
      { ref: created.body.head.ref, label: created.body.head.label, base: created.body.base.ref },
      { ref: 'feature/a', label: 'acme:feature/a', base: 'main' },
    );
    assert.match(created.body.head.sha, /^[0-9a-f]{40}$/);
    assert.equal(created.body.user.login, 'tandem-bot');
    assert.equal(created.headers.get('x-ratelimit-limit'), '5000');
    assert.ok(Number(created.headers.get('x-ratelimit-reset')) > Date.now() / 1000);
  });

  test('a second open PR for the same head and base is GitHub\'s 422 "already exists"', async () => {
    const duplicate = await call('POST', '/repos/acme/api/pulls', { head: 'feature/a', base: 'main', title: 'again' });
    assert.equal(duplicate.status, 422);
    assert.equal(duplicate.body.message, 'Validation Failed');
    assert.deepEqual(duplicate.body.errors, [
      { resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for acme:feature/a.' },
    ]);
    assert.equal(duplicate.body.documentation_url, 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request');
  });

  test('lists by head, base and state, newest first, in the list form without `merged`', async () => {
    await call('POST', '/repos/acme/api/pulls', { head: 'feature/b', base: 'main', title: 'B' });
    const byHead = await call('GET', '/repos/acme/api/pulls?head=acme:feature/a&state=open');
    assert.deepEqual(byHead.body.map((pull: { number: number }) => pull.number), [1]);
    assert.equal('merged' in byHead.body[0], false);
    const all = await call('GET', '/repos/acme/api/pulls?base=main&state=all');
    assert.deepEqual(all.body.map((pull: { number: number }) => pull.number), [2, 1]);
    const otherBase = await call('GET', '/repos/acme/api/pulls?base=develop');
    assert.deepEqual(otherBase.body, []);
  });

  test('merges once; merging again, a draft or an unmergeable PR is 405', async () => {
    const merged = await call('PUT', '/repos/acme/api/pulls/1/merge', { merge_method: 'squash', commit_title: 'A (#1)' });
    assert.equal(merged.status, 200);
    assert.equal(merged.body.merged, true);
    const again = await call('PUT', '/repos/acme/api/pulls/1/merge', { merge_method: 'squash' });
    assert.deepEqual([again.status, again.body.message], [405, 'Pull Request is not mergeable']);
    const read = await call('GET', '/repos/acme/api/pulls/1');
    assert.deepEqual([read.body.state, read.body.merged, read.body.merge_commit_sha], ['closed', true, merged.body.sha]);
    assert.equal(server.merges.length, 1);

    server.setMergeable('acme/api', 2, false);
    const conflicted = await call('PUT', '/repos/acme/api/pulls/2/merge', {});
    assert.equal(conflicted.status, 405);
    const draft = await call('POST', '/repos/acme/api/pulls', { head: 'feature/d', base: 'main', title: 'D', draft: true });
    const refused = await call('PUT', `/repos/acme/api/pulls/${draft.body.number}/merge`, {});
    assert.deepEqual([refused.status, refused.body.message], [405, 'Pull Request is still a draft']);
  });

  test('onMerge supplies the merge sha, or refuses the merge by throwing', async () => {
    const opened = await call('POST', '/repos/acme/api/pulls', { head: 'feature/hook', base: 'main', title: 'H' });
    server.onMerge = () => {
      throw new Error('Merge conflict in src/users.ts');
    };
    const refused = await call('PUT', `/repos/acme/api/pulls/${opened.body.number}/merge`, {});
    assert.deepEqual([refused.status, refused.body.message], [405, 'Merge conflict in src/users.ts']);
    server.onMerge = (pull, merge) => (pull.head === 'feature/hook' && merge.method === 'rebase' ? 'a'.repeat(40) : undefined);
    const merged = await call('PUT', `/repos/acme/api/pulls/${opened.body.number}/merge`, { merge_method: 'rebase' });
    assert.equal(merged.body.sha, 'a'.repeat(40));
    server.onMerge = undefined;
  });

  test('updates title, body and state; deletes a head ref once, then 422 "Reference does not exist"', async () => {
    const updated = await call('PATCH', '/repos/acme/api/pulls/2', { title: 'B2', body: 'new', state: 'closed' });
    assert.deepEqual([updated.body.title, updated.body.body, updated.body.state], ['B2', 'new', 'closed']);
    const deleted = await call('DELETE', `/repos/acme/api/git/refs/${encodeURIComponent('heads/feature/b')}`);
    assert.equal(deleted.status, 204);
    const missing = await call('DELETE', '/repos/acme/api/git/refs/heads/feature/b');
    assert.deepEqual([missing.status, missing.body.message], [422, 'Reference does not exist']);
    assert.deepEqual(server.deletedRefs, [{ repo: 'acme/api', ref: 'heads/feature/b' }]);
  });

  test('posts and lists issue comments on a pull request', async () => {
    const posted = await call('POST', '/repos/acme/api/issues/2/comments', { body: 'hello' });
    assert.equal(posted.status, 201);
    assert.equal(posted.body.body, 'hello');
    const listed = await call('GET', '/repos/acme/api/issues/2/comments');
    assert.deepEqual(listed.body.map((comment: { body: string }) => comment.body), ['hello']);
    assert.deepEqual(server.comments('acme/api', 2).map((comment) => comment.body), ['hello']);
  });

  test('a wrong token is 401 Bad credentials; Bearer works too; unknown repositories are 404', async () => {
    const wrong = await call('GET', '/repos/acme/api/pulls', undefined, 'token ghp_wrong');
    assert.deepEqual([wrong.status, wrong.body.message], [401, 'Bad credentials']);
    const bearer = await call('GET', '/repos/acme/api/pulls', undefined, `Bearer ${token}`);
    assert.equal(bearer.status, 200);
    const unknown = await call('GET', '/repos/acme/other/pulls');
    assert.deepEqual([unknown.status, unknown.body.message], [404, 'Not Found']);
    const recorded = server.requests.at(-3)!;
    assert.deepEqual([recorded.status, recorded.authorized], [401, true]);
    assert.ok(!JSON.stringify(server.requests).includes(token), 'the token is never recorded');
  });

  test('failNext answers the matching requests with the injected failure, then normally', async () => {
    server.failNext({ method: 'GET', path: /\/pulls\/2$/ }, { status: 429, times: 2, headers: { 'retry-after': '1' } });
    const first = await call('GET', '/repos/acme/api/pulls/2');
    const second = await call('GET', '/repos/acme/api/pulls/2');
    const third = await call('GET', '/repos/acme/api/pulls/2');
    assert.deepEqual([first.status, second.status, third.status], [429, 429, 200]);
    assert.equal(first.headers.get('retry-after'), '1');
  });

  test('close is idempotent', async () => {
    const extra = await startGitHubServer();
    await Promise.all([extra.close(), extra.close()]);
    await extra.close();
  });
});
