import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { detectSandbox } from '../../../src/worker/test-runner/detect-sandbox.ts';
import { ProcessTestRunner } from '../../../src/worker/test-runner/process-test-runner.ts';
import type { Sandbox, SandboxName } from '../../../src/worker/test-runner/sandbox.ts';

const execFileAsync = promisify(execFile);
const node = JSON.stringify(process.execPath);

/** The sandbox when this machine can run it, else undefined (its test is skipped). */
async function available(name: SandboxName): Promise<Sandbox | undefined> {
  return detectSandbox({ choice: name }).then(
    ({ sandbox }) => sandbox,
    () => undefined,
  );
}

const sandboxes = { bwrap: await available('bwrap'), unshare: await available('unshare') };

/** A workspace with a `.git`, and a directory beside it that is not the workspace. */
async function layout(t: TestContext): Promise<{ workspace: string; outside: string }> {
  const parent = await mkdtemp(join(tmpdir(), 'tandem-sandbox-'));
  t.after(() => rm(parent, { recursive: true, force: true }));
  const workspace = join(parent, 'workspace');
  const outside = join(parent, 'outside');
  await mkdir(join(workspace, '.git'), { recursive: true });
  await writeFile(join(workspace, '.git', 'config'), '[core]\n');
  await mkdir(outside);
  return { workspace, outside };
}

