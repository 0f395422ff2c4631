import type { ConversationContext } from './conversation-context.ts';
import type { DecisionClick } from './approval.ts';
import { clickedTask } from './approval.ts';
import { announceNextIteration, queueIteration } from './task-thread.ts';

const claimMs = 120_000;

/** What an escalated iteration sends to the frontier model, said in the thread before anything goes. */
export function cloudDisclosure(model: string, origin: string): string {
  return (
    `☁️ The Coder of this iteration runs on *${model}* at ${origin}; the Planner, Reviewer and Tester stay local. ` +
    'What goes to the cloud: the request, the plan, the thread\'s feedback, the repository\'s file tree and the files the Coder reads, ' +
    'the failing test output and the review comments — with secrets redacted. Nothing else leaves this machine.'
  );
}

/**
 * A human lead's Escalate on a stuck task (SOS): the task is queued again with the frontier
 * model as its Coder. Only leads may escalate; the claim and the compare-and-set move from
 * `stuck` make a double click queue one iteration.
 */
export async function escalate(context: ConversationContext, click: DecisionClick): Promise<void> {
  const { access, tasks, surface, frontier } = context;
  if (!access.isLead(click.user)) {
    await click.replyPrivately('Only human leads can escalate a task to a frontier model.');
    return;
  }
  if (!frontier) {
    await click.replyPrivately('No frontier model is configured: set FRONTIER_API_URL, FRONTIER_API_KEY and FRONTIER_MODEL on the gateway and the workers.');
    return;
  }
  const clicked = await clickedTask(context, click);
  if (!clicked) return;
  const { record } = clicked;
  if (record.iteration !== clicked.iteration || record.status !== 'stuck') {
    await click.replyPrivately(`Nothing to escalate: the task is ${record.status} on iteration ${record.iteration}.`);
    return;
  }
  if (!(await tasks.claim(record.taskId, 'decide', claimMs))) return;
  try {
    const queued = await queueIteration(context, record, {
      from: 'stuck',
      iteration: record.iteration + 1,
      difficulty: record.difficulty ?? 'medium',
      reflection: record.reflection ?? true,
      takeFeedback: true,
      escalated: true,
    });
    if (!queued) return;
    await tasks.update(queued.taskId, { decidedBy: click.user });
    await surface.update(click.channel, click.messageTs, {
      text: `🆘 Escalated by ${surface.mention(click.user)}: iteration ${queued.iteration} goes to *${frontier.model}*.`,
    });
    await announceNextIteration(context, queued, {
      note: cloudDisclosure(frontier.model, frontier.origin),
      headline: `⏳ Queued for ${frontier.model} — waiting for a worker`,
    });
  } finally {
    await tasks.release(record.taskId, 'decide');
  }
}
