import { z } from 'zod';
import type { Plan, TestResult } from '../queue/work-job.ts';
import { composePrompt } from './prompt-sections.ts';

export const reviewerAnswerSchema = z.object({
  approved: z.boolean(),
  comments: z.array(z.object({ path: z.string(), comment: z.string().min(1) })),
});
export type ReviewerAnswer = z.infer<typeof reviewerAnswerSchema>;

export interface ReviewerContext {
  request: string;
  plan: Plan;
  diff: string;
  test: TestResult | undefined;
  /** The lead's replies in the thread: what they asked for, or accepted, on earlier iterations. */
  feedback?: string[];
}

export const reviewerSystemPrompt = `You are tandem's Reviewer. You review a change against its request and plan, like a careful senior engineer.
Answer with one JSON object:
- "approved": true when the change does what was asked, is tested, and has no bug you can point to.
- "comments": what must change before you approve, each with the "path" it concerns and a specific, actionable "comment". Empty when approved.
Do not ask for changes the request did not call for.`;

/** The user message for the Reviewer, fitted to `budgetTokens`. */
export function reviewerUserPrompt(context: ReviewerContext, budgetTokens: number): string {
  const plan = [context.plan.summary, ...context.plan.steps.map((step, index) => `${index + 1}. ${step}`)].join('\n');
  const test = context.test
    ? `${context.test.command} → ${context.test.passed ? 'passed' : 'failed'} (exit ${context.test.exitCode})`
    : '(not run)';
  return composePrompt(
    [
      { title: 'Request', body: context.request, priority: 0 },
      { title: 'Plan', body: plan, priority: 0 },
      { title: 'Feedback from the team lead', body: (context.feedback ?? []).join('\n\n'), priority: 1 },
      { title: 'Test run', body: test, priority: 1 },
      { title: 'Diff', body: context.diff || '(no changes)', priority: 2 },
    ],
    budgetTokens,
  );
}
