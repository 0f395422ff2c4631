import type { ReportJob } from '../queue/report-job.ts';
import { composePrompt } from './prompt-sections.ts';

/** The Documenter's system prompt: a concise PR description in the given language, facts only. */
export const documenterSystemPrompt = `You are tandem's Documenter. You write the description of a pull request that a team of AI coding agents prepared, for the human lead who decides whether to merge it.
Write Markdown in the language you are told to use, with these parts:
- a first paragraph of two or three sentences summarising the change (it is also posted in the chat thread, so it must stand alone);
- "What changed and why": the changes, grouped by purpose, naming the files that matter;
- "How it was tested": the test command, whether it passed, and which scenarios the tests cover;
- "Review notes": what the Reviewer raised and how it was settled;
- "Open points": anything stuck, failing, uncovered or worth a careful look; omit it when there is nothing.
Be concise and concrete. Use only the facts you are given: never invent files, numbers, test results or links. Do not add a title line, and do not repeat the raw facts table (it is appended for you). Answer with the Markdown only, no code fence around it.`;

const statusWords: Record<ReportJob['status'], string> = {
  passed: 'passed: tests pass and the change is ready for review',
  stuck: 'stuck: the agents hit their iteration bound before the change was done',
  failed: 'failed: the task stopped on an error',
};

function testRunText(report: ReportJob): string {
  const test = report.test;
  if (!test) return '(the tests did not run)';
  const counts = test.counts ? `, ${test.counts.passed} passed, ${test.counts.failed} failed` : '';
  const state = test.timedOut ? 'timed out' : test.passed ? 'passed' : 'failed';
  return `${test.command} → ${state} (exit ${test.exitCode ?? 'none'}${counts})`;
}

/** The user message for the Documenter: the report's facts, fitted to `budgetTokens`. */
export function documenterUserPrompt(report: ReportJob, language: { code: string; name: string }, budgetTokens: number): string {
  const plan = report.plan
    ? [report.plan.summary, ...report.plan.steps.map((step, index) => `${index + 1}. ${step}`), ...report.plan.tests.map((test) => `- test "${test.name}": ${test.scenario}`)].join('\n')
    : '';
  const review = [
    `${report.review.rounds} review round(s); ${report.review.approved ? 'approved' : 'not approved'}.`,
    ...report.review.notes.map((note) => `- round ${note.round}, ${note.path}: ${note.comment}`),
  ].join('\n');
  const tester = report.tester
    ? [report.tester.summary, ...report.tester.uncovered.map((scenario) => `- uncovered: ${scenario}`)].join('\n')
    : '';
  const problem = report.error ? `${report.error.code}: ${report.error.message}${report.error.persona ? ` (at the ${report.error.persona})` : ''}` : '';
  const failing = report.status !== 'passed' && report.test && !report.test.passed ? report.test.outputTail : '';
  return composePrompt(
    [
      { title: 'Language', body: `Write the whole description in ${language.name} (${language.code}).`, priority: 0 },
      { title: 'Request', body: report.request ?? '(not recorded)', priority: 0 },
      { title: 'Outcome', body: `${statusWords[report.status]}; iteration ${report.iteration}, ${report.attempts} coder attempt(s).`, priority: 0 },
      { title: 'Problem', body: problem, priority: 1 },
      { title: 'Plan', body: plan, priority: 1 },
      { title: 'What the Coder did', body: report.changeSummary.map((summary) => `- ${summary}`).join('\n'), priority: 1 },
      { title: 'Test run', body: testRunText(report), priority: 1 },
      { title: 'Tester', body: tester, priority: 2 },
      { title: 'Review', body: review, priority: 2 },
      { title: 'Diff stat', body: report.diffStat.text, priority: 3 },
      { title: 'Failing test output (end)', body: failing, priority: 4, keep: 'tail' },
    ],
    budgetTokens,
  );
}
