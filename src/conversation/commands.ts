import { formatGigabytes } from '../models/model-memory.ts';
import { workJobId } from '../queue/queues.ts';
import type { TaskRecord } from '../tasks/task-record.ts';
import type { ConversationContext, PrivateReply } from './conversation-context.ts';
import { repoText } from './access-policy.ts';
import { formatElapsed, personaLabels } from './task-messages.ts';
import { replyInThread, showStatus } from './task-thread.ts';
import { workerLines } from './worker-lines.ts';


const cancellable = ['screening', 'queued', 'running', 'reported', 'awaiting_approval', 'stuck'] as const;

function gigabytes(bytes: number | undefined): string {
  return bytes === undefined ? '' : ` (${formatGigabytes(bytes)})`;
}

/** `/tandem status`: the queue, running tasks and their persona, workers online, loaded models. */
export async function statusText(context: ConversationContext): Promise<string> {
  const [counts, workers, active, models] = await Promise.all([
    context.workQueue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
    context.status.workers().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
    context.tasks.listActive(),
    context.status.loadedModels().catch(() => []),
  ]);
  const now = context.now();
  const lines = [
    `*Queue* — ${counts.waiting ?? 0} waiting · ${counts.active ?? 0} running · ${counts.delayed ?? 0} retrying · ${counts.failed ?? 0} failed · ${counts.completed ?? 0} done`,
    ...workerLines(workers, now),
  ];
  const working = active.filter((task) => ['queued', 'running', 'screening'].includes(task.status));
  lines.push(`*Tasks in progress* — ${working.length}`);
  for (const task of working.slice(0, 15)) {
    const persona = task.persona ? ` · ${personaLabels[task.persona]?.emoji ?? ''} ${personaLabels[task.persona]?.name ?? task.persona}` : '';
    lines.push(`• \`${task.taskId}\` ${task.repo ? repoText(task.repo) : ''} · ${task.status}${persona} · iteration ${task.iteration} · ${formatElapsed(now - task.createdAt)}`);
  }
  for (const server of models) {
    const loaded = server.error ? `unreachable (${server.error})` : server.models.map((model) => `${model.name}${gigabytes(model.sizeVram)}`).join(', ') || 'none loaded';
    lines.push(`*Models at ${server.url}* — ${loaded}`);
  }
  return lines.join('\n');
}

/**
 * `/tandem cancel <task>`: its requester or a human lead stops it. A waiting job is
 * removed; a running one hears it over the cancel channel and stops its model call.
 */
export async function cancelTask(
  context: ConversationContext,
  input: { taskId: string | undefined; user: string; replyPrivately: PrivateReply },
): Promise<void> {
  const { tasks, access, surface } = context;
  const record = input.taskId ? await tasks.get(input.taskId) : undefined;
  if (!record) {
    await input.replyPrivately(input.taskId ? `There is no task \`${input.taskId}\`.` : 'Which task? Use `/tandem cancel <task>`.');
    return;
  }
  if (record.requester !== input.user && !access.isLead(input.user)) {
    await input.replyPrivately('Only the task’s requester or a human lead can cancel it.');
    return;
  }
  const moved = await tasks.transition(record.taskId, { from: [...cancellable], to: 'cancelled', patch: { decidedBy: input.user, persona: undefined } });
  if (!moved.ok) {
    await input.replyPrivately(`Task \`${record.taskId}\` is ${moved.record?.status ?? 'gone'}; there is nothing to cancel.`);
    return;
  }
  await stopWork(context, moved.record);
  await showStatus(context, moved.record, { headline: '🛑 Cancelled' });
  await replyInThread(context, moved.record, {
    text: `🛑 Cancelled by ${surface.mention(input.user)}. The worker stops its current step; reply here to start again.`,
  });
  await input.replyPrivately(`Task \`${record.taskId}\` is cancelled.`);
}

async function stopWork(context: ConversationContext, record: TaskRecord): Promise<void> {
  const job = await context.workQueue.getJob(workJobId(record.taskId, record.iteration));
  const state = job ? await job.getState() : undefined;
  if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
    await job.remove().catch(() => undefined);
  }
  await context.canceller.cancel(record.taskId);
}
