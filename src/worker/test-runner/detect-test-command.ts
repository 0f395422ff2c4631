import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPackageManifest } from './package-manifest.ts';

/** What `npm init` writes when there are no tests. */
const npmPlaceholder = /no test specified/i;

async function readText(dir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

async function npmTest(dir: string): Promise<string | undefined> {
  const script = (await readPackageManifest(dir))?.scripts?.test;
  if (typeof script !== 'string' || script.trim() === '' || npmPlaceholder.test(script)) return undefined;
  return 'npm test';
}

async function pytest(dir: string): Promise<string | undefined> {
  if ((await readText(dir, 'pyproject.toml')) !== undefined) return 'pytest';
  if ((await readText(dir, 'pytest.ini')) !== undefined) return 'pytest';
  const setupConfig = await readText(dir, 'setup.cfg');
  return setupConfig !== undefined && /^\s*\[tool:pytest\]/m.test(setupConfig) ? 'pytest' : undefined;
}

async function whenPresent(dir: string, name: string, command: string): Promise<string | undefined> {
  return (await readText(dir, name)) === undefined ? undefined : command;
}

/** A `test` target (alone or among others), not a `test := …` variable. */
const makeTestTarget = /^(?:[^\s#:=]+[ \t]+)*test(?:[ \t]+[^\s#:=]+)*[ \t]*::?(?!=)/m;

async function makeTest(dir: string): Promise<string | undefined> {
  for (const name of ['Makefile', 'makefile']) {
    const text = await readText(dir, name);
    if (text !== undefined && makeTestTarget.test(text)) return 'make test';
  }
  return undefined;
}

/**
 * The command that runs a repository's tests: `override` when given, else the first of
 * `npm test` (a real `scripts.test`), `pytest`, `go test ./...`, `cargo test`, `make test`
 * whose marker file is in `dir`; undefined when none is.
 */
export async function detectTestCommand(dir: string, override?: string): Promise<string | undefined> {
  if (override !== undefined && override.trim() !== '') return override.trim();
  const detectors = [
    () => npmTest(dir),
    () => pytest(dir),
    () => whenPresent(dir, 'go.mod', 'go test ./...'),
    () => whenPresent(dir, 'Cargo.toml', 'cargo test'),
    () => makeTest(dir),
  ];
  for (const detect of detectors) {
    const command = await detect();
    if (command !== undefined) return command;
  }
  return undefined;
}
