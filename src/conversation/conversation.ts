import type { ProgressEvent } from '../queue/progress-event.ts';
import type { ReportJob } from '../queue/report-job.ts';
import { decide, type DecisionClick } from './approval.ts';
import { cancelTask, statusText } from './commands.ts';
import type { ConversationContext, PrivateReply } from './conversation-context.ts';
import { FollowUps, type ThreadReply } from './follow-ups.ts';
import { Intake } from './intake.ts';
import { helpText, parseCommand } from './parse-command.ts';
import { ProgressRelay, type RelayedProgress } from './progress-relay.ts';
import { ReportDelivery } from './report-delivery.ts';
import { decideRoute, type RouteClick } from './route-decision.ts';

export interface CommandInput {
  /** `/tandem …` text, or a mention's text. */
  text: string;
  user: string;
  channel: string;
  /** A mention's own message; the task's thread hangs under it. */
  messageTs?: string;
  replyPrivately: PrivateReply;
}

/**
 * The gateway's conversation, whatever the surface: commands and mentions, thread
 * replies, button clicks, the workers' progress and reports.
 */
export class Conversation {
  readonly context: ConversationContext;
  readonly #intake: Intake;
  readonly #followUps: FollowUps;
  readonly #progress: ProgressRelay;
  readonly #reports: ReportDelivery;

  constructor(context: ConversationContext) {
    this.context = context;
    this.#intake = new Intake(context);
    this.#followUps = new FollowUps(context);
    this.#progress = new ProgressRelay(context);
    this.#reports = new ReportDelivery(context, this.#followUps);
  }

  async command(input: CommandInput): Promise<void> {
    const command = parseCommand(input.text);
    switch (command.kind) {
      case 'help':
        return input.replyPrivately(helpText());
      case 'status':
        return input.replyPrivately(await statusText(this.context));
      case 'cancel':
        return cancelTask(this.context, { taskId: command.taskId, user: input.user, replyPrivately: input.replyPrivately });
      case 'task':
        await this.#intake.handle({ ...input, repo: command.repo, request: command.request, text: command.text });
    }
  }

  /** A reply in a thread; false when the thread is not a task's. */
  threadReply(reply: ThreadReply): Promise<boolean> {
    return this.#followUps.handle(reply);
  }

  routeClick(click: RouteClick): Promise<void> {
    return decideRoute(this.context, click);
  }

  decisionClick(click: DecisionClick): Promise<void> {
    return decide(this.context, click);
  }

  /** One worker progress event; its thread writes are queued, and `written` settles when they are done. */
  progress(taskId: string, event: ProgressEvent): Promise<RelayedProgress | undefined> {
    return this.#progress.handle(taskId, event);
  }

  report(report: ReportJob): Promise<void> {
    return this.#reports.handle(report);
  }

  reportUndeliverable(report: ReportJob, problem: string): Promise<void> {
    return this.#reports.deliveryFailed(report, problem);
  }
}
