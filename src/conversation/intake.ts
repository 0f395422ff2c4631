import { createTaskId } from '../tasks/task-store.ts';
import type { TaskRecord } from '../tasks/task-record.ts';
import { describeError, TandemError } from '../errors.ts';
import type { Repo } from '../queue/work-job.ts';
import { redactSecrets } from '../guardrail/redact-secrets.ts';
import { repoText } from './access-policy.ts';
import type { ConversationContext, PrivateReply, Route } from './conversation-context.ts';
import { headerMessage, oneLine } from './task-messages.ts';
import { announceQueued, queueIteration, showStatus } from './task-thread.ts';
import { routeButtons } from './route-decision.ts';

export interface TaskRequest {
  user: string;
  channel: string;
  /** The first word when it looks like `owner/repo`. */
  repo: Repo | undefined;
  /** The request after that word. */
  request: string;
  /** The whole text, the request when the first word is not a repository. */
  text: string;
  /** A mention's own message: the task's thread hangs under it. */
  messageTs?: string;
  /** The private answer path for refusals that concern only the asker. */
  replyPrivately: PrivateReply;
}

/**
 * A new task: access → repo → guardrail (rules, then the judge) → router → queue, or a
 * question to the human leads when the router is not confident (DESIGN §2).
 */
export class Intake {
  readonly #context: ConversationContext;

  constructor(context: ConversationContext) {
    this.#context = context;
  }

  async handle(input: TaskRequest): Promise<TaskRecord | undefined> {
    const { access, surface, tasks, now } = this.#context;
    if (!access.isUserAllowed(input.user)) {
      await input.replyPrivately(`You are not on tandem's list of allowed users. Ask a human lead to add you to ALLOWED_USERS.`);
      return undefined;
    }
    if (!access.isChannelAllowed(input.channel)) {
      await input.replyPrivately(`tandem does not take tasks in this channel. Ask in one of ALLOWED_CHANNELS.`);
      return undefined;
    }
    const named = input.repo && access.namesRepo(input.repo);
    const repo = named ? input.repo : access.defaultRepo();
    const requestText = named ? input.request : input.text;
    if (requestText.trim() === '') {
      await input.replyPrivately('What should the team do? Use `/tandem [owner/repo] <task>`.');
      return undefined;
    }
    if (!repo) {
      await input.replyPrivately('Which repository? Use `/tandem owner/repo <task>` (no DEFAULT_REPO is set).');
      return undefined;
    }
    if (!access.isRepoAllowed(repo)) {
      const allowed = access.allowedRepos();
      await input.replyPrivately(
        `${repoText(repo)} is not one of tandem's repositories${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}. A human lead can add it to ALLOWED_REPOS.`,
      );
      return undefined;
    }

    const taskId = createTaskId();
    const created = now();
    const draft: TaskRecord = {
      taskId,
      status: 'screening',
      request: redactSecrets(requestText).text,
      repo,
      requester: input.user,
      channel: input.channel,
      iteration: 1,
      pendingFeedback: [],
      createdAt: created,
      updatedAt: created,
    };
    const header = headerMessage(draft, surface.mention);
    const threadTs = input.messageTs ?? (await surface.post(input.channel, header));
    const thread = { channel: input.channel, threadTs };
    const headerTs = input.messageTs ? await surface.reply(thread, header) : threadTs;
    const statusMessageTs = await surface.reply(thread, { text: '🛡️ Screening the request…' });
    const record: TaskRecord = { ...draft, threadTs, headerTs, statusMessageTs };
    if (!(await tasks.create(record))) {
      throw new TandemError('task_id_taken', `task id ${taskId} is already taken; ask again`, { retryable: true });
    }
    this.#context.logger.info({ taskId, repo: repoText(repo), user: input.user }, 'task received');
    try {
      await this.screenAndRoute(record, requestText);
    } catch (error) {
      await failScreening(this.#context, record, error);
    }
    return (await tasks.get(taskId)) ?? record;
  }

  private async screenAndRoute(record: TaskRecord, text: string): Promise<void> {
    const { screener, surface, tasks } = this.#context;
    const thread = { channel: record.channel, threadTs: record.threadTs! };
    const screening = await screener.screen({ text, repo: record.repo!, route: true });
    if (screening.verdict === 'block') {
      const reason = oneLine(screening.reason, 500);
      const moved = await tasks.transition(record.taskId, { from: 'screening', to: 'blocked', patch: { reason } });
      if (!moved.ok) return;
      await showStatus(this.#context, moved.record, { headline: '⛔ Blocked' });
      await surface.reply(thread, { text: `⛔ I can't take this request (${screening.category}): ${reason}` });
      return;
    }
    const route: Route = screening.route ?? { difficulty: 'medium', reflection: true, confident: false, reason: 'no route given' };
    if (!route.confident) {
      await this.askLeads(record, route);
      return;
    }
    const queued = await queueIteration(this.#context, record, {
      from: 'screening',
      iteration: 1,
      difficulty: route.difficulty,
      reflection: route.reflection,
      takeFeedback: false,
    });
    if (queued) await announceQueued(this.#context, queued);
  }

  private async askLeads(record: TaskRecord, route: Route): Promise<void> {
    const { surface, access } = this.#context;
    const leads = access.leads();
    const who = leads.length ? leads.map((lead) => surface.mention(lead)).join(' ') : 'A human lead (none set in HUMAN_LEADS)';
    await surface.reply(
      { channel: record.channel, threadTs: record.threadTs! },
      {
        text: `🤔 ${who}: I'm not sure how hard this is (${oneLine(route.reason, 300)}). My guess is *${route.difficulty}*. Pick a difficulty to start, or decline.`,
        buttons: routeButtons(record.taskId),
      },
    );
    await showStatus(this.#context, record, { headline: '⏸ Waiting for a human lead' });
  }
}

async function failScreening(context: ConversationContext, record: TaskRecord, error: unknown): Promise<void> {
  context.logger.error({ taskId: record.taskId, err: error }, 'screening failed');
  const reason = oneLine(describeError(error), 300);
  const moved = await context.tasks.transition(record.taskId, { from: 'screening', to: 'failed', patch: { reason } });
  if (!moved.ok) return;
  await showStatus(context, moved.record, { headline: '❌ Could not screen the request' });
  await context.surface.reply(
    { channel: record.channel, threadTs: record.threadTs! },
    { text: `❌ I couldn't screen this request: ${reason}. Reply in this thread to try again.` },
  );
}
