import { z } from 'zod';

/** One step of a task as the worker reports it through `job.updateProgress`. */
export const progressEventSchema = z.object({
  persona: z.enum(['worker', 'planner', 'coder', 'reviewer', 'tester']),
  phase: z.enum(['start', 'end', 'error']),
  /** One line for the Slack thread. */
  text: z.string().max(500),
  /** The milestone's content for its thread reply: the plan's steps, the Coder's summary, review comments. */
  details: z.array(z.string().max(500)).max(30).optional(),
  iteration: z.number().int().positive(),
  round: z.number().int().nonnegative().optional(),
  attempt: z.number().int().nonnegative().optional(),
  tests: z.object({ passed: z.number().int(), failed: z.number().int() }).optional(),
  at: z.number(),
});
export type ProgressEvent = z.infer<typeof progressEventSchema>;
