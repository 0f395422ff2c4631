import type { ProgressEvent } from '../queue/progress-event.ts';
import { personaReplyStepLimit, replyingPersonaSchema, type PersonaStep, type ReplyingPersona } from '../tasks/task-record.ts';
import type { SurfaceMessage } from './surface.ts';
import { oneLine, personaLabels } from './task-messages.ts';

/** The most list items a persona reply shows (Block Kit's list cap in src/slack/block-kit.ts). */
export const replyItemLimit = 40;
/** The most earlier steps a reply's history line names. */
const historyLimit = 8;

/** The persona whose reply a progress event belongs in: a finished step of planner, coder, reviewer or tester. */
export function replyingPersonaOf(event: ProgressEvent): ReplyingPersona | undefined {
  if (event.phase === 'start') return undefined;
  const parsed = replyingPersonaSchema.safeParse(event.persona);
  return parsed.success ? parsed.data : undefined;
}

/** A finished step's event as a step of its persona's reply. */
export function stepOf(event: ProgressEvent): PersonaStep {
  const { persona: _persona, iteration: _iteration, phase, ...step } = event;
  return { ...step, phase: phase === 'error' ? 'error' : 'end' };
}

/**
 * The steps with `step` added. A step already there (the same `at`: an event relayed
 * again after a gateway restart) is replaced, never repeated.
 */
export function withStep(steps: readonly PersonaStep[], step: PersonaStep): PersonaStep[] {
  const others = steps.filter((existing) => existing.at !== step.at);
  return [...others, step].sort((first, second) => first.at - second.at).slice(-personaReplyStepLimit);
}

function failed(step: PersonaStep): boolean {
  return step.phase === 'error' || (step.tests !== undefined && step.tests.failed > 0);
}

function outcomeMark(step: PersonaStep): string {
  if (failed(step)) return ' ✗';
  return step.tests ? ' ✓' : '';
}

/** `attempt 2, after review 1: Name the parameters ✓`. */
function historyEntry(step: PersonaStep, index: number): string {
  const after = step.round ? `, after review ${step.round}` : '';
  return `attempt ${index + 1}${after}: ${oneLine(step.details?.[0] ?? step.text, 60)}${outcomeMark(step)}`;
}

/** A review round's headline: `1 comments → back to Coder`, `✓ approved`. */
function reviewHeadline(step: PersonaStep, limit: number): string {
  const text = oneLine(step.text, limit);
  return step.phase !== 'error' && text.startsWith('approved') ? `✓ ${text}` : text;
}

/** Every round's comments, `review 2 · src/add.js: …`, each round cut so that all fit in `replyItemLimit`. */
function reviewItems(steps: readonly PersonaStep[]): string[] {
  const commented = steps.map((step, index) => ({ review: index + 1, comments: step.details ?? [] })).filter((round) => round.comments.length > 0);
  const items: string[] = [];
  commented.forEach((round, position) => {
    const share = Math.floor((replyItemLimit - items.length) / (commented.length - position));
    const shown = round.comments.length <= share ? round.comments : round.comments.slice(0, Math.max(0, share - 1));
    items.push(...shown.map((comment) => `review ${round.review} · ${comment}`));
    const more = round.comments.length - shown.length;
    if (more > 0) items.push(`review ${round.review} · …and ${more} more`);
  });
  return items;
}

/**
 * A persona's reply, one per iteration (DESIGN §2). The Reviewer's reads every round,
 * `🔍 *Reviewer* — 1 comments → back to Coder … ✓ approved`, with each round's comments
 * listed; the others show their latest step with its content, and a footnote naming the
 * earlier attempts (`attempt 1: … ✗ · attempt 2: … ✓`).
 */
export function personaReplyMessage(persona: ReplyingPersona, steps: readonly PersonaStep[]): SurfaceMessage {
  const label = personaLabels[persona]!;
  const latest = steps.at(-1);
  if (!latest) return { text: `${label.emoji} *${label.name}*` };
  if (persona === 'reviewer') {
    const rounds = steps.map((step, index) => reviewHeadline(step, index === steps.length - 1 ? 500 : 120));
    return { text: `${label.emoji} *${label.name}* — ${rounds.join(' … ')}`, items: reviewItems(steps) };
  }
  const mark = latest.phase === 'error' ? ' ✗' : '';
  const message: SurfaceMessage = { text: `${label.emoji} *${label.name}*${mark} — ${oneLine(latest.text, 500)}`, items: latest.details };
  if (steps.length > 1) {
    const entries = steps.map(historyEntry);
    const shown = entries.slice(-historyLimit);
    message.context = `${entries.length > shown.length ? '… · ' : ''}${shown.join(' · ')}`;
  }
  return message;
}

/** The latest test count among the steps (the Coder's and the Tester's), for the status line. */
export function latestTests(steps: readonly PersonaStep[]): PersonaStep['tests'] {
  const tested = steps.filter((step) => step.tests).sort((first, second) => first.at - second.at);
  return tested.at(-1)?.tests;
}
