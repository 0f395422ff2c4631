import { testerAnswerSchema, testerSystemPrompt, testerUserPrompt } from '../../personas/tester.ts';
import type { TesterAnswer } from '../../personas/tester.ts';
import { runTests } from './run-tests.ts';
import { clip, testCountsText, type TaskRun } from './task-run.ts';

/**
 * Tester: one more real run of the whole suite, then the Tester persona checks the planned
 * scenarios against the diff. The real run decides: failing tests fail the task whatever
 * the persona says.
 */
export async function testerStep(run: TaskRun): Promise<TesterAnswer> {
  const { state } = run;
  await run.hooks.progress({ persona: 'tester', phase: 'start', text: `Tester runs ${run.testCommand}` });
  state.lastTest = await runTests(run);
  const test = state.lastTest;
  const diff = await run.checkout.diff();
  const answer = await run.dependencies.personas.call({
    persona: 'tester',
    schema: testerAnswerSchema,
    usage: state.usage,
    signal: run.hooks.signal,
    system: testerSystemPrompt,
    user: (budget) => testerUserPrompt({ plan: state.plan!, diff, test }, budget),
  });
  const verdict = { ...answer, passed: answer.passed && test.passed };
  await run.hooks.checkpoint(state);
  const coverage = verdict.uncovered.length ? `${verdict.uncovered.length} scenarios uncovered` : 'all scenarios covered';
  await run.hooks.progress({
    persona: 'tester',
    phase: 'end',
    text: `${coverage}; ${testCountsText(run)}`,
    details: [clip(answer.summary), ...verdict.uncovered.slice(0, 10).map((scenario) => clip(`uncovered: ${scenario}`))],
    tests: test.counts,
  });
  return verdict;
}
