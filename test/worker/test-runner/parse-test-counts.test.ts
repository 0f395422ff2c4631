import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTestCounts } from '../../../src/worker/test-runner/parse-test-counts.ts';

test('node test runner: TAP and spec reporter summaries', () => {
  const tap = 'TAP version 13\nok 1 - a\nnot ok 2 - b\n1..2\n# tests 2\n# suites 0\n# pass 1\n# fail 1\n# cancelled 0\n';
  assert.deepEqual(parseTestCounts(tap), { passed: 1, failed: 1 });
  const spec = '✔ a (1.2ms)\n✖ b (0.3ms)\nℹ tests 12\nℹ suites 0\nℹ pass 11\nℹ fail 1\nℹ cancelled 0\n';
  assert.deepEqual(parseTestCounts(spec), { passed: 11, failed: 1 });
  assert.deepEqual(parseTestCounts('\x1b[34mℹ pass 3\x1b[39m\n\x1b[34mℹ fail 0\x1b[39m\n'), { passed: 3, failed: 0 });
});

test('pytest summaries, errors counted as failures', () => {
  assert.deepEqual(parseTestCounts('....\n4 passed in 0.03s\n'), { passed: 4, failed: 0 });
  assert.deepEqual(
    parseTestCounts('FAILED test_a.py::test_x\n========== 1 failed, 3 passed, 1 error in 0.12s ==========\n'),
    { passed: 3, failed: 2 },
  );
});

test('cargo test results are summed over test binaries', () => {
  const output = [
    'running 3 tests',
    'test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s',
    'running 2 tests',
    'test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s',
  ].join('\n');
  assert.deepEqual(parseTestCounts(output), { passed: 4, failed: 1 });
});

test('jest and vitest summaries', () => {
  assert.deepEqual(parseTestCounts('Test Suites: 1 failed, 1 total\nTests:       2 failed, 5 passed, 7 total\nTime: 1.2 s\n'), { passed: 5, failed: 2 });
  assert.deepEqual(parseTestCounts(' Test Files  1 passed (1)\n      Tests  3 passed (3)\n   Duration  210ms\n'), { passed: 3, failed: 0 });
  assert.deepEqual(parseTestCounts('      Tests  1 failed | 2 passed (3)\n'), { passed: 2, failed: 1 });
});

test('go test, approximately: tests with -v, packages without', () => {
  const verbose = '=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n    --- PASS: TestB/sub (0.00s)\n--- FAIL: TestB (0.00s)\nFAIL\nFAIL\texample.com/x\t0.01s\n';
  assert.deepEqual(parseTestCounts(verbose), { passed: 1, failed: 1 });
  const packages = 'ok  \texample.com/x\t0.01s\nok  \texample.com/y\t0.02s\nFAIL\texample.com/z [build failed]\n';
  assert.deepEqual(parseTestCounts(packages), { passed: 2, failed: 1 });
});

test('undefined when nothing is recognised', () => {
  assert.equal(parseTestCounts(''), undefined);
  assert.equal(parseTestCounts('make: *** [test] Error 1\n'), undefined);
});
