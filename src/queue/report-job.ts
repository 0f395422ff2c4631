import { z } from 'zod';
import {
  planSchema,
  repoSchema,
  reviewNoteSchema,
  testResultSchema,
  threadSchema,
  usageByPersonaSchema,
} from './work-job.ts';

export const reportStatusSchema = z.enum(['passed', 'stuck', 'failed']);
export type ReportStatus = z.infer<typeof reportStatusSchema>;

/** What a worker hands back for one task iteration: worker → `report` queue → gateway. */
export const reportJobSchema = z.object({
  /** The task id, or the job id when the work payload could not be read at all. */
  taskId: z.string().min(1),
  iteration: z.number().int().positive(),
  status: reportStatusSchema,
  repo: repoSchema.optional(),
  request: z.string().optional(),
  requester: z.string().optional(),
  thread: threadSchema.optional(),
  branch: z.string().optional(),
  baseBranch: z.string().optional(),
  headSha: z.string().optional(),
  plan: planSchema.optional(),
  changeSummary: z.array(z.string()),
  diffStat: z.object({
    files: z.number().int().nonnegative(),
    insertions: z.number().int().nonnegative(),
    deletions: z.number().int().nonnegative(),
    text: z.string(),
  }),
  test: testResultSchema.optional(),
  review: z.object({
    approved: z.boolean(),
    rounds: z.number().int().nonnegative(),
    notes: z.array(reviewNoteSchema),
  }),
  tester: z.object({ passed: z.boolean(), summary: z.string(), uncovered: z.array(z.string()) }).optional(),
  attempts: z.number().int().nonnegative(),
  usage: usageByPersonaSchema,
  wallMs: z.number().nonnegative(),
  /** Time spent running tests and installs. */
  testMs: z.number().nonnegative().optional(),
  /** The branch's diff against its base, cut to a size a chat file holds; sent for stuck tasks (the SOS prompt). */
  diff: z.string().max(100_000).optional(),
  /** Set when this iteration's Coder was the frontier model: which one, and where its calls went. */
  frontier: z.object({ model: z.string(), origin: z.string() }).optional(),
  /** Why the task failed or is stuck, in words a person can act on. */
  error: z
    .object({ code: z.string(), message: z.string(), persona: z.string().optional() })
    .optional(),
});
export type ReportJob = z.infer<typeof reportJobSchema>;
