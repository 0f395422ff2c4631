import type { ReportJob } from '../queue/report-job.ts';
import type { TestResult, Usage } from '../queue/work-job.ts';
import type { LanguageCode } from './report-language.ts';
import { reportLabels, type ReportLabels } from './report-labels.ts';

/** Lines of failing test output kept in a report. */
export const outputTailLines = 60;
const diffStatLines = 100;
const diffStatCharacters = 10_000;
const lineCharacters = 240;

/** The labels for `language`: Korean or English (every other language reads English facts). */
export function labelsFor(language: LanguageCode): ReportLabels {
  return language === 'ko' ? reportLabels.ko : reportLabels.en;
}

/** `850ms`, `12.3s`, `4m12s`, `1h02m`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)}ms`;
  if (milliseconds < 59_950) return `${(milliseconds / 1000).toFixed(1)}s`;
  const seconds = Math.round(milliseconds / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

const count = (value: number) => value.toLocaleString('en-US');

/** A fenced code block that its content cannot close early. */
export function fenced(content: string, info = ''): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}

/** The last `limit` lines of `text`, each cut to a readable width, saying how many were left out. */
export function lastLines(text: string, limit: number, labels: ReportLabels): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const kept = lines.slice(-limit).map((line) => (line.length <= lineCharacters ? line : `${line.slice(0, lineCharacters - 1)}…`));
  return lines.length > limit ? [labels.earlierLinesCut(lines.length - limit), ...kept].join('\n') : kept.join('\n');
}

function firstLines(text: string, limit: number, labels: ReportLabels): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const kept: string[] = [];
  let characters = 0;
  for (const line of lines.slice(0, limit)) {
    const shown = line.length <= lineCharacters ? line : `${line.slice(0, lineCharacters - 1)}…`;
    if (characters + shown.length > diffStatCharacters) break;
    kept.push(shown);
    characters += shown.length + 1;
  }
  return kept.length < lines.length ? [...kept, labels.laterLinesCut(lines.length - kept.length)].join('\n') : kept.join('\n');
}

/** `` `npm test` → exit 1 · 11 passed, 1 failed · 8.1s ``, or that the tests did not run. */
export function testLine(test: TestResult | undefined, labels: ReportLabels): string {
  if (!test) return labels.testsNotRun;
  const state = test.timedOut ? labels.timedOut : test.passed ? labels.testsPassed : labels.testsFailed;
  const counts = test.counts ? ` · ${labels.counts(test.counts.passed, test.counts.failed)}` : '';
  return `\`${test.command}\` → ${state} (exit ${test.exitCode ?? '—'})${counts} · ${formatDuration(test.durationMs)}`;
}

/** Calls, tokens, model time and loading time over every persona of a report. */
export function usageTotal(usage: ReportJob['usage']): Usage {
  return Object.values(usage).reduce<Usage>(
    (sum, value) => ({
      calls: sum.calls + (value?.calls ?? 0),
      promptTokens: sum.promptTokens + (value?.promptTokens ?? 0),
      outputTokens: sum.outputTokens + (value?.outputTokens ?? 0),
      durationMs: sum.durationMs + (value?.durationMs ?? 0),
      loadMs: sum.loadMs + (value?.loadMs ?? 0),
    }),
    { calls: 0, promptTokens: 0, outputTokens: 0, durationMs: 0, loadMs: 0 },
  );
}

function usageTable(usage: ReportJob['usage'], labels: ReportLabels): string[] {
  const rows = Object.entries(usage).filter((entry): entry is [string, Usage] => entry[1] !== undefined);
  if (rows.length === 0) return [];
  const total = usageTotal(usage);
  const row = (name: string, value: typeof total) =>
    `| ${name} | ${value.calls} | ${count(value.promptTokens)} | ${count(value.outputTokens)} | ${formatDuration(value.durationMs)} | ${formatDuration(value.loadMs)} |`;
  const personaName = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
  return [
    `### ${labels.usage}`,
    '',
    `| ${labels.persona} | ${labels.calls} | ${labels.promptTokens} | ${labels.outputTokens} | ${labels.time} | ${labels.loading} |`,
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(([name, value]) => row(personaName(name), value)),
    row(`**${labels.total}**`, total),
    '',
  ];
}

