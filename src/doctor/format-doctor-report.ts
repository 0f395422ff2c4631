import type { DoctorCheck, DoctorReport } from './doctor-check.ts';

/** `✓ Node: 20.19.0`, `– Slack: not configured …`, `✗ Redis at …: unreachable (ECONNREFUSED) — fix: …`. */
export function formatDoctorCheck(check: DoctorCheck): string {
  const mark = !check.ok ? '✗' : check.skipped ? '–' : '✓';
  const fix = !check.ok && check.fix ? ` — fix: ${check.fix}` : '';
  return `${mark} ${check.name}${check.detail ? `: ${check.detail}` : ''}${fix}`;
}

/**
 * The report as the terminal shows it: one line per check (✓ passed, – skipped, ✗ failed with
 * its fix), then a summary line; no ✗ anywhere when the report is ok.
 */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = report.checks.map(formatDoctorCheck);
  const failures = report.checks.filter((check) => !check.ok).length;
  const total = `${report.checks.length} check${report.checks.length === 1 ? '' : 's'}`;
  lines.push(
    '',
    failures === 0
      ? `All ${total} passed.`
      : `${failures} of ${total} failed: fix the ✗ lines above, then run \`tandem doctor\` again.`,
  );
  return lines.join('\n');
}
