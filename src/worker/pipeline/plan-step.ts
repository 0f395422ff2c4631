import { plannerAnswerSchema, plannerSystemPrompt, plannerUserPrompt } from '../../personas/planner.ts';
import { selectRelevantFiles } from './relevant-files.ts';
import { clip, type TaskRun } from './task-run.ts';

/**
 * Planner: the request, the tree and the files the worker picked → steps and test
 * scenarios. Returns 'needs_knowledge' when the Planner says the task needs knowledge it
 * lacks (and the task was not escalated to a frontier model): the task stops for a lead.
 */
export async function planStep(run: TaskRun): Promise<'planned' | 'needs_knowledge'> {
  const { job, checkout } = run;
  const [tree] = await Promise.all([
    checkout.listFiles(),
    run.hooks.progress({ persona: 'planner', phase: 'start', text: 'Planner is reading the repository' }),
  ]);
  const plan = await run.dependencies.personas.call({
    persona: 'planner',
    schema: plannerAnswerSchema,
    usage: run.state.usage,
    signal: run.hooks.signal,
    system: plannerSystemPrompt,
    user: async (budget) => {
      // Files get at most half the budget; the tree and the request share the rest.
      const files = await selectRelevantFiles({
        files: tree,
        text: [job.request, ...job.feedback].join('\n'),
        read: (path) => checkout.readFile(path),
        budgetTokens: Math.floor(budget / 2),
      });
      return plannerUserPrompt(
        { request: job.request, feedback: job.feedback, tree, files, testCommand: run.testCommand },
        budget,
      );
    },
  });
  run.state.plan = plan;
  const missing = run.job.escalated ? [] : (plan.missingKnowledge ?? []);
  run.state.stage = missing.length > 0 ? 'plan' : 'code';
  run.state.phaseAttempts = 0;
  // The Planner only reads: there is nothing to commit, only where the task stands.
  await run.hooks.checkpoint(run.state);
  await run.hooks.progress({
    persona: 'planner',
    phase: 'end',
    text: `${plan.steps.length} steps, ${plan.tests.length} test scenarios — ${plan.summary}`.slice(0, 500),
    details: [
      ...plan.steps.slice(0, 15).map((step, index) => clip(`${index + 1}. ${step}`)),
      ...plan.tests.slice(0, 15).map((scenario) => clip(`🧪 ${scenario.name}: ${scenario.scenario}`)),
      ...missing.slice(0, 10).map((item) => clip(`❓ needs to know: ${item}`)),
    ],
  });
  return missing.length > 0 ? 'needs_knowledge' : 'planned';
}
