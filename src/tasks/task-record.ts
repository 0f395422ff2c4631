import { z } from 'zod';
import { progressEventSchema } from '../queue/progress-event.ts';
import { difficultySchema, repoSchema, taskIdSchema } from '../queue/work-job.ts';

export const taskStatusSchema = z.enum([
  'screening',
  'queued',
  'running',
  'reported',
  'awaiting_approval',
  'merged',
  'rejected',
  'blocked',
  'failed',
  'cancelled',
  'stuck',
]);
export type TaskStatus = z.infer<typeof taskStatusSchema>;

/**
 * Every move a task's status may make (DESIGN §2). `queued` is reachable again from the
 * end of an iteration: a follow-up reply starts the next one on the same branch and PR.
 * A worker's report may reach the gateway before its first progress event, so `queued`
 * and `running` may move straight to `awaiting_approval` or `stuck`.
 */
export const allowedTransitions: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  screening: ['queued', 'blocked', 'awaiting_approval', 'cancelled', 'failed'],
  queued: ['running', 'reported', 'awaiting_approval', 'stuck', 'failed', 'cancelled'],
  running: ['reported', 'awaiting_approval', 'stuck', 'failed', 'cancelled', 'queued'],
  reported: ['awaiting_approval', 'stuck', 'failed', 'cancelled', 'queued'],
  awaiting_approval: ['merged', 'rejected', 'queued', 'cancelled', 'failed', 'stuck'],
  stuck: ['queued', 'rejected', 'cancelled', 'awaiting_approval'],
  failed: ['queued'],
  blocked: [],
  merged: [],
  rejected: [],
  cancelled: ['queued'],
};

/**
 * Statuses of a task that is running or waiting on someone (a worker, the gateway, a
 * human lead): what `/tandem status` lists. `failed` and `cancelled` are dormant (a
 * follow-up reply may queue them again), `merged`, `rejected` and `blocked` are final;
 * neither kind is active.
 */
export const activeTaskStatuses: readonly TaskStatus[] = ['screening', 'queued', 'running', 'reported', 'awaiting_approval', 'stuck'];

/** Whether a status counts as active (see `activeTaskStatuses`). */
export function isActiveStatus(status: TaskStatus): boolean {
  return activeTaskStatuses.includes(status);
}

/** The personas that get a reply of their own in a task's thread. */
export const replyingPersonaSchema = z.enum(['planner', 'coder', 'reviewer', 'tester']);
export type ReplyingPersona = z.infer<typeof replyingPersonaSchema>;

/** One finished step of a persona (a plan, a Coder attempt, a review round, a test run), as its progress event said it. */
export const personaStepSchema = progressEventSchema.omit({ persona: true, iteration: true }).extend({ phase: z.enum(['end', 'error']) });
export type PersonaStep = z.infer<typeof personaStepSchema>;

/**
 * A persona's reply in the thread for one iteration: posted on its first finished step
 * (`ts` once Slack answered), edited in place with every later one. The pipeline bounds
 * the steps (Coder attempts × review rounds); the cap only guards the record's size.
 */
export const personaReplyStepLimit = 24;
export const personaReplySchema = z.object({
  ts: z.string().optional(),
  steps: z.array(personaStepSchema).max(personaReplyStepLimit),
});
export type PersonaReply = z.infer<typeof personaReplySchema>;

/** Every persona's reply of the task's latest iteration, so a restarted gateway edits the same messages. */
export const personaRepliesSchema = z.object({
  iteration: z.number().int().positive(),
  replies: z.partialRecord(replyingPersonaSchema, personaReplySchema),
});
export type PersonaReplies = z.infer<typeof personaRepliesSchema>;

/** A task as the gateway remembers it, in Redis. Secrets are redacted before they get here. */
export const taskRecordSchema = z.object({
  taskId: taskIdSchema,
  status: taskStatusSchema,
  /** The request as typed, secrets redacted. */
  request: z.string(),
  repo: repoSchema.optional(),
  requester: z.string(),
  channel: z.string(),
  /** The parent message of the task's thread. */
  threadTs: z.string().optional(),
  /** The task's header message (repo, request, difficulty), edited when the route changes. */
  headerTs: z.string().optional(),
  /** The status message edited in place. */
  statusMessageTs: z.string().optional(),
  /** The message with the Approve / Reject buttons, retired when a new iteration starts. */
  decisionMessageTs: z.string().optional(),
  difficulty: difficultySchema.optional(),
  reflection: z.boolean().optional(),
  iteration: z.number().int().positive(),
  branch: z.string().optional(),
  baseBranch: z.string().optional(),
  prNumber: z.number().int().positive().optional(),
  prUrl: z.string().optional(),
  /** Who approved, rejected, declined or cancelled. */
  decidedBy: z.string().optional(),
  /** Thread replies waiting for the next iteration. */
  pendingFeedback: z.array(z.string()),
  /** The persona replies of the latest iteration that had progress. */
  personaReplies: personaRepliesSchema.optional(),
  /** The persona working now, for `/tandem status`. */
  persona: z.string().optional(),
  /** Why the task is blocked, failed or stuck. */
  reason: z.string().optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type TaskRecord = z.infer<typeof taskRecordSchema>;
