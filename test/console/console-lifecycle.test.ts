import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Environment } from '../../src/config.ts';
import { startConsoleProcess, type ConsoleProcess } from '../kit/console-process.ts';
import { createWorkingCopy, git } from '../kit/git-repos.ts';
import { startOllamaServer, type LoopbackOllama } from '../kit/ollama-server.ts';
import { calculatorRepo, fullTeam } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';
import { consoleEnvironment } from './console-environment.ts';
import { scriptCommand, startTerminalConsole, type TerminalConsole } from './terminal-console.ts';

let root: string;
let ollama: LoopbackOllama;
let environment: Environment;
const running: (ConsoleProcess | TerminalConsole)[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tandem-console-lifecycle-'));
  ollama = await startOllamaServer();
  ollama.setResponder(fullTeam());
  environment = consoleEnvironment({ ollamaUrl: ollama.url, home: join(root, 'home'), queuePrefix: 'console-lifecycle-test' });
});
after(async () => {
  for (const session of running) session.kill();
  await ollama.close();
  await rm(root, { recursive: true, force: true });
});

/** The console's private redis-server, from the pid file it writes in `<home>/console/redis`. */
async function consoleRedis(home: string): Promise<{ pid: number; port: string }> {
  const dataDir = join(home, 'console', 'redis');
  return waitFor(async () => {
    const pidFile = (await readdir(dataDir).catch(() => [])).find((name) => /^redis-\d+\.pid$/.test(name));
    if (!pidFile) return undefined;
    const pid = Number((await readFile(join(dataDir, pidFile), 'utf8')).trim());
    return pid > 0 ? { pid, port: /\d+/.exec(pidFile)![0] } : undefined;
  }, 'the console’s redis-server pid file');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The redis-server processes serving `port` (redis sets its title to `redis-server <host>:<port>`). */
function redisServersOn(port: string): string[] {
  const listing = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return listing.split('\n').filter((line) => /redis-server/.test(line) && line.includes(`:${port}`));
}

async function assertRedisGone(redis: { pid: number; port: string }): Promise<void> {
  assert.equal(isRunning(redis.pid), false, `redis-server ${redis.pid} still runs`);
  assert.deepEqual(redisServersOn(redis.port), []);
}

test('without --repo the console works on the git repository around the working directory; quitting stops its redis-server', async () => {
  const repository = await realpath(await createWorkingCopy(join(root, 'around'), calculatorRepo));
  const home = join(root, 'home-cwd');
  const session = startConsoleProcess([], { ...environment, TANDEM_HOME: home }, join(repository, 'src'));
  running.push(session);
  await session.waitForOutput(/Type a task/);
  assert.ok(session.output().includes(`tandem console · ${repository} ·`), session.output());
  assert.doesNotMatch(session.output(), /⚠/, 'the models fit the 64 GB budget');
  const redis = await consoleRedis(home);
  assert.equal(isRunning(redis.pid), true);
  assert.equal(redisServersOn(redis.port).length, 1);

  session.type('fix add so that it adds');
  await session.waitForOutput(/type: approve \/ reject/, 90_000);
  session.type('approve');
  await session.waitForOutput(/Merged by @/, 30_000);
  assert.match(await git(repository, 'show', 'main:src/add.js'), /return a \+ b;/);

  session.type('quit');
  assert.equal(await session.exited, 0, session.output());
  await assertRedisGone(redis);
});

test('a console stopped by SIGTERM stops its redis-server too; a worker model over the memory budget is named at start', async () => {
  const repository = await createWorkingCopy(join(root, 'stopped'), calculatorRepo);
  const home = join(root, 'home-sigterm');
  // The loopback's default worker model is about 52 GB, too big for a 24 GB budget.
  const session = startConsoleProcess(['--repo', repository], { ...environment, TANDEM_HOME: home, WORKER_MEMORY_GB: '24' });
  running.push(session);
  await session.waitForOutput(/Type a task/);
  assert.match(session.output(), /⚠ qwen3-coder-next\S* needs about [\d.]+ GB with a \d+-token context, more than the worker's memory budget of 24(?:\.0)? GB \(WORKER_MEMORY_GB\).*Tasks stop at their first call of it\./);
  assert.equal(session.output().match(/⚠/g)?.length, 1, 'one model, said once');
  const redis = await consoleRedis(home);
  session.child.kill('SIGTERM');
  assert.equal(await session.exited, 0, session.output());
  await assertRedisGone(redis);
});

const script = scriptCommand();

test('on a terminal, a missing model is offered, pulled with a progress bar, and the console starts', { skip: script ? false : 'util-linux `script` is not installed: no pseudo-terminal to drive' }, async () => {
  const repository = await createWorkingCopy(join(root, 'pull'), calculatorRepo);
  const model = 'phi4-mini:3.8b';
  assert.ok(!ollama.models.some((candidate) => candidate.name === model));
  const terminal = startTerminalConsole(script!, ['--repo', repository], { ...environment, TANDEM_HOME: join(root, 'home-pty'), ROUTER_MODEL: model });
  running.push(terminal);
  await terminal.waitForOutput(new RegExp(`${model.replace('.', '\\.')} is not installed at ${ollama.url}\\. Pull it now\\? \\[Y/n\\]`));
  terminal.type('y');
  await terminal.waitForOutput(/Type a task/, 60_000);
  const shown = terminal.output();
  assert.match(shown, /pulling phi4-mini:3\.8b: downloading ▰{10}▱{10} 50%/, 'the progress bar, redrawn in place');
  assert.match(shown, /pulled phi4-mini:3\.8b/);
  assert.ok(ollama.models.some((candidate) => candidate.name === model), 'Ollama has the model now');
  assert.match(shown, /tandem console · .* · phi4-mini:3\.8b screens/);
  terminal.type('quit');
  assert.equal(await terminal.exited, 0, shown);
});
