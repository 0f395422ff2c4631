import type { ConversationContext, PrivateReply } from './conversation-context.ts';
import type { SurfaceButton } from './surface.ts';
import { announceQueued, queueIteration, showStatus } from './task-thread.ts';

export const routeActionIds = {
  low: 'tandem_route_low',
  medium: 'tandem_route_medium',
  high: 'tandem_route_high',
  decline: 'tandem_route_decline',
} as const;

export type RouteChoice = keyof typeof routeActionIds;

/** Low / Medium / High / Decline, for a human lead to route a task the router was unsure of. */
export function routeButtons(taskId: string): SurfaceButton[] {
  return [
    { actionId: routeActionIds.low, label: 'Low', value: taskId },
    { actionId: routeActionIds.medium, label: 'Medium', value: taskId, style: 'primary' },
    { actionId: routeActionIds.high, label: 'High', value: taskId },
    {
      actionId: routeActionIds.decline,
      label: 'Decline',
      value: taskId,
      style: 'danger',
      confirm: { title: 'Decline this task?', text: 'Nothing will be queued.', confirm: 'Decline', deny: 'Keep it' },
    },
  ];
}

export interface RouteClick {
  choice: RouteChoice;
  taskId: string;
  user: string;
  channel: string;
  /** The message holding the buttons, replaced by the outcome. */
  messageTs: string;
  replyPrivately: PrivateReply;
}

/** A lead's click on Low / Medium / High queues the task; Decline ends it. Only one click counts. */
export async function decideRoute(context: ConversationContext, click: RouteClick): Promise<void> {
  const { access, surface, tasks } = context;
  if (!access.isLead(click.user)) {
    await click.replyPrivately('Only human leads can set the difficulty or decline a task.');
    return;
  }
  const record = await tasks.get(click.taskId);
  if (!record || record.status !== 'screening') {
    await click.replyPrivately(record ? `This task was already decided (${record.status}).` : 'This task no longer exists.');
    return;
  }
  const who = surface.mention(click.user);
  if (click.choice === 'decline') {
    const moved = await tasks.transition(record.taskId, {
      from: 'screening',
      to: 'blocked',
      patch: { decidedBy: click.user, reason: 'declined by a human lead' },
    });
    if (!moved.ok) return;
    await surface.update(click.channel, click.messageTs, { text: `🚫 Declined by ${who}. Nothing was queued.` });
    await showStatus(context, moved.record, { headline: '🚫 Declined' });
    return;
  }
  const queued = await queueIteration(context, record, {
    from: 'screening',
    iteration: record.iteration,
    difficulty: click.choice,
    reflection: click.choice !== 'low',
    takeFeedback: false,
  });
  if (!queued) return;
  await tasks.update(queued.taskId, { decidedBy: click.user });
  await surface.update(click.channel, click.messageTs, { text: `✅ ${who} set the difficulty to *${click.choice}*; the task is queued.` });
  await announceQueued(context, queued);
}
