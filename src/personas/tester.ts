import { z } from 'zod';
import type { Plan, TestResult } from '../queue/work-job.ts';
import { composePrompt } from './prompt-sections.ts';

export const testerAnswerSchema = z.object({
  passed: z.boolean(),
  summary: z.string().min(1),
  uncovered: z.array(z.string()),
});
export type TesterAnswer = z.infer<typeof testerAnswerSchema>;

export interface TesterContext {
  plan: Plan;
  diff: string;
  test: TestResult;
}

export const testerSystemPrompt = `You are tandem's Tester. You check that the planned test scenarios are really covered by the tests in the change, and read the real test run.
Answer with one JSON object:
- "passed": true when every scenario is covered and the test run passed.
- "summary": one or two sentences for the team lead.
- "uncovered": the names of scenarios no test covers (empty when all are covered).`;

/** The user message for the Tester, fitted to `budgetTokens`. */
export function testerUserPrompt(context: TesterContext, budgetTokens: number): string {
  const scenarios = context.plan.tests.map((test) => `- ${test.name}: ${test.scenario}`).join('\n');
  const run = `${context.test.command} → exit ${context.test.exitCode}${context.test.timedOut ? ' (timed out)' : ''}\n${context.test.outputTail}`;
  return composePrompt(
    [
      { title: 'Planned test scenarios', body: scenarios || '(none planned)', priority: 0 },
      { title: 'Test run', body: run, priority: 1, keep: 'tail' },
      { title: 'Diff', body: context.diff || '(no changes)', priority: 2 },
    ],
    budgetTokens,
  );
}
