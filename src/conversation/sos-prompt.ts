import { redactSecrets } from '../guardrail/redact-secrets.ts';
import type { ReportJob } from '../queue/report-job.ts';
import { fenced, lastLines } from './report-facts.ts';
import { reportLabels } from './report-labels.ts';

/** The most an SOS prompt holds: it must paste whole into a frontier chat. */
export const maxSosCharacters = 90_000;
const diffCharacters = 60_000;
const outputLines = 120;

function section(title: string, body: string | undefined): string[] {
  return body && body.trim() !== '' ? [`## ${title}`, '', body.trim(), ''] : [];
}

function cutDiff(diff: string): string {
  if (diff.length <= diffCharacters) return diff;
  return `${diff.slice(0, diffCharacters)}\n[… ${diff.length - diffCharacters} more characters cut …]`;
}

/**
 * A stuck task as one self-contained prompt, ready to paste into a frontier model's chat
 * (issue: SOS): the request, the plan, what was tried, the current diff and the failing
 * output, then what kind of answer helps. Secrets are redacted from all of it.
 */
export function sosPrompt(report: ReportJob): string {
  const repo = report.repo ? `${report.repo.owner}/${report.repo.name}` : 'the repository';
  const plan = report.plan
    ? [
        report.plan.summary,
        '',
        ...report.plan.steps.map((step, index) => `${index + 1}. ${step}`),
        ...(report.plan.tests.length > 0 ? ['', 'Test scenarios:', ...report.plan.tests.map((test) => `- ${test.name}: ${test.scenario}`)] : []),
      ].join('\n')
    : undefined;
  const missing = report.plan?.missingKnowledge?.map((item) => `- ${item}`).join('\n');
  const tried = [
    ...report.changeSummary.map((summary, index) => `- Coder attempt ${index + 1}: ${summary}`),
    ...report.review.notes.map((note) => `- Reviewer (round ${note.round}) on ${note.path}: ${note.comment}`),
  ].join('\n');
  const test = report.test;
  const output = test
    ? `\`${test.command}\` exited ${test.exitCode ?? '(no code)'}${test.timedOut ? ' (timed out)' : ''}:\n\n${fenced(lastLines(test.outputTail, outputLines, reportLabels.en), 'text')}`
    : undefined;
  const lines = [
    `# Help wanted: a coding task our local models could not finish`,
    '',
    `A team of local coding models (Planner, Coder, Reviewer, Tester) worked on ${repo}` +
      `${report.branch ? `, branch \`${report.branch}\`${report.baseBranch ? ` from \`${report.baseBranch}\`` : ''}` : ''}, and got stuck` +
      `${report.error ? `: ${report.error.message.replace(/\s+/g, ' ')}` : '.'}`,
    '',
    ...section('The request', report.request),
    ...section('The plan', plan),
    ...section('What the Planner says it does not know', missing),
    ...section(`What was tried (${report.attempts} Coder attempts, ${report.review.rounds} review rounds)`, tried),
    ...section('The current change (diff against the base branch)', report.diff ? fenced(cutDiff(report.diff), 'diff') : undefined),
    ...section(test?.passed ? 'The last test run (it passes; the review did not)' : 'The failing test run', output),
    '## What would help',
    '',
    'Explain what is going wrong, then give the fix as a unified diff against the current change (or whole files), with any tests it needs. Say what you assumed.',
  ];
  const text = redactSecrets(lines.join('\n')).text;
  return text.length <= maxSosCharacters ? text : `${text.slice(0, maxSosCharacters - 40)}\n[… the rest was cut to fit …]`;
}
