import { z } from 'zod';
import type { Plan } from '../queue/work-job.ts';
import { composePrompt, formatFiles } from './prompt-sections.ts';

const editSchema = z
  .object({
    path: z.string().min(1),
    action: z.enum(['write', 'replace', 'delete']),
    content: z.string().optional(),
    search: z.string().optional(),
    replace: z.string().optional(),
  })
  .superRefine((edit, context) => {
    if (edit.action === 'write' && edit.content === undefined) {
      context.addIssue({ code: 'custom', message: 'a "write" edit needs "content" (the whole file)' });
    }
    if (edit.action === 'replace' && (edit.search === undefined || edit.replace === undefined)) {
      context.addIssue({ code: 'custom', message: 'a "replace" edit needs "search" and "replace"' });
    }
  });

export const coderAnswerSchema = z.object({
  summary: z.string().min(1),
  edits: z.array(editSchema),
});
export type CoderAnswer = z.infer<typeof coderAnswerSchema>;

export interface CoderContext {
  request: string;
  plan: Plan;
  testCommand: string | undefined;
  /** Current content of the files the change touches or needs. */
  files: { path: string; content: string }[];
  /** Which of `files` the branch already changes: kept before the other relevant files when room is short. */
  changing?: string[];
  tree: string[];
  /** Tail of the failing test run, when the last attempt failed. */
  failingOutput?: string;
  /** Reviewer comments to address. */
  reviewComments: { path: string; comment: string }[];
  /** Edits of the last attempt that could not be applied, with the reason. */
  editProblems: string[];
  feedback: string[];
}

export const coderSystemPrompt = `You are tandem's Coder. You change a software repository test-first: write or update the tests for the plan's scenarios, then the implementation that makes them pass.
Answer with one JSON object:
- "summary": one sentence describing your change (it becomes the commit message).
- "edits": a list of file edits. Each edit has "path" (relative to the repository root) and "action":
  - "write": "content" is the whole new file (preferred; most reliable).
  - "replace": swaps the one exact occurrence of "search" for "replace".
  - "delete": removes the file.
Paths must stay inside the repository. Keep the repository's style. The tests are run for real after your edits.`;

/**
 * The user message for the Coder, fitted to `budgetTokens`. When room is short, sections
 * are kept in this order (issue: context budgets): the plan; the request, the lead's
 * feedback and the failing output; the files being changed; other relevant files; the tree.
 */
export function coderUserPrompt(context: CoderContext, budgetTokens: number): string {
  const changing = new Set(context.changing ?? []);
  const plan = [
    context.plan.summary,
    ...context.plan.steps.map((step, index) => `${index + 1}. ${step}`),
    'Test scenarios:',
    ...context.plan.tests.map((test) => `- ${test.name}: ${test.scenario}`),
  ].join('\n');
  const comments = context.reviewComments.map((comment) => `- ${comment.path}: ${comment.comment}`).join('\n');
  return composePrompt(
    [
      { title: 'Request', body: context.request, priority: 1 },
      { title: 'Plan', body: plan, priority: 0 },
      { title: 'Feedback from the team lead', body: context.feedback.join('\n\n'), priority: 1 },
      { title: 'Edits of your last attempt that failed', body: context.editProblems.join('\n'), priority: 2 },
      { title: 'Failing test output (fix this)', body: context.failingOutput ?? '', priority: 2, keep: 'tail', maxShare: 0.3 },
      { title: 'Reviewer comments to address', body: comments, priority: 2 },
      { title: 'Test command', body: context.testCommand ?? '(none detected)', priority: 3 },
      { title: 'Files being changed', body: formatFiles(context.files.filter((file) => changing.has(file.path))), priority: 4 },
      { title: 'Other relevant files', body: formatFiles(context.files.filter((file) => !changing.has(file.path))), priority: 5 },
      { title: 'File tree', body: context.tree.join('\n'), priority: 6 },
    ],
    budgetTokens,
  );
}
