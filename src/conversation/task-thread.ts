import { addWorkJob } from '../queue/queues.ts';
import type { ProgressEvent } from '../queue/progress-event.ts';
import type { TaskRecord, TaskStatus } from '../tasks/task-record.ts';
import { describeError } from '../errors.ts';
import type { ConversationContext } from './conversation-context.ts';
import type { SurfaceMessage, ThreadRef } from './surface.ts';
import { headerMessage, statusMessage } from './task-messages.ts';

export function threadOf(record: TaskRecord): ThreadRef | undefined {
  return record.threadTs ? { channel: record.channel, threadTs: record.threadTs } : undefined;
}

/** Replies in the task's thread; a task without a thread (not yet posted) gets nothing. */
export async function replyInThread(context: ConversationContext, record: TaskRecord, message: SurfaceMessage): Promise<string | undefined> {
  const thread = threadOf(record);
  return thread ? context.surface.reply(thread, message) : undefined;
}

/** Edits the task's status message in place. */
export async function showStatus(
  context: ConversationContext,
  record: TaskRecord,
  view: { headline?: string; event?: ProgressEvent; tests?: ProgressEvent['tests'] },
): Promise<void> {
  if (!record.statusMessageTs) return;
  await context.surface.update(record.channel, record.statusMessageTs, statusMessage({ record, ...view, now: context.now() }));
}

export interface QueueIterationInput {
  from: TaskStatus | TaskStatus[];
  iteration: number;
  difficulty: 'low' | 'medium' | 'high';
  reflection: boolean;
  /** Take the thread's pending replies into this iteration (follow-ups). */
  takeFeedback: boolean;
  /** A lead escalated the task: the iteration's Coder is the frontier model. */
  escalated?: boolean;
}

/**
 * Moves a task to `queued` (compare-and-set, so two clicks or two replies queue it once)
 * and adds its `work` job. Returns the queued record, or undefined when another caller won.
 */
export async function queueIteration(
  context: ConversationContext,
  record: TaskRecord,
  input: QueueIterationInput,
): Promise<TaskRecord | undefined> {
  const moved = await context.tasks.transition(record.taskId, {
    from: input.from,
    to: 'queued',
    patch: {
      iteration: input.iteration,
      difficulty: input.difficulty,
      reflection: input.reflection,
      persona: undefined,
      reason: undefined,
      decisionMessageTs: undefined,
    },
  });
  if (!moved.ok) return undefined;
  const queued = moved.record;
  const feedback = input.takeFeedback ? await context.tasks.takeFeedback(queued.taskId) : [];
  try {
    await addWorkJob(context.workQueue, {
      taskId: queued.taskId,
      repo: queued.repo!,
      request: queued.request,
      difficulty: input.difficulty,
      reflection: input.reflection,
      requester: queued.requester,
      thread: threadOf(queued) ? { channel: queued.channel, ts: queued.threadTs! } : undefined,
      branch: queued.branch,
      baseBranch: queued.baseBranch,
      feedback,
      iteration: input.iteration,
      escalated: input.escalated ?? false,
    });
  } catch (error) {
    const reason = `could not queue the task: ${describeError(error)}`;
    for (const text of feedback) await context.tasks.appendFeedback(queued.taskId, text);
    await context.tasks.transition(queued.taskId, { from: 'queued', to: 'failed', patch: { reason } });
    throw error;
  }
  return queued;
}

/**
 * After a task is queued: the header shows its route and the status says it waits for a
 * worker — unless a worker has already started (its progress owns the status line). Both
 * edits are queued together, so the worker's first status edit replaces a waiting one.
 */
export async function announceQueued(context: ConversationContext, record: TaskRecord): Promise<void> {
  const latest = await context.tasks.get(record.taskId);
  await Promise.all([
    record.headerTs ? context.surface.update(record.channel, record.headerTs, headerMessage(record, context.surface.mention)) : undefined,
    latest?.status === 'queued' ? showStatus(context, record, { headline: '⏳ Queued — waiting for a worker' }) : undefined,
  ]);
}

/**
 * After a later iteration is queued: a fresh status message at the foot of the thread
 * (saved in the record), a reply saying what this iteration is, and the status shown.
 */
export async function announceNextIteration(
  context: ConversationContext,
  queued: TaskRecord,
  view: { note: string; headline: string },
): Promise<void> {
  const statusMessageTs = await replyInThread(context, queued, { text: '⏳ Queued' });
  await context.tasks.update(queued.taskId, { statusMessageTs });
  await replyInThread(context, queued, { text: view.note });
  await showStatus(context, { ...queued, statusMessageTs }, { headline: view.headline });
}
