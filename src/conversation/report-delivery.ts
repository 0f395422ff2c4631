import type { ReportJob } from '../queue/report-job.ts';
import type { TaskRecord } from '../tasks/task-record.ts';
import type { ConversationContext } from './conversation-context.ts';
import { approvalButtons } from './approval.ts';
import { labelsFor } from './report-facts.ts';
import { accountingLine, frontierLine } from './report-message.ts';
import { sosPrompt } from './sos-prompt.ts';
import { oneLine } from './task-messages.ts';
import { replyInThread, showStatus } from './task-thread.ts';
import { reportLanguage } from './write-report.ts';
import type { FollowUps } from './follow-ups.ts';

/**
 * The gateway's side of a `report` job: the Documenter writes the report, the PR opens
 * (or the task's PR is updated on a later iteration — never a second PR), and the thread
 * gets the summary, the link and the Approve / Reject buttons.
 */
export class ReportDelivery {
  readonly #context: ConversationContext;
  readonly #followUps: FollowUps;

  constructor(context: ConversationContext, followUps: FollowUps) {
    this.#context = context;
    this.#followUps = followUps;
  }

  async handle(report: ReportJob): Promise<void> {
    const { tasks, logger } = this.#context;
    const record = await tasks.get(report.taskId);
    const log = logger.child({ taskId: report.taskId, iteration: report.iteration });
    if (!record) {
      log.warn('report for a task this gateway does not know; ignored');
      return;
    }
    if (record.iteration !== report.iteration || !['queued', 'running', 'reported'].includes(record.status)) {
      log.info({ status: record.status }, 'report for an iteration that has moved on; ignored');
      return;
    }
    if (report.status === 'failed' || !report.branch || !report.headSha) {
      const error = report.error;
      await this.#fail(record, error ? `${error.persona ? `${error.persona}: ` : ''}${error.message}` : 'the worker gave no reason');
      return;
    }
    await this.#deliver(record, report);
    const latest = await tasks.get(report.taskId);
    if (latest && latest.pendingFeedback.length > 0) await this.#followUps.startNextIteration(latest);
  }

  async #deliver(record: TaskRecord, report: ReportJob): Promise<void> {
    const { tasks, surface, pullRequests, reportWriter, frontier } = this.#context;
    const stuck = report.status === 'stuck';
    await showStatus(this.#context, record, { headline: '📝 Documenter is writing the report' });
    const written = await reportWriter.write(report);
    const threadLink = record.threadTs ? await surface.link(record.channel, record.threadTs) : undefined;
    const linkText = labelsFor(reportLanguage(report)).threadLink;
    const body = threadLink ? `${written.markdown}\n\n---\n💬 [${linkText}](${threadLink})` : written.markdown;
    // GitHub refuses a PR without commits: a task stuck before it changed anything gets none.
    const pull =
      stuck && report.diffStat.files === 0 && !record.prNumber
        ? undefined
        : await pullRequests.openOrUpdate({
            repo: record.repo!,
            head: report.branch!,
            base: report.baseBranch ?? record.baseBranch ?? 'main',
            title: stuck ? `[stuck] ${written.title}` : written.title,
            body,
            draft: stuck,
          });
    const moved = await tasks.transition(record.taskId, {
      from: ['queued', 'running', 'reported'],
      to: stuck ? 'stuck' : 'awaiting_approval',
      patch: {
        branch: report.branch,
        baseBranch: report.baseBranch ?? record.baseBranch,
        prNumber: pull?.number ?? record.prNumber,
        prUrl: pull?.url ?? record.prUrl,
        persona: undefined,
        reason: stuck ? oneLine(report.error?.message ?? 'the local models could not finish', 300) : undefined,
      },
    });
    if (!moved.ok) return;
    const task = moved.record;
    const cloud = frontierLine(report);
    if (cloud) await replyInThread(this.#context, task, { text: cloud });
    const tests = report.test?.counts ? ` · tests ${report.test.counts.passed}/${report.test.counts.passed + report.test.counts.failed}` : '';
    const pullLink = pull ? `<${pull.url}|#${pull.number}>` : undefined;
    const headline = stuck
      ? `🆘 *Stuck* after ${report.attempts} attempts — ${pullLink ? `draft PR ${pullLink}` : 'no changes yet, so no PR'}`
      : `📝 *Report* — PR ${pullLink} is ready${tests}`;
    const sos = stuck
      ? [
          `What failed: ${oneLine(report.error?.message ?? 'the tests still fail', 400)}`,
          frontier
            ? `The attached SOS prompt is ready to paste into a frontier chat. Reply in this thread with guidance to try another iteration, or a human lead can *Escalate* (the next Coder runs on ${frontier.model}) or reject it.`
            : 'The attached SOS prompt is ready to paste into a frontier chat; reply in this thread with what it says (or your own guidance) to try another iteration, or a human lead can reject it.',
        ]
      : [];
    const decisionMessageTs = await replyInThread(this.#context, task, {
      text: `${headline}\n${written.summary}`,
      items: sos,
      context: `${report.diffStat.files} files (+${report.diffStat.insertions} −${report.diffStat.deletions}) · ${accountingLine(report)} · iteration ${task.iteration}`,
      attachment: stuck ? { filename: `tandem-${task.taskId}-sos.md`, title: 'SOS prompt for a frontier model', content: sosPrompt(report) } : undefined,
      buttons: approvalButtons(task.taskId, task.iteration, stuck, frontier?.model),
    });
    await tasks.update(task.taskId, { decisionMessageTs });
    await showStatus(this.#context, task, { headline: stuck ? '🆘 Stuck — waiting for a human lead' : '✅ Done — waiting for a human lead' });
  }

  /** The report could not be delivered (GitHub refused, the Documenter's model is gone) and will not be retried. */
  async deliveryFailed(report: ReportJob, problem: string): Promise<void> {
    const record = await this.#context.tasks.get(report.taskId);
    if (!record || record.iteration !== report.iteration) return;
    const branch = report.branch ? ` The branch \`${report.branch}\` is pushed.` : '';
    await this.#fail(record, `could not open the pull request: ${problem}.${branch}`);
  }

  async #fail(record: TaskRecord, what: string): Promise<void> {
    const { tasks } = this.#context;
    const reason = oneLine(what, 500);
    const moved = await tasks.transition(record.taskId, { from: ['queued', 'running', 'reported'], to: 'failed', patch: { reason, persona: undefined } });
    if (!moved.ok) return;
    await showStatus(this.#context, moved.record, { headline: '❌ Failed' });
    await replyInThread(this.#context, moved.record, {
      text: `❌ The task failed: ${reason}`,
      context: 'Reply in this thread to try again with more guidance, or start a new task with /tandem.',
    });
  }
}
