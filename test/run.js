#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in test runner (Node 20 has no glob
// support for --test, so the files are listed here). Extra arguments are passed through,
// e.g. `npm test -- --test-name-pattern=workspace`.
//
// Two files run at a time. Each file's process first loads test/kit/machine-turns.ts, which
// lets a phase that times tandem (the burst test's acks) have the machine to itself; the
// directory it keeps its turns in is made here and removed at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function findTests(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const passThrough = process.argv.slice(2);
const onlyFiles = passThrough.filter((argument) => argument.endsWith('.test.ts'));
const flags = passThrough.filter((argument) => !argument.endsWith('.test.ts'));
const files = onlyFiles.length > 0 ? onlyFiles : findTests(join(root, 'test')).sort();
const turns = mkdtempSync(join(tmpdir(), 'tandem-test-turns-'));

// The timeout bounds each test and each file (node's runner gives a file its tests' default).
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--import', './test/kit/machine-turns.ts', '--test', '--test-concurrency=2', '--test-timeout=300000', ...flags, ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TANDEM_TEST_TURNS: turns } },
);
rmSync(turns, { recursive: true, force: true });
process.exit(result.status ?? 1);
