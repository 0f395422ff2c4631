export interface TestCounts {
  passed: number;
  failed: number;
}

type Parser = (output: string) => TestCounts | undefined;

function lastNumber(output: string, pattern: RegExp): number | undefined {
  const matches = [...output.matchAll(pattern)];
  const last = matches.at(-1);
  return last ? Number(last[1]) : undefined;
}

function countWords(line: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of line.matchAll(/(\d+)\s+(passed|failed|errors?)\b/g)) {
    const word = match[2]!.startsWith('error') ? 'error' : match[2]!;
    counts[word] = (counts[word] ?? 0) + Number(match[1]);
  }
  return counts;
}

/** node --test: TAP (`# pass 3`, `# fail 1`) or the spec reporter (`ℹ pass 3`). */
const nodeTestRunner: Parser = (output) => {
  const passed = lastNumber(output, /^(?:#|ℹ) pass (\d+)\s*$/gm);
  const failed = lastNumber(output, /^(?:#|ℹ) fail (\d+)\s*$/gm);
  if (passed === undefined && failed === undefined) return undefined;
  return { passed: passed ?? 0, failed: failed ?? 0 };
};

/** cargo test: one `test result: ok. 3 passed; 0 failed; …` per test binary, summed. */
const cargo: Parser = (output) => {
  const results = [...output.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed;/gm)];
  if (results.length === 0) return undefined;
  return results.reduce(
    (total, match) => ({ passed: total.passed + Number(match[1]), failed: total.failed + Number(match[2]) }),
    { passed: 0, failed: 0 },
  );
};

/** jest (`Tests:       1 failed, 2 passed, 3 total`) and vitest (`Tests  1 failed | 2 passed (3)`). */
const jestOrVitest: Parser = (output) => {
  const line = [...output.matchAll(/^\s*Tests:?\s+(.*\d+\s+(?:passed|failed).*)$/gm)].at(-1)?.[1];
  if (line === undefined) return undefined;
  const counts = countWords(line);
  return { passed: counts.passed ?? 0, failed: counts.failed ?? 0 };
};

/** pytest's summary (`=== 1 failed, 2 passed, 1 error in 0.12s ===`); errors count as failed. */
const pytest: Parser = (output) => {
  const line = [...output.matchAll(/^.*\d+\s+(?:passed|failed|errors?)\b.*\bin [\d.]+s\b.*$/gm)].at(-1)?.[0];
  if (line === undefined) return undefined;
  const counts = countWords(line);
  return { passed: counts.passed ?? 0, failed: (counts.failed ?? 0) + (counts.error ?? 0) };
};

/**
 * go test (approximate): top-level `--- PASS:`/`--- FAIL:` lines with -v; without -v only
 * packages are reported, so `ok  pkg` lines count as passed and `FAIL pkg [build failed]`
 * lines as failed — package counts, not test counts.
 */
const goTest: Parser = (output) => {
  const passedTests = output.match(/^--- PASS: /gm)?.length ?? 0;
  const failedTests = output.match(/^--- FAIL: /gm)?.length ?? 0;
  const passedPackages = output.match(/^ok\s+\S+/gm)?.length ?? 0;
  const brokenPackages = output.match(/^FAIL\s+\S+\s+\[(?:build|setup) failed\]/gm)?.length ?? 0;
  if (passedTests + failedTests + passedPackages + brokenPackages === 0) return undefined;
  return { passed: passedTests > 0 ? passedTests : passedPackages, failed: failedTests + brokenPackages };
};

const parsers: Parser[] = [nodeTestRunner, cargo, jestOrVitest, pytest, goTest];

const ansiEscape = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Passed/failed counts from a test run's output, or undefined when no known format shows. */
export function parseTestCounts(output: string): TestCounts | undefined {
  const plain = output.replace(ansiEscape, '').replace(/\r\n?/g, '\n');
  for (const parse of parsers) {
    const counts = parse(plain);
    if (counts) return counts;
  }
  return undefined;
}
