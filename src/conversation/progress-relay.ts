import type { ProgressEvent } from '../queue/progress-event.ts';
import type { TaskRecord } from '../tasks/task-record.ts';
import type { ConversationContext } from './conversation-context.ts';
import { replyingPersonaOf } from './persona-replies.ts';
import { PersonaThread } from './persona-thread.ts';
import { showStatus, threadOf } from './task-thread.ts';

/** What relaying one event started: `written` settles once its persona reply is in the thread. */
export interface RelayedProgress {
  written: Promise<void>;
}

/** How many tasks' persona replies stay in memory; a forgotten one is read back from its record. */
const rememberedTasks = 100;

/**
 * Relays a worker's progress into the task's thread (DESIGN §2): the status message is
 * edited in place on every event, and each persona has one reply per iteration, posted
 * on its first finished step and edited with each later one (persona-thread.ts).
 *
 * Nothing here waits for Slack: the writes are queued on the surface, which spaces them
 * and collapses waiting edits of one message into the newest, so a fast worker costs a
 * few edits rather than one write per event. Each queued write comes after the ones of
 * the events before it: a status edit follows the reply of its own event. Events of an
 * older iteration are dropped.
 */
export class ProgressRelay {
  readonly #context: ConversationContext;
  readonly #threads = new Map<string, PersonaThread>();

  constructor(context: ConversationContext) {
    this.#context = context;
  }

  /** Handle one event at a time per task, in order; the returned `written` may settle later. */
  async handle(taskId: string, event: ProgressEvent): Promise<RelayedProgress | undefined> {
    const { tasks } = this.#context;
    let record = await tasks.get(taskId);
    if (!record || record.iteration !== event.iteration) return undefined;
    if (record.status === 'queued') {
      const moved = await tasks.transition(taskId, { from: 'queued', to: 'running', patch: { persona: event.persona } });
      if (moved.ok) record = moved.record;
    } else if (record.status === 'running') {
      await tasks.update(taskId, { persona: event.persona });
    }
    const personas = this.#personaThread(record);
    const persona = replyingPersonaOf(event);
    // A finished step's reply is never dropped, even when it comes late (the report normally waits for it).
    const relayed = persona && personas ? await personas.add(persona, event) : undefined;
    // The status line is only for a task at work.
    if (record.status === 'running') {
      showStatus(this.#context, record, { event, tests: personas?.latestTests() }).catch((error: unknown) =>
        this.#context.logger.warn({ taskId, err: error }, 'could not update the status message'),
      );
    }
    return relayed;
  }

  #personaThread(record: TaskRecord): PersonaThread | undefined {
    const thread = threadOf(record);
    if (!thread) return undefined;
    const known = this.#threads.get(record.taskId);
    if (known?.iteration === record.iteration) return known;
    const personas = PersonaThread.restore(this.#context, record, thread);
    this.#threads.delete(record.taskId);
    this.#threads.set(record.taskId, personas);
    for (const [taskId, remembered] of this.#threads) {
      if (this.#threads.size <= rememberedTasks) break;
      if (!remembered.busy) this.#threads.delete(taskId);
    }
    return personas;
  }
}
