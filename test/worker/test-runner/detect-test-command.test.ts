import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { detectTestCommand } from '../../../src/worker/test-runner/detect-test-command.ts';

async function projectWith(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-detect-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

const cases: Array<[string, Record<string, string>, string | undefined]> = [
  ['a package.json test script', { 'package.json': JSON.stringify({ scripts: { test: 'node --test' } }) }, 'npm test'],
  ['npm’s placeholder script', { 'package.json': JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }) }, undefined],
  ['a package.json without scripts', { 'package.json': '{"name":"x"}' }, undefined],
  ['a broken package.json', { 'package.json': '{ not json' }, undefined],
  ['a package.json that is not an object', { 'package.json': '["node --test"]' }, undefined],
  ['a package.json whose scripts are not an object', { 'package.json': '{"scripts":"node --test"}' }, undefined],
  ['a package.json whose test script is not a string', { 'package.json': '{"scripts":{"test":["node","--test"]}}' }, undefined],
  ['a package.json with other fields of any shape', { 'package.json': '{"name":"x","scripts":{"test":"node --test","lint":3},"workspaces":["a"]}' }, 'npm test'],
  ['a package.json without a test script, then a Makefile', { 'package.json': '{"scripts":"x"}', Makefile: 'test:\n\ttrue\n' }, 'make test'],
  ['pyproject.toml', { 'pyproject.toml': '[project]\nname = "x"\n' }, 'pytest'],
  ['pytest.ini', { 'pytest.ini': '[pytest]\n' }, 'pytest'],
  ['setup.cfg with [tool:pytest]', { 'setup.cfg': '[metadata]\nname = x\n\n[tool:pytest]\naddopts = -q\n' }, 'pytest'],
  ['setup.cfg without pytest', { 'setup.cfg': '[metadata]\nname = x\n' }, undefined],
  ['go.mod', { 'go.mod': 'module example.com/x\n\ngo 1.22\n' }, 'go test ./...'],
  ['Cargo.toml', { 'Cargo.toml': '[package]\nname = "x"\n' }, 'cargo test'],
  ['a Makefile test target', { Makefile: 'build:\n\tcc main.c\n\ntest: build\n\t./run-tests\n' }, 'make test'],
  ['a makefile with test among targets', { makefile: 'check test:\n\t./run\n' }, 'make test'],
  ['a Makefile without a test target', { Makefile: 'TEST := 1\ntest := yes\ntest-unit:\n\ttrue\n.PHONY: test\n' }, undefined],
  ['nothing recognisable', { 'README.md': '# hi\n' }, undefined],
  ['package.json before Makefile', { 'package.json': '{"scripts":{"test":"vitest"}}', Makefile: 'test:\n\ttrue\n' }, 'npm test'],
];

for (const [name, files, expected] of cases) {
  test(`detects ${String(expected)} from ${name}`, async (t) => {
    assert.equal(await detectTestCommand(await projectWith(t, files)), expected);
  });
}

test('an override wins over anything detected', async (t) => {
  const dir = await projectWith(t, { 'go.mod': 'module x\n' });
  assert.equal(await detectTestCommand(dir, 'make check'), 'make check');
  assert.equal(await detectTestCommand(dir, '   '), 'go test ./...', 'a blank override is no override');
  assert.equal(await detectTestCommand(join(dir, 'missing')), undefined);
});