/** A TCP server on the host's loopback, which a run without network must not reach. */
async function hostServer(t: TestContext): Promise<number> {
  const server = createServer((socket) => socket.end('hello from the host\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

const connectTo = (port: number) =>
  `${node} -e 'const s = require("net").connect(${port}, "127.0.0.1"); s.on("data", (d) => { process.stdout.write("reached: " + d); process.exit(0); }); s.on("error", (e) => { console.log("unreachable: " + e.code); process.exit(1); })'`;

/** The test's own server on the sandbox's loopback: tests that start servers keep working. */
const ownLoopback = `${node} -e 'const n = require("net"); const srv = n.createServer((c) => c.end("own")).listen(0, "127.0.0.1", () => n.connect(srv.address().port, "127.0.0.1").on("data", (d) => { console.log("loopback: " + d); process.exit(0); }))'`;

/** Living `sleep <marker>` and `node -e … <marker>` processes (not the shells and wrappers that name them). */
async function livingSleepers(marker: string): Promise<string[]> {
  const { stdout } = await execFileAsync('ps', ['-A', '-o', 'stat=,args=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([state, program, ...rest]) => !state?.startsWith('Z') && rest.at(-1) === marker && (program === 'sleep' || program === process.execPath))
    .map((fields) => fields.join(' '));
}

for (const name of ['bwrap', 'unshare', 'none'] as const) {
  test(`${name}: a timeout leaves none of the forked sleepers running`, async (t) => {
    const sandbox = name === 'none' ? 'none' : sandboxes[name];
    if (!sandbox) return t.skip(`${name} not available`);
    const { workspace } = await layout(t);
    const marker = `${300 + randomInt(1000)}.${randomInt(1_000_000)}`;
    const running = new ProcessTestRunner({ sandbox, killGraceMs: 500 }).run({
      dir: workspace,
      command: `sleep ${marker} & ${node} -e 'setTimeout(() => {}, 300000)' ${marker} & sleep ${marker}`,
      timeoutMs: 1500,
    });
    for (let tries = 0; (await livingSleepers(marker)).length < 3 && tries < 50; tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await livingSleepers(marker)).length, 3, 'both sleepers and the node child were running');
    const result = await running;
    assert.equal(result.timedOut, true);
    assert.deepEqual(await livingSleepers(marker), []);
  });
}

test('without network (bwrap, unshare) the host loopback is unreachable; without a sandbox it is', async (t) => {
  const port = await hostServer(t);
  const { workspace } = await layout(t);
  const none = await new ProcessTestRunner({ sandbox: 'none' }).run({ dir: workspace, command: connectTo(port), timeoutMs: 20_000 });
  assert.match(none.outputTail, /reached: hello from the host/);
  assert.equal(none.passed, true);
  for (const name of ['bwrap', 'unshare'] as const) {
    const sandbox = sandboxes[name];
    if (!sandbox) {
      t.diagnostic(`${name} not available: skipped`);
      continue;
    }
    const denied = await new ProcessTestRunner({ sandbox }).run({ dir: workspace, command: connectTo(port), timeoutMs: 20_000 });
    assert.equal(denied.passed, false, `${name}: ${denied.outputTail}`);
    assert.match(denied.outputTail, /unreachable: E(CONNREFUSED|NETUNREACH)/);
    assert.match(denied.outputTail, new RegExp(`\\[tandem: ran in sandbox ${name}: network denied, writes (workspace-only|unrestricted)\\]`));
    const own = await new ProcessTestRunner({ sandbox }).run({ dir: workspace, command: ownLoopback, timeoutMs: 20_000 });
    assert.match(own.outputTail, /loopback: own/, `${name}: ${own.outputTail}`);
  }
});

test('bwrap: writes outside the workspace (and into .git) fail; writes inside it work', async (t) => {
  if (!sandboxes.bwrap) return t.skip('bwrap not available');
  const { workspace, outside } = await layout(t);
  const homeProbe = join(homedir(), `.tandem-sandbox-probe-${randomInt(1_000_000)}`);
  t.after(() => rm(homeProbe, { force: true }));
  const command = [
    // Root in the sandbox (a worker running as root) must not be able to undo the read-only mounts.
    `mount -o remount,rw / 2>/dev/null; mount -o remount,rw ${JSON.stringify(homedir())} 2>/dev/null`,
    `echo escaped > ${JSON.stringify(join(outside, 'escaped'))} || echo "outside refused"`,
    `echo escaped > ${JSON.stringify(homeProbe)} || echo "home refused"`,
    'echo tampered >> .git/config || echo "git refused"',
    'mkdir -p src && echo kept > src/inside.txt && echo "inside written"',
  ].join('; ');
  const result = await new ProcessTestRunner({ sandbox: sandboxes.bwrap }).run({ dir: workspace, command, timeoutMs: 20_000 });
  assert.match(result.outputTail, /outside refused\n[\s\S]*home refused\n[\s\S]*git refused\n[\s\S]*inside written/);
  assert.equal(existsSync(join(outside, 'escaped')), false);
  assert.equal(existsSync(homeProbe), false);
  assert.equal(await readFile(join(workspace, '.git', 'config'), 'utf8'), '[core]\n');
  assert.equal(await readFile(join(workspace, 'src', 'inside.txt'), 'utf8'), 'kept\n');
});

test('bwrap: an install keeps the network but not the filesystem; caches go to a private scratch', async (t) => {
  if (!sandboxes.bwrap) return t.skip('bwrap not available');
  const port = await hostServer(t);
  const { workspace, outside } = await layout(t);
  const command = `${connectTo(port)}; echo "cache=$npm_config_cache tmp=$TMPDIR"; echo x > ${JSON.stringify(join(outside, 'escaped'))} || echo "outside refused"`;
  const result = await new ProcessTestRunner({ sandbox: sandboxes.bwrap }).run({ dir: workspace, command, timeoutMs: 20_000, purpose: 'install' });
  assert.match(result.outputTail, /reached: hello from the host/);
  assert.match(result.outputTail, /cache=\/tmp\/npm-cache tmp=\/tmp\n/);
  assert.match(result.outputTail, /outside refused/);
  assert.equal(existsSync(join(outside, 'escaped')), false);
});

test('bwrap: processes a finished run leaves behind die with it', async (t) => {
  if (!sandboxes.bwrap) return t.skip('bwrap not available');
  const { workspace } = await layout(t);
  const marker = `${300 + randomInt(1000)}.${randomInt(1_000_000)}`;
  const result = await new ProcessTestRunner({ sandbox: sandboxes.bwrap }).run({ dir: workspace, command: `(setsid sleep ${marker} &) ; sleep 0.2; exit 0`, timeoutMs: 20_000 });
  assert.equal(result.passed, true, result.outputTail);
  assert.deepEqual(await livingSleepers(marker), []);
});

test('secrets in the parent environment do not reach a sandboxed run', async (t) => {
  const secrets = { GITHUB_TOKEN: 'ghp_parentsecret', SLACK_BOT_TOKEN: 'xoxb-parentsecret', FRONTIER_API_KEY: 'sk-parentsecret', REDIS_URL: 'redis://:parentsecret@127.0.0.1:6379' };
  const saved = Object.fromEntries(Object.keys(secrets).map((name) => [name, process.env[name]]));
  Object.assign(process.env, secrets);
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  });
  const { workspace } = await layout(t);
  for (const sandbox of [sandboxes.bwrap, sandboxes.unshare, 'none' as const]) {
    if (!sandbox) continue;
    const result = await new ProcessTestRunner({ sandbox }).run({ dir: workspace, command: 'env', timeoutMs: 20_000 });
    assert.equal(result.passed, true);
    assert.match(result.outputTail, /^PATH=/m);
    assert.doesNotMatch(result.outputTail, /parentsecret|GITHUB_TOKEN|SLACK_|FRONTIER_|REDIS_URL/);
  }
});

test('each run logs the sandbox and what it enforced; an unavailable explicit choice names TEST_SANDBOX', async (t) => {
  const { workspace: dir } = await layout(t);
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const runner = new ProcessTestRunner({ logger: pino({ level: 'info' }, destination) });
  const sandbox = await runner.sandbox();
  await runner.run({ dir, command: 'true', timeoutMs: 10_000, purpose: 'install' });
  const ran = lines.find((line) => line.msg === 'tests ran');
  assert.deepEqual(ran?.sandbox, sandbox.describe('install'));
  assert.equal(ran?.purpose, 'install');
  assert.ok(lines.some((line) => /test sandbox selected|no sandbox available/.test(String(line.msg))));

  const unavailable = process.platform === 'darwin' ? 'bwrap' : 'sandbox-exec';
  await assert.rejects(new ProcessTestRunner({ sandbox: unavailable }).run({ dir, command: 'true', timeoutMs: 1000 }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'sandbox_unavailable');
    assert.match(error.message, new RegExp(`^TEST_SANDBOX=${unavailable} is not available`));
    return true;
  });
});
