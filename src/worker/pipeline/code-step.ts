import { coderAnswerSchema, coderSystemPrompt, coderUserPrompt } from '../../personas/coder.ts';
import type { Plan } from '../../queue/work-job.ts';
import { changedPaths, selectRelevantFiles } from './relevant-files.ts';
import { dependencyManifests } from '../test-runner/detect-setup-command.ts';
import { installDependencies, runTests } from './run-tests.ts';
import { clip, saveStep, testCountsText, type TaskRun } from './task-run.ts';

function planText(plan: Plan): string {
  return [plan.summary, ...plan.steps, ...plan.tests.map((test) => `${test.name} ${test.scenario}`)].join('\n');
}

/**
 * Coder ⇄ tests: the Coder edits, the worker applies the edits and runs the tests, and a
 * failure goes back to the Coder with the output's tail — at most `coderMaxAttempts`
 * times. Every attempt is committed and pushed, so a crash loses at most one attempt.
 */
export async function codeStep(run: TaskRun): Promise<'passed' | 'stuck'> {
  const { job, checkout, state } = run;
  const plan = state.plan!;
  const maximum = run.dependencies.coderMaxAttempts;
  let editProblems: string[] = [];

  while (state.phaseAttempts < maximum) {
    state.phaseAttempts += 1;
    state.attempts += 1;
    const comments = state.pendingComments;
    const [tree, diff] = await Promise.all([
      checkout.listFiles(),
      checkout.diff(),
      run.hooks.progress({
        persona: 'coder',
        phase: 'start',
        text: `Coder · attempt ${state.phaseAttempts}/${maximum}${comments.length ? ` · addressing ${comments.length} review comments` : ''}`,
        round: state.round,
        attempt: state.phaseAttempts,
      }),
    ]);
    const failingOutput = state.lastTest && !state.lastTest.passed ? state.lastTest.outputTail : undefined;
    const changing = changedPaths(diff);
    const answer = await run.dependencies.personas.call({
      persona: 'coder',
      schema: coderAnswerSchema,
      usage: state.usage,
      signal: run.hooks.signal,
      escalated: job.escalated,
      system: coderSystemPrompt,
      user: async (budget) => {
        const files = await selectRelevantFiles({
          files: tree,
          text: [job.request, planText(plan), ...comments.map((comment) => `${comment.path} ${comment.comment}`), failingOutput ?? ''].join('\n'),
          always: changing,
          read: (path) => checkout.readFile(path),
          budgetTokens: Math.floor(budget * 0.6),
        });
        return coderUserPrompt(
          { request: job.request, plan, testCommand: run.testCommand, files, changing, tree, failingOutput, reviewComments: comments, editProblems, feedback: job.feedback },
          budget,
        );
      },
    });

    const results = await checkout.applyEdits(answer.edits);
    editProblems = results.flatMap((result) =>
      result.status === 'applied' ? [] : [`${result.action} ${result.path}: ${result.reason}`],
    );
    const manifestChanged = results.some((result) => result.status === 'applied' && dependencyManifests.has(result.path));
    // A failed install is shown to the Coder like a failing test run.
    state.lastTest = (manifestChanged ? await installDependencies(run) : undefined) ?? (await runTests(run));
    state.coderSummaries.push(answer.summary);
    const passed = state.lastTest.passed;
    if (passed) {
      state.pendingComments = [];
      state.stage = 'review';
    }
    await saveStep(run, 'Coder', answer.summary);
    const stat = await checkout.diffStat();
    const refused = editProblems.length ? ` · ${editProblems.length} edits not applied` : '';
    await run.hooks.progress({
      persona: 'coder',
      phase: 'end',
      text: `${stat.files} files changed (+${stat.insertions} −${stat.deletions}); ${testCountsText(run)}${refused}`,
      details: [clip(answer.summary), ...editProblems.slice(0, 10).map((problem) => clip(`not applied: ${problem}`))],
      round: state.round,
      attempt: state.phaseAttempts,
      tests: state.lastTest.counts,
    });
    if (passed) return 'passed';
  }
  return 'stuck';
}