function failureLines(report: ReportJob, labels: ReportLabels): string[] {
  if (report.status === 'passed') return [];
  const lines = [`### ${labels.whatFailed}`, ''];
  if (report.error) {
    const message = report.error.message.replace(/\s+/g, ' ').slice(0, 1000);
    lines.push(`\`${report.error.code}\`${report.error.persona ? ` (${report.error.persona})` : ''}: ${message}`, '');
  } else {
    lines.push(report.status === 'stuck' ? labels.stuckWithoutError : labels.failedWithoutError, '');
  }
  if (report.test && !report.test.passed && report.test.outputTail.trim() !== '') {
    lines.push(`#### ${labels.lastOutput}`, '', fenced(lastLines(report.test.outputTail, outputTailLines, labels), 'text'), '');
  }
  return lines;
}

function timeSpent(report: ReportJob, labels: ReportLabels): string {
  const total = usageTotal(report.usage);
  return labels.timeSpent(formatDuration(report.wallMs), formatDuration(total.durationMs), formatDuration(total.loadMs), formatDuration(report.testMs ?? 0));
}

/**
 * The deterministic facts section appended to every PR body, whatever the Documenter
 * wrote: branch, head commit, status, diff stat, the test run, review rounds, attempts,
 * tokens and time per persona, and — for a stuck or failed report — what failed, with the
 * end of the last test output. Headings are in Korean for `ko`, English otherwise. Every
 * part is bounded, so the section stays well under GitHub's body limit.
 */
export function renderReportFacts(report: ReportJob, language: LanguageCode): string {
  const labels = labelsFor(language);
  const branch = report.branch ? `\`${report.branch}\`${report.baseBranch ? ` → \`${report.baseBranch}\`` : ''}` : '—';
  const tester = report.tester
    ? [report.tester.summary.replace(/\s+/g, ' ').slice(0, 500), ...(report.tester.uncovered.length > 0 ? [`${labels.uncovered}: ${report.tester.uncovered.slice(0, 20).join('; ').slice(0, 1000)}`] : [])].join(' · ')
    : undefined;
  const diff = report.diffStat;
  const lines = [
    '---',
    '',
    `## ${labels.heading}`,
    '',
    `- **${labels.branch}:** ${branch}`,
    `- **${labels.commit}:** ${report.headSha ? `\`${report.headSha.slice(0, 7)}\`` : '—'}`,
    `- **${labels.status}:** ${labels.statusText[report.status]} · ${labels.iteration(report.iteration)} · ${formatDuration(report.wallMs)}`,
    `- **${labels.changes}:** ${labels.filesChanged(diff.files, diff.insertions, diff.deletions)}`,
    `- **${labels.tests}:** ${testLine(report.test, labels)}`,
    `- **${labels.review}:** ${labels.rounds(report.review.rounds)} · ${report.review.approved ? labels.approved : labels.notApproved}`,
    ...(tester ? [`- **${labels.tester}:** ${tester}`] : []),
    `- **${labels.attempts}:** ${labels.coderAttempts(report.attempts)}`,
    `- **${labels.time}:** ${timeSpent(report, labels)}`,
    ...(report.frontier ? [`- **Coder:** ${labels.frontierCoder(report.frontier.model, report.frontier.origin)}`] : []),
    '',
  ];
  if (diff.text.trim() !== '') {
    lines.push(`<details><summary>${labels.diffStat}</summary>`, '', fenced(firstLines(diff.text, diffStatLines, labels), 'text'), '', '</details>', '');
  }
  lines.push(...usageTable(report.usage, labels), ...failureLines(report, labels));
  return lines.join('\n').trimEnd();
}
