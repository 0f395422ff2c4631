import type { ProgressEvent } from '../queue/progress-event.ts';
import type { PersonaReplies, PersonaStep, ReplyingPersona, TaskRecord } from '../tasks/task-record.ts';
import type { ConversationContext } from './conversation-context.ts';
import { latestTests, personaReplyMessage, stepOf, withStep } from './persona-replies.ts';
import type { ThreadRef } from './surface.ts';

interface LiveReply {
  ts?: string;
  steps: PersonaStep[];
  /** The first post, until Slack answers with its ts; edits wait for it. */
  posting?: Promise<void>;
}

/**
 * The persona replies of one iteration of a task's thread (DESIGN §2): a persona's reply
 * is posted on its first finished step and edited in place with each later one. The
 * replies' steps and timestamps are kept in the task record, so a restarted gateway
 * edits the same messages. Writes are queued on the surface, never awaited here: the
 * surface collapses edits of one message that are still waiting.
 */
export class PersonaThread {
  readonly iteration: number;
  readonly #context: ConversationContext;
  readonly #taskId: string;
  readonly #thread: ThreadRef;
  readonly #replies = new Map<ReplyingPersona, LiveReply>();
  #writing = 0;

  private constructor(context: ConversationContext, taskId: string, thread: ThreadRef, iteration: number) {
    this.#context = context;
    this.#taskId = taskId;
    this.#thread = thread;
    this.iteration = iteration;
  }

  /** The thread's replies for the record's iteration, as the record remembers them (none for a new iteration). */
  static restore(context: ConversationContext, record: TaskRecord, thread: ThreadRef): PersonaThread {
    const personas = new PersonaThread(context, record.taskId, thread, record.iteration);
    const stored = record.personaReplies;
    if (stored?.iteration === record.iteration) {
      for (const [persona, reply] of Object.entries(stored.replies) as [ReplyingPersona, LiveReply][]) {
        personas.#replies.set(persona, { ts: reply.ts, steps: reply.steps });
      }
    }
    return personas;
  }

  /** True while a write it queued has not settled. */
  get busy(): boolean {
    return this.#writing > 0;
  }

  /** The latest test count any persona's step reported. */
  latestTests(): PersonaStep['tests'] {
    return latestTests([...this.#replies.values()].flatMap((reply) => reply.steps));
  }

  /**
   * Adds the event's step to its persona's reply and saves it in the record, then queues
   * the reply's post (the first step) or edit. `written` settles once Slack has it.
   */
  async add(persona: ReplyingPersona, event: ProgressEvent): Promise<{ written: Promise<void> }> {
    let reply = this.#replies.get(persona);
    if (!reply) {
      reply = { steps: [] };
      this.#replies.set(persona, reply);
    }
    reply.steps = withStep(reply.steps, stepOf(event));
    await this.#save();
    this.#writing += 1;
    const written = this.#show(persona, reply).finally(() => {
      this.#writing -= 1;
    });
    return { written };
  }

  #show(persona: ReplyingPersona, reply: LiveReply): Promise<void> {
    const { surface } = this.#context;
    if (reply.ts) return surface.update(this.#thread.channel, reply.ts, personaReplyMessage(persona, reply.steps));
    // Steps that come while the post is on its way go in one edit once its ts is known.
    if (reply.posting) return reply.posting.then(() => this.#show(persona, reply));
    reply.posting = (async () => {
      reply.ts = await surface.reply(this.#thread, personaReplyMessage(persona, reply.steps));
      await this.#save();
    })().finally(() => {
      reply.posting = undefined;
    });
    return reply.posting;
  }

  /** Saves the replies in the record; a failure is logged, and the thread goes on. */
  async #save(): Promise<void> {
    const personaReplies: PersonaReplies = { iteration: this.iteration, replies: {} };
    for (const [persona, reply] of this.#replies) personaReplies.replies[persona] = { ts: reply.ts, steps: reply.steps };
    await this.#context.tasks
      .update(this.#taskId, { personaReplies })
      .catch((error: unknown) => this.#context.logger.warn({ taskId: this.#taskId, err: error }, 'could not save the persona replies'));
  }
}
