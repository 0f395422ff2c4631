import { z } from 'zod';

export const taskIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{2,39}$/, 'a task id is 3–40 lowercase letters, digits or dashes');

export const repoSchema = z.object({
  owner: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'owner may use letters, digits, dot, dash, underscore'),
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'name may use letters, digits, dot, dash, underscore'),
});
export type Repo = z.infer<typeof repoSchema>;

export const difficultySchema = z.enum(['low', 'medium', 'high']);
export type Difficulty = z.infer<typeof difficultySchema>;

export const threadSchema = z.object({ channel: z.string().min(1), ts: z.string().min(1) });

export const planSchema = z.object({
  summary: z.string().min(1),
  steps: z.array(z.string().min(1)).min(1),
  tests: z.array(z.object({ name: z.string().min(1), scenario: z.string().min(1) })),
  /**
   * What the Planner says it would need to know and cannot find in the repository (a
   * private API, an undocumented service): when non-empty the task stops for a human lead.
   */
  missingKnowledge: z.array(z.string().min(1)).optional(),
});
export type Plan = z.infer<typeof planSchema>;

export const testResultSchema = z.object({
  command: z.string(),
  exitCode: z.number().int().nullable(),
  passed: z.boolean(),
  timedOut: z.boolean(),
  durationMs: z.number().nonnegative(),
  outputTail: z.string(),
  counts: z.object({ passed: z.number().int(), failed: z.number().int() }).optional(),
});
export type TestResult = z.infer<typeof testResultSchema>;

export const reviewNoteSchema = z.object({
  round: z.number().int().positive(),
  path: z.string(),
  comment: z.string(),
});
export type ReviewNote = z.infer<typeof reviewNoteSchema>;

export const personaNameSchema = z.enum(['planner', 'coder', 'reviewer', 'tester']);
export type PersonaName = z.infer<typeof personaNameSchema>;

export const usageSchema = z.object({
  calls: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  loadMs: z.number().nonnegative(),
});
export type Usage = z.infer<typeof usageSchema>;
export const usageByPersonaSchema = z.partialRecord(personaNameSchema, usageSchema);
export type UsageByPersona = z.infer<typeof usageByPersonaSchema>;

/**
 * Where a task stands after its last finished step. Written into the job's data after
 * every step (a Coder attempt is pushed to the branch first), so a job picked up again
 * after a crash continues from here instead of starting over.
 */
export const checkpointSchema = z.object({
  branch: z.string().min(1),
  baseBranch: z.string().min(1),
  /** The next step to run. */
  stage: z.enum(['plan', 'code', 'review', 'test']),
  plan: planSchema.optional(),
  /** Review rounds finished (each sends the Reviewer's comments back to the Coder). */
  round: z.number().int().nonnegative(),
  /** Coder attempts made in all. */
  attempts: z.number().int().nonnegative(),
  /** Coder attempts since the Coder last started on new input (the plan or review comments). */
  phaseAttempts: z.number().int().nonnegative(),
  /** The Reviewer's latest comments, not yet answered by the Coder. */
  pendingComments: z.array(z.object({ path: z.string(), comment: z.string() })),
  reviewApproved: z.boolean(),
  reviewNotes: z.array(reviewNoteSchema),
  lastTest: testResultSchema.optional(),
  coderSummaries: z.array(z.string()),
  usage: usageByPersonaSchema,
  /** Time spent in test runs and dependency installs, in all. */
  testMs: z.number().nonnegative().default(0),
  startedAt: z.number(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** A task for the workers: gateway → `work` queue. */
export const workJobSchema = z.object({
  taskId: taskIdSchema,
  repo: repoSchema,
  request: z.string().trim().min(1, 'the request is empty').max(20_000),
  difficulty: difficultySchema,
  reflection: z.boolean(),
  requester: z.string().optional(),
  thread: threadSchema.optional(),
  /** The task's branch when this is a follow-up on an earlier iteration. */
  branch: z.string().min(1).optional(),
  /** The branch to start from and to open the PR against; the remote's default when absent. */
  baseBranch: z.string().min(1).optional(),
  /** Thread replies to address in this iteration (follow-ups). */
  feedback: z.array(z.string()).default([]),
  /** 1 for the first run of a task, +1 for each follow-up. */
  iteration: z.number().int().positive().default(1),
  /** A human lead escalated the task (SOS): this iteration's Coder is the frontier model. */
  escalated: z.boolean().default(false),
  checkpoint: checkpointSchema.optional(),
});
export type WorkJob = z.infer<typeof workJobSchema>;
export type WorkJobInput = z.input<typeof workJobSchema>;
