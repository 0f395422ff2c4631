/**
 * What every benchmark shares: the machine it ran on, tables, percentiles, the headline
 * figures `npm run bench` puts in the README, and the JSON written under bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const resultsDirectory = fileURLToPath(new URL('./results/', import.meta.url));

export interface Machine {
  cpu: string;
  cores: number;
  memoryGigabytes: number;
  platform: string;
  node: string;
}

export function describeMachine(): Machine {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGigabytes: Math.round(totalmem() / 1024 ** 3),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
  };
}

/** One line of the README's results table. */
export interface Headline {
  measure: string;
  tandem: string;
  /** The bare tool's figure in the same run, or `—` where there is none. */
  baseline: string;
  /** tandem ÷ bare tool (or the figure the target is stated in); undefined when there is no ratio. */
  ratio: number | undefined;
  target: string;
  /** Undefined when the line has no target (a figure shown for context). */
  met: boolean | undefined;
}

export interface BenchResult {
  /** File name under bench/results/ (without `.json`). */
  name: string;
  title: string;
  generatedAt: string;
  machine: Machine;
  parameters: Record<string, unknown>;
  headlines: Headline[];
  details: Record<string, unknown>;
}

export function benchResult(fields: Omit<BenchResult, 'generatedAt' | 'machine'>): BenchResult {
  return { ...fields, generatedAt: new Date().toISOString(), machine: describeMachine() };
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => [...(row[column] ?? '')].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((width) => '─'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** The value at `fraction` of ascending `sorted` samples. */
export const quantile = (sorted: readonly number[], fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
export const round = (value: number, digits = 2) => Number(value.toFixed(digits));
export const median = (values: readonly number[]) => quantile([...values].sort((left, right) => left - right), 0.5);
export const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

export interface Spread {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export function spreadOf(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((left, right) => left - right);
  return {
    count: sorted.length,
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    mean: round(sum(sorted) / Math.max(1, sorted.length)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

export const ratioText = (ratio: number | undefined) => (ratio === undefined ? '—' : `${ratio.toFixed(2)}×`);
export const metText = (met: boolean | undefined, missed = 'NO') => (met === undefined ? '—' : met ? 'yes' : missed);

export function printHeadlines(result: BenchResult): void {
  console.log(`\n${result.title}`);
  printTable(
    ['measure', 'tandem', 'bare tool', 'ratio', 'target', 'met'],
    result.headlines.map((line) => [line.measure, line.tandem, line.baseline, ratioText(line.ratio), line.target, metText(line.met)]),
  );
}

export function writeResult(result: BenchResult): string {
  mkdirSync(resultsDirectory, { recursive: true });
  const path = `${resultsDirectory}${result.name}.json`;
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nResults written to ${path}`);
  return path;
}

/** `--name 12` on the command line, else `fallback`. */
export function numberArgument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? Number.NaN : Number(process.argv[index + 1]);
  return Number.isFinite(value) ? value : fallback;
}

/** True when the module at `moduleUrl` is the script node was started with. */
export const isMainModule = (moduleUrl: string) => moduleUrl === pathToFileURL(process.argv[1] ?? '').href;

/** Runs a benchmark as a script: prints its headlines, writes its JSON, exits (loopback servers may linger). */
export async function runAsScript(run: () => Promise<BenchResult>): Promise<void> {
  try {
    const result = await run();
    printHeadlines(result);
    writeResult(result);
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
