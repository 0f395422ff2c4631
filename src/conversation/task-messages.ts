import type { ProgressEvent } from '../queue/progress-event.ts';
import type { TaskRecord } from '../tasks/task-record.ts';
import { repoText } from './access-policy.ts';
import type { SurfaceMessage } from './surface.ts';

export const personaLabels: Readonly<Record<string, { emoji: string; name: string }>> = {
  guardrail: { emoji: '🛡️', name: 'Guardrail' },
  router: { emoji: '🧭', name: 'Router' },
  worker: { emoji: '⚙️', name: 'Worker' },
  planner: { emoji: '🧭', name: 'Planner' },
  coder: { emoji: '💻', name: 'Coder' },
  reviewer: { emoji: '🔍', name: 'Reviewer' },
  tester: { emoji: '🧪', name: 'Tester' },
  documenter: { emoji: '📝', name: 'Documenter' },
};

const pipelineOrder = ['planner', 'coder', 'reviewer', 'tester'];

/** `4m12s`, `38s`, `1h02m`. */
export function formatElapsed(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** One line of text, cut to `limit` characters. */
export function oneLine(text: string, limit = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

/** The task's header: repo, request, difficulty, task id. */
export function headerMessage(record: TaskRecord, mention: (user: string) => string): SurfaceMessage {
  const route = record.difficulty
    ? ` · ${record.difficulty}, reflection ${record.reflection ? 'on' : 'off'}`
    : '';
  return {
    text: `🧭 *${record.repo ? repoText(record.repo) : '?'}* · ${oneLine(record.request)}${route} · task \`${record.taskId}\``,
    context: `requested by ${mention(record.requester)}`,
  };
}

/** A progress bar over the four persona steps: `▰▰▱▱`. */
export function progressBar(persona: string | undefined, finished: boolean): string {
  const index = persona ? pipelineOrder.indexOf(persona) : -1;
  const filled = finished ? pipelineOrder.length : Math.max(0, index + 1);
  return '▰'.repeat(filled) + '▱'.repeat(pipelineOrder.length - filled);
}

export interface StatusView {
  record: TaskRecord;
  /** What is happening, when no persona is at work (e.g. `Queued — waiting for a worker`). */
  headline?: string;
  event?: ProgressEvent;
  /** The latest test count of the iteration, when the event has none of its own. */
  tests?: ProgressEvent['tests'];
  now: number;
}

/** The status message edited in place: persona, iteration, progress, elapsed time, tests. */
export function statusMessage(view: StatusView): SurfaceMessage {
  const { record, event } = view;
  const elapsed = formatElapsed(view.now - record.createdAt);
  if (!event || view.headline) {
    return { text: `${view.headline ?? record.status} · iteration ${record.iteration} · ${elapsed}` };
  }
  const label = personaLabels[event.persona] ?? { emoji: '⚙️', name: event.persona };
  const parts = [`${label.emoji} *${label.name}*`, `iteration ${event.iteration}`];
  if (event.attempt) parts.push(`attempt ${event.attempt}`);
  parts.push(progressBar(event.persona, false), elapsed);
  const tests = event.tests ?? view.tests;
  if (tests) parts.push(`tests ${tests.passed}/${tests.passed + tests.failed}`);
  return { text: parts.join(' · '), context: oneLine(event.text, 300) };
}
