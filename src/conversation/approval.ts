import { describeError, isTandemError } from '../errors.ts';
import type { TaskRecord } from '../tasks/task-record.ts';
import type { ConversationContext, PrivateReply } from './conversation-context.ts';
import type { SurfaceButton } from './surface.ts';
import { oneLine } from './task-messages.ts';
import { escalate } from './escalation.ts';
import { replyInThread, showStatus } from './task-thread.ts';

export const approvalActionIds = { approve: 'tandem_approve', reject: 'tandem_reject', escalate: 'tandem_escalate' } as const;

export type Decision = keyof typeof approvalActionIds;

/** The decision a button's action id stands for, or undefined for another button. */
export function decisionOf(actionId: string): Decision | undefined {
  return (Object.keys(approvalActionIds) as Decision[]).find((decision) => approvalActionIds[decision] === actionId);
}

/** A button's value names the task and the iteration it was offered for: `7f3a9c21:2`. */
export function approvalValue(taskId: string, iteration: number): string {
  return `${taskId}:${iteration}`;
}

export function parseApprovalValue(value: string): { taskId: string; iteration: number } | undefined {
  const match = /^([a-z0-9][a-z0-9-]{2,39}):(\d+)$/.exec(value);
  return match ? { taskId: match[1]!, iteration: Number(match[2]) } : undefined;
}

/**
 * Approve (primary) and Reject (danger, confirmed). A stuck task cannot be approved; it
 * offers Escalate instead when a frontier model is configured (`frontierModel`).
 */
export function approvalButtons(taskId: string, iteration: number, stuck: boolean, frontierModel?: string): SurfaceButton[] {
  const value = approvalValue(taskId, iteration);
  const reject: SurfaceButton = {
    actionId: approvalActionIds.reject,
    label: 'Reject',
    value,
    style: 'danger',
    confirm: { title: 'Reject this PR?', text: 'The PR is closed and its branch deleted.', confirm: 'Reject', deny: 'Cancel' },
  };
  if (stuck) {
    if (!frontierModel) return [reject];
    const escalate: SurfaceButton = {
      actionId: approvalActionIds.escalate,
      label: 'Escalate',
      value,
      style: 'primary',
      confirm: {
        title: 'Send this task to the cloud?',
        text: `The next iteration's Coder runs on ${frontierModel}: the request, the plan, the files it reads and the test output go to that API (secrets redacted).`,
        confirm: 'Escalate',
        deny: 'Cancel',
      },
    };
    return [escalate, reject];
  }
  return [{ actionId: approvalActionIds.approve, label: 'Approve', value, style: 'primary' }, reject];
}

export interface DecisionClick {
  decision: Decision;
  value: string;
  user: string;
  channel: string;
  messageTs: string;
  replyPrivately: PrivateReply;
}

const claimMs = 120_000;

/** The task and iteration a decision button names, or undefined (the clicker is told) when the task is gone. */
export async function clickedTask(context: ConversationContext, click: DecisionClick): Promise<{ record: TaskRecord; iteration: number } | undefined> {
  const target = parseApprovalValue(click.value);
  const record = target ? await context.tasks.get(target.taskId) : undefined;
  if (!target || !record) {
    await click.replyPrivately('This task no longer exists.');
    return undefined;
  }
  return { record, iteration: target.iteration };
}

/**
 * A human lead's Approve (merge) or Reject (close the PR, delete its branch). A claim
 * in Redis lets one click act; the status moves by compare-and-set, so a double click,
 * two leads at once, or a Slack retry merge once.
 */
export async function decide(context: ConversationContext, click: DecisionClick): Promise<void> {
  if (click.decision === 'escalate') return escalate(context, click);
  const { access, tasks, logger } = context;
  const verb = click.decision === 'approve' ? 'approve' : 'reject';
  if (!access.isLead(click.user)) {
    await click.replyPrivately(`Only human leads can approve or reject tandem's pull requests.`);
    return;
  }
  const clicked = await clickedTask(context, click);
  if (!clicked) return;
  const { record, iteration } = clicked;
  if (click.decision === 'approve' && !access.mayApprove({ user: click.user, requester: record.requester })) {
    await click.replyPrivately('You asked for this task, so another human lead must approve it (REQUIRE_SEPARATE_APPROVER).');
    return;
  }
  if (record.iteration !== iteration) {
    await click.replyPrivately(`These buttons belong to iteration ${iteration}; the task is on iteration ${record.iteration}.`);
    return;
  }
  if (!(await tasks.claim(record.taskId, 'decide', claimMs))) return;
  try {
    const current = await tasks.get(record.taskId);
    const allowedFrom = click.decision === 'approve' ? ['awaiting_approval'] : ['awaiting_approval', 'stuck'];
    // A task stuck before it changed anything has no PR; rejecting it just closes it.
    const needsPull = click.decision === 'approve' || current?.status !== 'stuck';
    if (!current || !allowedFrom.includes(current.status) || (needsPull && !current.prNumber)) {
      await click.replyPrivately(`Nothing to ${verb}: the task is ${current?.status ?? 'gone'}.`);
      return;
    }
    if (click.decision === 'approve') await merge(context, current, click);
    else await reject(context, current, click);
  } catch (error) {
    logger.error({ taskId: record.taskId, err: error }, `could not ${verb}`);
    const reason = isTandemError(error) && error.code === 'pr_not_mergeable' ? error.message : describeError(error);
    await replyInThread(context, record, { text: `⚠️ Could not ${verb} PR #${record.prNumber}: ${oneLine(reason, 400)}` });
  } finally {
    await tasks.release(record.taskId, 'decide');
  }
}

async function merge(context: ConversationContext, record: TaskRecord, click: DecisionClick): Promise<void> {
  const { pullRequests, tasks, surface, mergeMethod } = context;
  const result = await pullRequests.merge({ repo: record.repo!, number: record.prNumber!, method: mergeMethod });
  const moved = await tasks.transition(record.taskId, { from: 'awaiting_approval', to: 'merged', patch: { decidedBy: click.user } });
  if (!moved.ok) return;
  const text = `✅ Merged by ${surface.mention(click.user)} (${mergeMethod}, \`${result.sha.slice(0, 7)}\`) — <${record.prUrl}|PR #${record.prNumber}>`;
  await surface.update(click.channel, click.messageTs, { text });
  await showStatus(context, moved.record, { headline: '✅ Merged' });
}

async function reject(context: ConversationContext, record: TaskRecord, click: DecisionClick): Promise<void> {
  const { pullRequests, tasks, surface } = context;
  if (record.prNumber) await pullRequests.close({ repo: record.repo!, number: record.prNumber, deleteBranch: true });
  const moved = await tasks.transition(record.taskId, { from: ['awaiting_approval', 'stuck'], to: 'rejected', patch: { decidedBy: click.user } });
  if (!moved.ok) return;
  const who = surface.mention(click.user);
  const text = record.prNumber ? `✖️ Rejected by ${who} — PR #${record.prNumber} closed and \`${record.branch}\` deleted.` : `✖️ Rejected by ${who} — the task is closed.`;
  await surface.update(click.channel, click.messageTs, { text });
  await showStatus(context, moved.record, { headline: '✖️ Rejected' });
}
