import type { Repo } from '../queue/work-job.ts';
import { parseRepo } from './access-policy.ts';

export type TandemCommand =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'cancel'; taskId: string | undefined }
  /** `repo` is set when the first word looks like `owner/repo`; `text` is the whole request. */
  | { kind: 'task'; repo: Repo | undefined; request: string; text: string };

/** Leading `<@U123>` mentions of the bot in an `app_mention` text. */
const leadingMentions = /^(?:\s*<@[A-Z0-9]+(?:\|[^>]*)?>)+\s*/;

/**
 * Reads `/tandem` text (or a mention's text): `help`, `status`, `cancel <task>`, or
 * `[owner/repo] <task>`. Anything else is a task request.
 */
export function parseCommand(rawText: string): TandemCommand {
  const text = rawText.replace(leadingMentions, '').trim();
  if (text === '' || /^(help|\?)$/i.test(text)) return { kind: 'help' };
  if (/^status$/i.test(text)) return { kind: 'status' };
  const cancel = /^cancel(?:\s+(\S+))?\s*$/i.exec(text);
  if (cancel) return { kind: 'cancel', taskId: cancel[1]?.toLowerCase() };

  const [first = ''] = text.split(/\s+/);
  const repo = /^[^/\s]+\/[^/\s]+$/.test(first) ? parseRepo(first) : undefined;
  if (repo) return { kind: 'task', repo, request: text.slice(first.length).trim(), text };
  return { kind: 'task', repo: undefined, request: text, text };
}

/** What tandem understands; `command` is `/tandem` on Slack and empty in the console. */
export function helpText(command = '/tandem'): string {
  const prefix = command ? `${command} ` : '';
  return [
    `*${prefix}[owner/repo] <task>* — ask the team for a change; the PR comes back in the thread with Approve / Reject.`,
    `*${prefix}status* — the queue, running tasks, workers online and loaded models.`,
    `*${prefix}cancel <task>* — stop a task (its requester or a human lead).`,
    `*${prefix}help* — this message.`,
    'Reply in a task’s thread to give the team feedback: it becomes the next iteration on the same branch and PR.',
  ].join('\n');
}
