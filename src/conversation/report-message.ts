import type { ReportJob } from '../queue/report-job.ts';
import { formatDuration, usageTotal } from './report-facts.ts';

/**
 * Where one iteration's time and tokens went, for the thread's final summary:
 * `4m12s · models 2m01s (loading 12.0s) · tests 40.2s · 18,204 tokens in, 3,120 out`.
 */
export function accountingLine(report: ReportJob): string {
  const usage = usageTotal(report.usage);
  const tokens = `${usage.promptTokens.toLocaleString('en-US')} tokens in, ${usage.outputTokens.toLocaleString('en-US')} out`;
  const loading = usage.loadMs >= 1 ? ` (loading ${formatDuration(usage.loadMs)})` : '';
  return `${formatDuration(report.wallMs)} · models ${formatDuration(usage.durationMs)}${loading} · tests ${formatDuration(report.testMs ?? 0)} · ${tokens}`;
}

/** What an escalated iteration sent to the frontier model, once it ran: said in the thread. */
export function frontierLine(report: ReportJob): string | undefined {
  if (!report.frontier) return undefined;
  const coder = report.usage.coder;
  const calls = coder?.calls ?? 0;
  return (
    `☁️ The Coder ran on *${report.frontier.model}* at ${report.frontier.origin}: ${calls} ${calls === 1 ? 'call' : 'calls'}, ` +
    `${(coder?.promptTokens ?? 0).toLocaleString('en-US')} prompt tokens sent, ${(coder?.outputTokens ?? 0).toLocaleString('en-US')} received. ` +
    'The Planner, Reviewer, Tester and Documenter ran locally.'
  );
}
