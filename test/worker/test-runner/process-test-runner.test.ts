import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { testResultSchema } from '../../../src/queue/work-job.ts';
import { ProcessTestRunner } from '../../../src/worker/test-runner/process-test-runner.ts';
import { scratchVariables } from '../../../src/worker/test-runner/sandbox.ts';
import { TailBuffer } from '../../../src/worker/test-runner/tail-buffer.ts';

const execFileAsync = promisify(execFile);

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Processes of `groupId` that are still running (zombies awaiting their reaper do not count). */
async function livingProcessesOfGroup(groupId: number): Promise<string[]> {
  const { stdout } = await execFileAsync('ps', ['-A', '-o', 'pid=,pgid=,stat=,comm=']);
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => {
      const [, group, state] = line.split(/\s+/);
      return Number(group) === groupId && state !== undefined && !state.startsWith('Z');
    });
}

test('passing and failing commands report their exit codes', async (t) => {
  const dir = await scratch(t);
  const runner = new ProcessTestRunner();
  const passing = await runner.run({ dir, command: 'echo all good; pwd', timeoutMs: 10_000 });
  assert.deepEqual(testResultSchema.parse(passing), passing);
  assert.equal(passing.command, 'echo all good; pwd');
  assert.equal(passing.exitCode, 0);
  assert.equal(passing.passed, true);
  assert.equal(passing.timedOut, false);
  assert.match(passing.outputTail, /all good/);
  assert.ok(passing.outputTail.includes(dir.split('/').at(-1)!), 'it ran in the task directory');

  const failing = await runner.run({ dir, command: 'echo broken >&2; exit 3', timeoutMs: 10_000 });
  assert.equal(failing.exitCode, 3);
  assert.equal(failing.passed, false);
  assert.equal(failing.timedOut, false);
  assert.match(failing.outputTail, /broken/, 'stderr is captured');
  assert.equal(failing.counts, undefined);
});

test('counts come from a real node --test run', async (t) => {
  const dir = await scratch(t);
  await writeFile(
    join(dir, 'sample.test.mjs'),
    [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "test('one', () => assert.equal(1, 1));",
      "test('two', () => assert.equal(2, 2));",
      "test('three', () => assert.equal(3, 4));",
    ].join('\n'),
  );
  const result = await new ProcessTestRunner().run({ dir, command: `"${process.execPath}" --test`, timeoutMs: 60_000 });
  assert.equal(result.passed, false);
  assert.equal(result.exitCode, 1);
  assert.deepEqual(result.counts, { passed: 2, failed: 1 });
});

const tokenEnvironment = {
  PATH: process.env.PATH,
  HOME: '/home/tandem',
  GITHUB_TOKEN: 'ghp_secret',
  SLACK_BOT_TOKEN: 'xoxb-secret',
  FRONTIER_API_KEY: 'sk-secret',
  REDIS_URL: 'redis://:password@127.0.0.1:6379',
  LANG: 'en_US.UTF-8',
};

const shellVariables = new Set(['PWD', 'SHLVL', '_', 'OLDPWD']);

function variableNames(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => line.split('=')[0]!)
    .filter((name) => !shellVariables.has(name))
    .sort();
}

test('the environment is allow-listed: no tokens reach the tests', async (t) => {
  const dir = await scratch(t);
  const runner = new ProcessTestRunner({
    sandbox: 'none',
    baseEnv: {
      PATH: process.env.PATH,
      HOME: '/home/tandem',
      GITHUB_TOKEN: 'ghp_secret',
      SLACK_BOT_TOKEN: 'xoxb-secret',
      FRONTIER_API_KEY: 'sk-secret',
      REDIS_URL: 'redis://:password@127.0.0.1:6379',
      LANG: 'en_US.UTF-8',
    },
  });
  const result = await runner.run({ dir, command: 'env', timeoutMs: 10_000 });
  assert.deepEqual(variableNames(result.outputTail), ['CI', 'FORCE_COLOR', 'HOME', 'LANG', 'NO_COLOR', 'PATH']);
  assert.doesNotMatch(result.outputTail, /secret|password|GITHUB_TOKEN|SLACK_BOT_TOKEN/);
  assert.match(result.outputTail, /^CI=true$/m);
  assert.match(result.outputTail, /^HOME=\/home\/tandem$/m);
});

test('in the default sandbox the environment adds only where caches and temp files go', async (t) => {
  const dir = await scratch(t);
  const runner = new ProcessTestRunner({ baseEnv: tokenEnvironment });
  const sandbox = await runner.sandbox();
  const result = await runner.run({ dir, command: 'env', timeoutMs: 10_000 });
  const expected = ['CI', 'FORCE_COLOR', 'HOME', 'LANG', 'NO_COLOR', 'PATH'];
  if (sandbox.name === 'bwrap' || sandbox.name === 'sandbox-exec') expected.push(...Object.keys(scratchVariables('/scratch')));
  assert.deepEqual(variableNames(result.outputTail), expected.sort(), `sandbox ${sandbox.name}`);
  assert.doesNotMatch(result.outputTail, /secret|password|GITHUB_TOKEN|SLACK_BOT_TOKEN/);
});

