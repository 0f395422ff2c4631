import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TaskRecord } from '../../src/tasks/task-record.ts';
import { channel, createGatewayHarness, developer, lead, type GatewayHarness } from '../kit/gateway-harness.ts';
import { assertNoDuplicatePosts, assertNothingRunning, assertPullRequestCount, assertThreadTellsOutcome } from '../kit/fault-checks.ts';
import { calculatorRepo, fullTeam } from '../kit/scripted-team.ts';
import type { StoredMessage } from '../kit/slack-store.ts';

/**
 * Issue 6, item 6, through the gateway with the production Octokit (retry and throttling
 * plugins; only the wait unit is shrunk): a PR already open for the branch is reused, rate
 * limits on create are waited out, and a refused merge is told in the thread with the PR open.
 */

const createPullRequest = { method: 'POST', path: '/repos/acme/calc/pulls' };
const mergeRequest = { method: 'PUT', path: /^\/repos\/acme\/calc\/pulls\/\d+\/merge$/ };
const hasButtons = (message: StoredMessage | undefined) => /tandem_approve/.test(JSON.stringify(message?.blocks ?? []));

describe('GitHub faults through the gateway', () => {
  let harness: GatewayHarness;

  before(async () => {
    harness = await createGatewayHarness('github-faults', 'http');
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam());
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness.close());

  /** Issue 6's checks: the thread tells the task finished, one PR for its branch, no doubled post, nothing running. */
  async function assertFourChecks(task: TaskRecord): Promise<void> {
    const thread = { channel, threadTs: task.threadTs! };
    await assertThreadTellsOutcome(harness.slack, thread, 'finished');
    assertPullRequestCount(harness.github, 'acme/calc', task.branch, 1);
    assertNoDuplicatePosts(harness.slack, thread);
    await assertNothingRunning({ queues: [harness.workQueue, harness.reportQueue] });
  }

  async function runTask(text: string): Promise<TaskRecord> {
    await harness.driver.slashCommand({ text, userId: developer, channelId: channel });
    const request = text.split(' ').slice(1).join(' ');
    const running = await harness.waitForTask((record) => record.request.includes(request), `the task "${text}"`);
    return harness.waitForTask(
      (record) => record.taskId === running.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
      `the task "${text}" to await approval`,
      120_000,
    );
  }

  test('a PR already open for the branch (422) is reused: one PR, its title and body the report’s', async () => {
    let existing = 0;
    // Someone opens a PR for the branch just before the gateway does: its create gets GitHub's 422.
    harness.github.failNext(
      (request) => {
        const head = (request.body as { head?: unknown } | undefined)?.head;
        if (existing === 0 && request.method === 'POST' && request.path === createPullRequest.path && typeof head === 'string') {
          existing = harness.github.addPull('acme/calc', { head, base: 'main', title: 'opened by hand' });
        }
        return false;
      },
      { status: 500 },
    );
    const task = await runTask('acme/calc fix add so that it adds');
    await assertFourChecks(task);
    const pulls = harness.github.pulls('acme/calc').filter((pull) => pull.head === task.branch);
    assert.equal(task.prNumber, existing, 'the existing PR was reused');
    assert.notEqual(pulls[0]!.title, 'opened by hand', 'its title was updated');
    const creates = harness.github.requests.filter((request) => request.method === 'POST' && request.path === createPullRequest.path);
    assert.deepEqual(creates.map((request) => request.status), [422], 'one create, answered 422');
  });

  let rateLimitedTask: TaskRecord;

  test('403 secondary rate limit and 429 with Retry-After on create are waited out: one PR', async () => {
    const before = harness.github.requests.length;
    harness.github.failNext(createPullRequest, {
      status: 403,
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com' },
      headers: { 'retry-after': '2' },
    });
    harness.github.failNext(createPullRequest, {
      status: 429,
      body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com' },
      headers: { 'retry-after': '1' },
    });
    rateLimitedTask = await runTask('acme/calc make add handle strings of digits');
    const creates = harness.github.requests
      .slice(before)
      .filter((request) => request.method === 'POST' && request.path === createPullRequest.path)
      .map((request) => request.status);
    assert.deepEqual(creates, [403, 429, 201], 'waited out both limits, then created');
    await assertFourChecks(rateLimitedTask);
    const thread = harness.slack.thread(channel, rateLimitedTask.threadTs!);
    assert.doesNotMatch(thread.map((message) => message.text).join('\n'), /rate limit/i, 'nothing about it in the thread');
  });

  async function approveAndExpectRefusal(task: TaskRecord, reason: RegExp): Promise<void> {
    const repliesBefore = harness.slack.thread(channel, task.threadTs!).length;
    await harness.driver.blockAction({
      actionId: 'tandem_approve',
      value: `${task.taskId}:${task.iteration}`,
      userId: lead,
      channelId: channel,
      messageTs: task.decisionMessageTs!,
      threadTs: task.threadTs,
    });
    const told = await harness.slack.waitFor(
      () => harness.slack.thread(channel, task.threadTs!).slice(repliesBefore).find((message) => /Could not approve/.test(message.text)),
      15_000,
      'the lead told in the thread',
    );
    assert.match(told.text, reason);
    assert.match(told.text, new RegExp(`#${task.prNumber}`));
    const pull = harness.github.pulls('acme/calc').find((candidate) => candidate.number === task.prNumber)!;
    assert.equal(pull.state, 'open', 'the PR stays open');
    assert.equal(pull.merged, false);
    assert.equal((await harness.tasks.get(task.taskId))!.status, 'awaiting_approval');
    const decision = harness.slack.messages(channel).find((message) => message.ts === task.decisionMessageTs);
    assert.ok(hasButtons(decision), 'the buttons stay');
  }

  test('merge refused with 405 (not mergeable) and 409 (head moved): the lead is told, the PR stays open, the buttons stay', async () => {
    const task = rateLimitedTask;
    harness.github.setMergeable('acme/calc', task.prNumber!, false);
    await approveAndExpectRefusal(task, /not mergeable/);

    harness.github.setMergeable('acme/calc', task.prNumber!, true);
    harness.github.failNext(mergeRequest, { status: 409, body: { message: 'Head branch was modified. Review and try the merge again.' } });
    await approveAndExpectRefusal(task, /Head branch was modified/);
    const merges = harness.github.requests.filter((request) => request.method === 'PUT' && mergeRequest.path.test(request.path));
    assert.deepEqual(merges.map((request) => request.status), [405, 409], 'a refused merge is not repeated');

    // Once mergeable again, the same buttons merge it.
    await harness.driver.blockAction({
      actionId: 'tandem_approve',
      value: `${task.taskId}:${task.iteration}`,
      userId: lead,
      channelId: channel,
      messageTs: task.decisionMessageTs!,
      threadTs: task.threadTs,
    });
    await harness.waitForTask((record) => record.taskId === task.taskId && record.status === 'merged', 'the merge', 20_000);
    assert.equal(harness.github.merges.length, 1);
    assertPullRequestCount(harness.github, 'acme/calc', task.branch, 1);
    assertNoDuplicatePosts(harness.slack, { channel, threadTs: task.threadTs! });
    await assertNothingRunning({ queues: [harness.workQueue, harness.reportQueue] });
  });
});
