import type { ProgressEvent } from '../queue/progress-event.ts';
import type { ConversationContext } from './conversation-context.ts';
import { milestoneMessage } from './task-messages.ts';
import { replyInThread, showStatus } from './task-thread.ts';

/**
 * Relays a worker's progress into the task's thread (DESIGN §2): the status message is
 * edited in place on every event, and each finished persona step gets its own reply.
 * Events of an older iteration are dropped.
 */
export class ProgressRelay {
  readonly #context: ConversationContext;

  constructor(context: ConversationContext) {
    this.#context = context;
  }

  async handle(taskId: string, event: ProgressEvent): Promise<void> {
    const { tasks } = this.#context;
    let record = await tasks.get(taskId);
    if (!record || record.iteration !== event.iteration) return;
    if (record.status === 'queued') {
      const moved = await tasks.transition(taskId, { from: 'queued', to: 'running', patch: { persona: event.persona } });
      if (moved.ok) record = moved.record;
    } else if (record.status === 'running') {
      await tasks.update(taskId, { persona: event.persona });
    }
    // The status line is only for a task at work; a finished step's reply is never dropped,
    // even when it comes late (the report normally waits for it).
    if (record.status === 'running') await showStatus(this.#context, record, { event });
    const milestone = milestoneMessage(event);
    if (milestone) await replyInThread(this.#context, record, milestone);
  }
}
