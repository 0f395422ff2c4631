#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in test runner (Node 20 has no glob
// support for --test, so the files are listed here). Extra arguments are passed through,
// e.g. `npm test -- --test-name-pattern=workspace`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...flags, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