// The tests below read the group id from `$$`, which only names the group outside a PID
// namespace: they pin `sandbox: 'none'`. sandboxed-runs.test.ts checks the same with sandboxes.
test('a timeout kills the whole process group, forked children included', async (t) => {
  const dir = await scratch(t);
  const runner = new ProcessTestRunner({ killGraceMs: 1000, sandbox: 'none' });
  const started = Date.now();
  const result = await runner.run({ dir, command: 'echo "group=$$"; sleep 30 & sleep 30', timeoutMs: 500 });
  const elapsed = Date.now() - started;
  assert.equal(result.timedOut, true);
  assert.equal(result.exitCode, null);
  assert.equal(result.passed, false);
  assert.ok(elapsed < 8000, `returned after ${elapsed} ms`);
  assert.match(result.outputTail, /timed out after 500 ms/);
  const groupId = Number(/group=(\d+)/.exec(result.outputTail)?.[1]);
  assert.ok(groupId > 1);
  assert.deepEqual(await livingProcessesOfGroup(groupId), []);
});

test('processes that ignore SIGTERM are killed after the grace period', async (t) => {
  const dir = await scratch(t);
  const runner = new ProcessTestRunner({ killGraceMs: 300, sandbox: 'none' });
  const started = Date.now();
  const result = await runner.run({ dir, command: `trap '' TERM; echo "group=$$"; sleep 30 & sleep 30`, timeoutMs: 300 });
  assert.equal(result.timedOut, true);
  assert.ok(Date.now() - started < 8000);
  const groupId = Number(/group=(\d+)/.exec(result.outputTail)?.[1]);
  assert.deepEqual(await livingProcessesOfGroup(groupId), []);
});

test('an abort stops the run the same way', async (t) => {
  const dir = await scratch(t);
  const controller = new AbortController();
  const running = new ProcessTestRunner({ sandbox: 'none' }).run({ dir, command: 'echo "group=$$"; sleep 30', timeoutMs: 60_000, signal: controller.signal });
  setTimeout(() => controller.abort(), 300);
  const result = await running;
  assert.equal(result.timedOut, true);
  assert.equal(result.exitCode, null);
  assert.match(result.outputTail, /aborted/);
  const groupId = Number(/group=(\d+)/.exec(result.outputTail)?.[1]);
  assert.deepEqual(await livingProcessesOfGroup(groupId), []);

  const early = await new ProcessTestRunner().run({ dir, command: 'touch ran', timeoutMs: 1000, signal: AbortSignal.abort() });
  assert.equal(early.timedOut, true);
  assert.match(early.outputTail, /before it started/);
});

test('processes a finished run leaves behind are stopped too', async (t) => {
  const dir = await scratch(t);
  const started = Date.now();
  const result = await new ProcessTestRunner({ sandbox: 'none' }).run({ dir, command: 'echo "group=$$"; sleep 30 & exit 0', timeoutMs: 60_000 });
  assert.equal(result.passed, true);
  assert.equal(result.exitCode, 0);
  assert.ok(Date.now() - started < 8000);
  assert.match(result.outputTail, /left running/);
  const groupId = Number(/group=(\d+)/.exec(result.outputTail)?.[1]);
  assert.deepEqual(await livingProcessesOfGroup(groupId), []);
});

test('output is capped to its tail with a marker, stdout and stderr interleaved', async (t) => {
  const dir = await scratch(t);
  const runner = new ProcessTestRunner({ outputLimitBytes: 1024 });
  const command = 'i=0; while [ $i -lt 500 ]; do echo "line $i"; i=$((i+1)); done; echo "the end" >&2';
  const result = await runner.run({ dir, command, timeoutMs: 10_000 });
  assert.match(result.outputTail, /^\[… \d+ bytes cut …\]\n/);
  assert.match(result.outputTail, /line 499\nthe end\n$/);
  assert.doesNotMatch(result.outputTail, /line 0\n/);
  assert.ok(result.outputTail.length < 1100);

  const long = await new ProcessTestRunner().run({ dir, command: 'yes 0123456789 | head -c 20000', timeoutMs: 10_000 });
  assert.match(long.outputTail, /^\[… 16\d\d\d bytes cut …\]\n/);
  assert.ok(long.outputTail.length <= 4000 + 40);
});

test('the tail buffer keeps the last bytes and counts the cut', () => {
  const buffer = new TailBuffer(10);
  buffer.push('0123456789');
  assert.equal(buffer.text(), '0123456789');
  buffer.push('abcde');
  assert.equal(buffer.cutBytes, 5);
  assert.equal(buffer.text(), '[… 5 bytes cut …]\n56789abcde');
  assert.equal(buffer.text(4), '[… 11 bytes cut …]\nbcde');
  const unicode = new TailBuffer(5);
  unicode.push('ééé'); // 6 bytes: the cut lands inside a character
  assert.equal(unicode.text(), '[… 2 bytes cut …]\néé');
});
