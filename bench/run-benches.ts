/**
 * `npm run bench`: runs every benchmark in bench/, each as its own process (one after the
 * other, so none disturbs another), then writes the figures as a markdown table to
 * bench/results/summary.md and into README.md between `<!-- bench:start -->` and
 * `<!-- bench:end -->`. `npm run bench -- tokens scale` runs only those (the table keeps
 * the figures other benchmarks wrote last).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeMachine, metText, ratioText, resultsDirectory, type BenchResult, type Headline } from './bench-report.ts';

interface Bench {
  /** The name of its results file, and what selects it on the command line. */
  name: string;
  title: string;
  script: string;
}

const benches: Bench[] = [
  { name: 'ack-latency', title: 'Ack latency', script: 'ack-latency-bench.ts' },
  { name: 'queue-handoff', title: 'Queue hand-off', script: 'queue-handoff-bench.ts' },
  { name: 'orchestration', title: 'Orchestration overhead', script: 'orchestration-bench.ts' },
  { name: 'tokens', title: 'Tokens', script: 'token-bench.ts' },
  { name: 'scale', title: 'Scale', script: 'scale-bench.ts' },
  { name: 'slack-writes', title: 'Slack writes', script: 'slack-writes-bench.ts' },
  { name: 'guardrail', title: 'Guardrail rules', script: 'guardrail-bench.ts' },
];

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const startMarker = '<!-- bench:start -->';
const endMarker = '<!-- bench:end -->';

interface GuardrailResults {
  generatedAt: string;
  corpora: { main: { rules: { group: string; recallMeant: { rate: number }; falsePositives: { rate: number } }[] } };
  timing: { comparison: { tool: string; microseconds: number }[] };
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** The guardrail benchmark writes its own shape (it predates the others); its headlines, read from it. */
function guardrailHeadlines(results: GuardrailResults): Headline[] {
  const all = results.corpora.main.rules.find((group) => group.group === 'all')!;
  const [, keywordList, , rules] = results.timing.comparison;
  return [
    { measure: 'rules: meant-to-catch items blocked (main corpus)', tandem: percent(all.recallMeant.rate), baseline: '—', ratio: undefined, target: '≥ 90%', met: all.recallMeant.rate >= 0.9 },
    { measure: 'rules: benign items blocked', tandem: percent(all.falsePositives.rate), baseline: '—', ratio: undefined, target: '≤ 2%', met: all.falsePositives.rate <= 0.02 },
    {
      measure: 'time per request, screenByRules vs a keyword scan',
      tandem: `${rules!.microseconds.toFixed(1)} µs`,
      baseline: `${keywordList!.microseconds.toFixed(2)} µs`,
      ratio: rules!.microseconds / keywordList!.microseconds,
      target: '—',
      met: undefined,
    },
  ];
}

function headlinesOf(bench: Bench): { headlines: Headline[]; generatedAt: string } | undefined {
  const path = `${resultsDirectory}${bench.name}.json`;
  if (!existsSync(path)) return undefined;
  const results = JSON.parse(readFileSync(path, 'utf8')) as BenchResult & GuardrailResults;
  return { headlines: bench.name === 'guardrail' ? guardrailHeadlines(results) : results.headlines, generatedAt: results.generatedAt };
}

const cell = (text: string) => text.replaceAll('|', '\\|');

function markdownTable(failed: readonly string[]): string {
  const machine = describeMachine();
  const rows: string[] = [];
  const dates = new Set<string>();
  for (const bench of benches) {
    if (failed.includes(bench.name)) {
      rows.push(`| ${bench.title} | failed in the last run: see its output | — | — | — | — | **no** |`);
      continue;
    }
    const found = headlinesOf(bench);
    if (!found) continue;
    dates.add(found.generatedAt.slice(0, 10));
    for (const line of found.headlines) {
      rows.push(`| ${[bench.title, line.measure, line.tandem, line.baseline, ratioText(line.ratio), line.target, metText(line.met, '**no**')].map(cell).join(' | ')} |`);
    }
  }
  return [
    `Measured ${[...dates].sort().join(', ')} on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGigabytes} GB), ${machine.platform}, Node ${machine.node}.`,
    'Ratios compare tandem with the bare tool in the same run; absolute times are this machine’s.',
    '',
    '| benchmark | measure | tandem | bare tool | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function updateReadme(table: string): void {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start === -1 || end < start) throw new Error(`README.md has no ${startMarker} … ${endMarker} section to fill`);
  writeFileSync(readmePath, `${readme.slice(0, start + startMarker.length)}\n${table}\n\n${readme.slice(end)}`);
}

const chosen = process.argv.slice(2);
const toRun = chosen.length === 0 ? benches : benches.filter((bench) => chosen.includes(bench.name));
const failed: string[] = [];
for (const bench of toRun) {
  console.log(`\n━━━━ ${bench.title} (bench/${bench.script}) ━━━━\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(bench.script, import.meta.url))], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(bench.name);
}
const table = markdownTable(failed);
writeFileSync(`${resultsDirectory}summary.md`, `${table}\n`);
updateReadme(table);
console.log(`\n${table}\n\nWritten to bench/results/summary.md and README.md.`);
if (failed.length > 0) {
  console.error(`These benchmarks failed: ${failed.join(', ')}`);
  process.exit(1);
}
