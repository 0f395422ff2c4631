import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { JobType, Queue } from 'bullmq';
import type { LoopbackGitHub, StoredPull } from './github-server.ts';
import type { LoopbackSlack } from './slack-server.ts';
import type { StoredMessage } from './slack-store.ts';

/**
 * The four checks issue 6 asks of every fault test: the task finishes, or fails with a clear
 * message in its thread; exactly one PR (or none); no Slack post doubled (status edits are
 * coalesced into one message, so only posts count); nothing left running.
 */

const hasApprovalButtons = (message: StoredMessage) => /tandem_approve/.test(JSON.stringify(message.blocks ?? []));
const threadText = (thread: StoredMessage[]) => thread.map((message) => message.text).join('\n');

/** A thread's messages, for the checks below. */
export interface ThreadAddress {
  channel: string;
  threadTs: string;
}

/** The thread from its last message by a person on (the whole thread when tandem wrote it all). */
function latestIteration(messages: StoredMessage[]): StoredMessage[] {
  const people = messages.map((message, index) => (message.botId === undefined ? index : 0));
  return messages.slice(Math.max(0, ...people));
}

const failurePrefix = '❌ The task failed: ';

/**
 * The thread tells how the task's latest iteration (from the last person's reply on) ended:
 * `finished` — one report with the approval buttons and no failure; a RegExp — a failure
 * `❌ The task failed: …` whose reason matches it, and no buttons. Waits up to `timeoutMs` for
 * the gateway's last post; returns the thread.
 */
export async function assertThreadTellsOutcome(
  slack: LoopbackSlack,
  thread: ThreadAddress,
  outcome: 'finished' | RegExp,
  timeoutMs = 10_000,
): Promise<StoredMessage[]> {
  const read = () => latestIteration(slack.thread(thread.channel, thread.threadTs));
  const told = () => read().some((message) => hasApprovalButtons(message) || message.text.includes(failurePrefix));
  await slack.waitFor(told, timeoutMs, 'the outcome in the thread').catch(() => undefined);
  const messages = read();
  const text = threadText(messages);
  const failure = messages.find((message) => message.text.includes(failurePrefix));
  if (outcome === 'finished') {
    assert.equal(messages.filter(hasApprovalButtons).length, 1, `one report with Approve / Reject in the thread:\n${text}`);
    assert.equal(failure, undefined, `no failure in the thread:\n${text}`);
  } else {
    assert.ok(failure, `the failure told in the thread:\n${text}`);
    assert.match(failure.text.slice(failure.text.indexOf(failurePrefix) + failurePrefix.length), outcome);
    assert.equal(messages.filter(hasApprovalButtons).length, 0, 'no approval buttons on a failed task');
  }
  return slack.thread(thread.channel, thread.threadTs);
}

/**
 * No message tandem posted into the thread is there twice (same text, blocks and files). A
 * person's reply starts the next iteration, whose milestones may read as the last one's did,
 * so each stretch between two people's messages is checked on its own.
 */
export function assertNoDuplicatePosts(slack: LoopbackSlack, thread: ThreadAddress): void {
  const doubled: string[] = [];
  let seen = new Map<string, number>();
  for (const message of slack.thread(thread.channel, thread.threadTs)) {
    if (message.botId === undefined) {
      seen = new Map();
      continue;
    }
    const key = JSON.stringify([message.text, message.blocks ?? null, message.files?.map((file) => file.filename) ?? null]);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (seen.get(key) === 2) doubled.push(message.text);
  }
  assert.deepEqual(doubled, [], 'no post doubled in the thread');
}

/** Exactly `count` pull requests for `branch` in `repo` (`owner/name`); returns them. */
export function assertPullRequestCount(github: LoopbackGitHub, repo: string, branch: string | undefined, count: number): StoredPull[] {
  const pulls = github.pulls(repo).filter((pull) => branch !== undefined && pull.head === branch);
  assert.equal(pulls.length, count, `${count} PR(s) for ${branch ?? '(no branch)'} in ${repo}; all: ${github.pulls(repo).map((pull) => pull.head).join(', ')}`);
  return pulls;
}

/** What must be idle: queues with no job active, waiting or delayed; child processes that have exited. */
export interface RunningThings {
  queues?: Queue[];
  processes?: (ChildProcess | { child: ChildProcess })[];
}

/** Nothing is left running: waits up to `timeoutMs` for the queues to drain, then asserts both. */
export async function assertNothingRunning(things: RunningThings, timeoutMs = 5_000): Promise<void> {
  const idle = { active: 0, waiting: 0, delayed: 0, prioritized: 0 };
  const states = Object.keys(idle) as JobType[];
  const deadline = Date.now() + timeoutMs;
  for (const queue of things.queues ?? []) {
    let counts = await queue.getJobCounts(...states);
    while (Object.values(counts).some((count) => count > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      counts = await queue.getJobCounts(...states);
    }
    assert.deepEqual(counts, idle, `the ${queue.name} queue is idle`);
  }
  for (const entry of things.processes ?? []) {
    const child = 'child' in entry ? entry.child : entry;
    assert.ok(child.exitCode !== null || child.signalCode !== null, `process ${child.pid} has exited`);
  }
}
