import { redactSecrets } from '../guardrail/redact-secrets.ts';
import type { TaskRecord, TaskStatus } from '../tasks/task-record.ts';
import type { ConversationContext, PrivateReply } from './conversation-context.ts';
import { oneLine } from './task-messages.ts';
import { announceNextIteration, queueIteration, replyInThread } from './task-thread.ts';

export interface ThreadReply {
  channel: string;
  threadTs: string;
  user: string;
  text: string;
  replyPrivately: PrivateReply;
}

/** A task between iterations: a reply starts the next one. */
const restartable: TaskStatus[] = ['awaiting_approval', 'stuck', 'failed', 'cancelled'];
/** A task at work: a reply waits for the next iteration. */
const busy: TaskStatus[] = ['screening', 'queued', 'running', 'reported'];

/**
 * Replies in a task's thread (DESIGN §2): screened like any request, then kept as
 * feedback. Between iterations a reply queues the next one on the same branch, so the
 * same PR gets the new commits; while the task runs it waits for the next iteration.
 */
export class FollowUps {
  readonly #context: ConversationContext;

  constructor(context: ConversationContext) {
    this.#context = context;
  }

  /** True when the reply belonged to a task's thread (handled, refused or kept). */
  async handle(reply: ThreadReply): Promise<boolean> {
    const { access, tasks, screener, surface } = this.#context;
    const taskId = await tasks.findByThread(reply.channel, reply.threadTs);
    if (!taskId) return false;
    const record = await tasks.get(taskId);
    if (!record) return false;
    if (!access.isUserAllowed(reply.user)) {
      await reply.replyPrivately(`You are not on tandem's list of allowed users, so your reply was not passed on.`);
      return true;
    }
    if (!['merged', 'rejected', 'blocked'].includes(record.status) && record.repo) {
      const screening = await screener.screen({ text: reply.text, repo: record.repo, route: false });
      if (screening.verdict === 'block') {
        await replyInThread(this.#context, record, { text: `⛔ I can't pass that reply on (${screening.category}): ${oneLine(screening.reason, 400)}` });
        return true;
      }
    }
    if (['merged', 'rejected', 'blocked'].includes(record.status)) {
      await replyInThread(this.#context, record, { text: `This task is closed (${record.status}). Start a new one with \`/tandem\`.` });
      return true;
    }
    const feedback = `${surface.mention(reply.user)}: ${redactSecrets(reply.text).text}`;
    await tasks.appendFeedback(taskId, feedback);
    const latest = (await tasks.get(taskId)) ?? record;
    if (restartable.includes(latest.status) && (await this.startNextIteration(latest))) return true;
    await replyInThread(this.#context, latest, { text: '📨 Noted — the team gets this in the next iteration.' });
    return true;
  }

  /** Queues the next iteration with the thread's pending replies; false when another caller already did. */
  async startNextIteration(record: TaskRecord): Promise<boolean> {
    if (!record.repo || busy.includes(record.status)) return false;
    const queued = await queueIteration(this.#context, record, {
      from: restartable,
      iteration: record.iteration + 1,
      difficulty: record.difficulty ?? 'medium',
      reflection: record.reflection ?? true,
      takeFeedback: true,
    });
    if (!queued) return false;
    if (record.decisionMessageTs) {
      await this.#context.surface.update(record.channel, record.decisionMessageTs, {
        text: `↪️ Superseded: iteration ${queued.iteration} is on its way${queued.prUrl ? ` to <${queued.prUrl}|PR #${queued.prNumber}>` : ''}.`,
      });
    }
    await announceNextIteration(this.#context, queued, {
      note: `🔁 Iteration ${queued.iteration} queued with the thread's feedback${queued.prNumber ? `; PR #${queued.prNumber} will get the new commits` : ''}.`,
      headline: '⏳ Queued — waiting for a worker',
    });
    return true;
  }
}
