import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputBlockedError } from '../../../src/worker/output-guardrail/output-guardrail.ts';
import { git } from '../../kit/git-repos.ts';
import { rejectsWith } from '../../kit/assertions.ts';
import { createWorkspaceFixture, pushFromElsewhere, repo } from '../workspace/workspace-fixture.ts';
import { fakeGitHubToken } from './guardrail-repo.ts';

const author = { name: 'tandem Coder', email: 'coder@tandem.invalid' };

test('a push the guardrail blocks pushes nothing; later pushes are checked from the last pushed head', async (t) => {
  const { remotes, workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-guard', repo, branch: 'tandem/task-guard' });
  t.after(() => checkout.dispose());

  await checkout.applyEdits([{ path: '.github/workflows/ci.yml', action: 'write', content: 'on: push\n' }]);
  await checkout.commit('Add CI', author);
  const error = await rejectsWith(checkout.push(), 'output_blocked');
  assert.ok(error instanceof OutputBlockedError);
  assert.equal(error.retryable, false);
  assert.match(error.message, /^blocked the push of tandem\/task-guard: \.github\/workflows\/ci\.yml is protected/);
  assert.deepEqual(await remotes.branches(repo.owner, repo.name), ['main'], 'the branch never reached the remote');
  // The blocked commit stays in the range: a later push is refused too.
  await rejectsWith(checkout.push(), 'output_blocked');
});

test('clean pushes go through, and a secret added after them is not pushed', async (t) => {
  const { remotes, workspace } = await createWorkspaceFixture(t);
  const checkout = await workspace.open({ taskId: 'task-later', repo, branch: 'tandem/task-later' });
  t.after(() => checkout.dispose());
  await checkout.applyEdits([{ path: 'src/page.ts', action: 'write', content: 'export const size = 50;\n' }]);
  const clean = await checkout.commit('Add paging', author);
  await checkout.push();
  await checkout.applyEdits([{ path: 'src/client.ts', action: 'write', content: `export const token = '${fakeGitHubToken}';\n` }]);
  await checkout.commit('Add client', author);
  const error = await rejectsWith(checkout.push(), 'output_blocked');
  assert.ok(!error.message.includes(fakeGitHubToken));
  assert.match(error.message, /src\/client\.ts:1 adds a secret \(GitHub token\)/);
  const fresh = await remotes.clone(repo.owner, repo.name, 'tandem/task-later');
  assert.equal(await git(fresh, 'rev-parse', 'HEAD'), clean);
});

test('a branch reopened from the remote is checked only for the commits it adds', async (t) => {
  const { workspace, remotes } = await createWorkspaceFixture(t);
  const first = await workspace.open({ taskId: 'task-follow', repo, branch: 'tandem/task-follow' });
  await first.applyEdits([{ path: 'a.txt', action: 'write', content: 'a\n' }]);
  await first.commit('a', author);
  await first.push();
  await first.dispose();
  // A human put a workflow on the task branch; the follow-up iteration does not touch it.
  await pushFromElsewhere(remotes, 'tandem/task-follow', { '.github/workflows/human.yml': 'on: push\n' }, 'human CI');

  const second = await workspace.open({ taskId: 'task-follow', repo, branch: 'tandem/task-follow' });
  t.after(() => second.dispose());
  assert.equal(second.existedOnRemote, true);
  await second.applyEdits([{ path: 'b.txt', action: 'write', content: 'b\n' }]);
  const head = await second.commit('b', author);
  await second.push();
  const fresh = await remotes.clone(repo.owner, repo.name, 'tandem/task-follow');
  assert.equal(await git(fresh, 'rev-parse', 'HEAD'), head);
});
