import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { haveMachineAlone } from './machine-turns.ts';

const modulePath = fileURLToPath(new URL('./machine-turns.ts', import.meta.url));
let directory: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tandem-turns-test-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(directory, { recursive: true, force: true });
});

/** Another test file's process: shares the machine in `directory`, prints `shared <ms since epoch>`, stays `holdMs` (or until killed), exits. */
function startSharer(holdMs?: number): { child: ChildProcess; shared: Promise<number> } {
  const script = [
    `import { shareMachine } from ${JSON.stringify(modulePath)};`,
    `await shareMachine(${JSON.stringify(directory)});`,
    'console.log(`shared ${Date.now()}`);',
    holdMs === undefined ? 'setInterval(() => {}, 1000);' : `setTimeout(() => {}, ${holdMs});`,
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const shared = new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const at = /shared (\d+)/.exec(output)?.[1];
      if (at) resolve(Number(at));
    });
    child.once('exit', () => reject(new Error(`the sharing process exited first: ${output}`)));
  });
  return { child, shared };
}

/** How `child` ended, whether its exit came before this was asked or comes later. */
async function exitCodeOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

test('a phase that wants the machine alone waits for the test files already running to end', async () => {
  const sharer = startSharer(800);
  const sharedAt = await sharer.shared;
  const turn = await haveMachineAlone(20_000, directory);
  const beganAt = Date.now();
  turn.release();
  assert.equal(turn.alone, true);
  assert.ok(beganAt - sharedAt >= 800, `the turn began ${beganAt - sharedAt} ms after the other file shared the machine, which it held for 800 ms`);
  // The turn began once the sharer had exited: its exit event may have come already.
  assert.equal(await exitCodeOf(sharer.child), 0);
});

test('while a phase has the machine alone, a new test file waits until it is released', async () => {
  const turn = await haveMachineAlone(20_000, directory);
  assert.equal(turn.alone, true);
  assert.equal(turn.waitedMs < 1000, true, 'nothing else was running');
  const sharer = startSharer(0);
  await new Promise((resolve) => setTimeout(resolve, 700));
  const releasedAt = Date.now();
  turn.release();
  turn.release();
  const sharedAt = await sharer.shared;
  assert.ok(sharedAt >= releasedAt, `shared ${sharedAt - releasedAt} ms after the release`);
  await exitCodeOf(sharer.child);
  assert.deepEqual(await readdir(directory), [], 'both sides removed their files');
});

test('the files of processes that died are ignored, and a sharer that never ends only delays the phase', async () => {
  const dead = spawn(process.execPath, ['-e', '']);
  await once(dead, 'exit');
  await writeFile(join(directory, `shared-${dead.pid}`), '');
  const unhindered = await haveMachineAlone(20_000, directory);
  unhindered.release();
  assert.equal(unhindered.alone, true);
  assert.ok(unhindered.waitedMs < 1000, `waited ${unhindered.waitedMs} ms on a dead process`);

  const sharer = startSharer();
  await sharer.shared;
  const delayed = await haveMachineAlone(500, directory);
  delayed.release();
  assert.equal(delayed.alone, false, 'the turn went ahead beside the other file');
  assert.ok(delayed.waitedMs >= 500, `gave up after ${delayed.waitedMs} ms`);
});

test('without a turns directory (a test file run on its own) nothing waits', async () => {
  const turn = await haveMachineAlone(20_000, '');
  assert.deepEqual({ alone: turn.alone, waitedMs: turn.waitedMs }, { alone: true, waitedMs: 0 });
  turn.release();
});
