import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Environment } from '../../src/config.ts';
import { startConsoleProcess, type ConsoleProcess } from '../kit/console-process.ts';
import { createRemoteRoot, createWorkingCopy as createWorkingCopyAt, git } from '../kit/git-repos.ts';
import { startGitHubServer } from '../kit/github-server.ts';
import { startOllamaServer, type LoopbackOllama } from '../kit/ollama-server.ts';
import { calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { consoleEnvironment } from './console-environment.ts';

/** A person's working copy: a normal (non-bare) repository on `main`. */
const createWorkingCopy = (root: string, name: string, files: Record<string, string>) => createWorkingCopyAt(join(root, name), files);

let root: string;
let ollama: LoopbackOllama;
let environment: Environment;
const consoles: ConsoleProcess[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tandem-console-'));
  ollama = await startOllamaServer();
  ollama.setResponder(fullTeam());
  environment = consoleEnvironment({ ollamaUrl: ollama.url, home: join(root, 'home'), queuePrefix: 'console-test' });
});
after(async () => {
  for (const running of consoles) running.kill();
  await ollama.close();
  await rm(root, { recursive: true, force: true });
});

describe('tandem console on a local repository', () => {
  let repository: string;
  let session: ConsoleProcess;

  before(async () => {
    repository = await createWorkingCopy(root, 'calc', calculatorRepo);
    session = startConsoleProcess(['--repo', repository], environment);
    consoles.push(session);
    await session.waitForOutput(/Type a task/, 60_000);
  });
  after(async () => {
    session.type('quit');
    assert.equal(await session.exited, 0, session.output());
  });

  test('a task streams the personas’ progress and ends, approved, as a merge into the local main', async () => {
    const start = session.output().length;
    session.type('fix add so that it adds');
    await session.waitForOutput(/Planner — /, 60_000, start);
    await session.waitForOutput(/type: approve \/ reject/, 90_000, start);
    const shown = session.output().slice(start);
    for (const persona of ['Coder', 'Reviewer', 'Tester', 'Report']) assert.match(shown, new RegExp(persona));
    assert.match(shown, /PR #1 \(file:\/\//, 'the "PR" is the report file');
    session.type('approve');
    await session.waitForOutput(/Merged by @/, 30_000, start);
    assert.match(await git(repository, 'show', 'main:src/add.js'), /return a \+ b;/);
    assert.match(await git(repository, 'log', '-1', '--format=%s', 'main'), /add/i);
    assert.equal(await git(repository, 'status', '--porcelain'), '', 'the working tree follows main and stays clean');
  });

  test('a rejected task leaves no branch behind', async () => {
    const start = session.output().length;
    session.type('make add handle strings of digits');
    await session.waitForOutput(/type: approve \/ reject/, 90_000, start);
    session.type('reject');
    await session.waitForOutput(/Reject this PR\?.*\[y\/N\]/, 10_000, start);
    session.type('y');
    await session.waitForOutput(/Rejected by @/, 30_000, start);
    const branches = await git(repository, 'branch', '--list', 'tandem/*');
    assert.doesNotMatch(branches, /strings-of-digits/);
  });

  test('a change the Reviewer never approves is stuck, and the console says why', async () => {
    const start = session.output().length;
    ollama.setResponder(
      fullTeam({
        coder: (_chat, call) => json({ summary: `Add big integers (${call})`, edits: [{ path: 'src/add-big.js', action: 'write', content: `// try ${call}\nexport const addBig = (a, b) => BigInt(a) + BigInt(b);\n` }] }),
        reviewer: (_chat, call) => json({ approved: false, comments: [{ path: 'src/add-big.js', comment: `still not right (${call})` }] }),
      }),
    );
    try {
      session.type('make add accept big integers');
      await session.waitForOutput(/type: reject/, 90_000, start);
    } finally {
      ollama.setResponder(fullTeam());
    }
    const shown = session.output().slice(start);
    assert.match(shown, /Reviewer — .*not approved after 1 review round: 1 comment still open, so the task will be stuck/);
    assert.match(shown, /Stuck after \d+ attempts — draft PR #\d+/);
    assert.match(shown, /What failed: the Reviewer did not approve the change after 1 review round \(the most for low difficulty\); the tests pass\. Open comments: src\/add-big\.js: still not right \(2\)/);
    assert.doesNotMatch(shown.slice(shown.lastIndexOf('Stuck after')), /type: approve/, 'a stuck task cannot be approved');
    session.type('reject');
    await session.waitForOutput(/Reject this PR\?.*\[y\/N\]/, 10_000, start);
    session.type('y');
    await session.waitForOutput(/Rejected by @/, 30_000, start);
  });

  test('a git failure while rejecting shows its code in the console, and rejecting again works', async () => {
    const start = session.output().length;
    session.type('make add accept floats');
    await session.waitForOutput(/type: approve \/ reject/, 90_000, start);
    const branch = (await git(repository, 'branch', '--list', '--format=%(refname:short)', 'tandem/*')).split('\n').find((name) => /accept-floats/.test(name));
    assert.ok(branch, 'the task branch is in the repository');
    // Another git process (an editor, a second terminal) holds the branch's lock.
    const lock = join(repository, '.git', 'refs', 'heads', `${branch}.lock`);
    await writeFile(lock, '');
    const reject = async (from: number) => {
      session.type('reject');
      await session.waitForOutput(/Reject this PR\?.*\[y\/N\]/, 10_000, from);
      session.type('y');
    };
    await reject(start);
    await session.waitForOutput(/Could not reject PR #\d+: git_command_failed: git branch exited \d+: .*accept-floats\.lock/, 30_000, start);
    await rm(lock);
    const retry = session.output().length;
    await reject(retry);
    await session.waitForOutput(/Rejected by @/, 30_000, retry);
    assert.equal(await git(repository, 'branch', '--list', branch!), '');
  });
});

describe('tandem console says what is missing, with its exit code', () => {
  test('no redis-server: how to install it, exit 3', async () => {
    const repository = await createWorkingCopy(root, 'noredis', calculatorRepo);
    const bin = join(root, 'bin-without-redis');
    await mkdir(bin, { recursive: true });
    for (const tool of ['git', 'node']) {
      const found = execFileSync('sh', ['-c', `command -v ${tool}`]).toString().trim();
      await symlink(found, join(bin, tool)).catch(() => undefined);
    }
    const session = startConsoleProcess(['--repo', repository], { ...environment, PATH: bin });
    consoles.push(session);
    assert.equal(await session.exited, 3, session.output());
    assert.match(session.output(), /redis-server was not found/);
    assert.match(session.output(), /brew install redis/);
    assert.match(session.output(), /apt-get install redis-server/);
  });

  test('Ollama unreachable: the URL and how to start it, exit 4', async () => {
    const inRepo = startConsoleProcess(['--repo', join(root, 'calc')], { ...environment, ROUTER_OLLAMA_URL: 'http://127.0.0.1:9' });
    consoles.push(inRepo);
    assert.equal(await inRepo.exited, 4, inRepo.output());
    assert.match(inRepo.output(), /cannot reach Ollama at http:\/\/127\.0\.0\.1:9 \(ROUTER_OLLAMA_URL\)/);
    assert.match(inRepo.output(), /ollama serve/);
  });

  test('a model missing and nobody at a terminal to agree to pull it: the command, exit 5', async () => {
    const session = startConsoleProcess(['--repo', join(root, 'calc')], { ...environment, ROUTER_MODEL: 'llama3.2:1b' });
    consoles.push(session);
    assert.equal(await session.exited, 5, session.output());
    assert.match(session.output(), /llama3\.2:1b is not installed at .*: run `ollama pull llama3\.2:1b`/);
  });

  test('not a git repository: what to do instead, exit 6', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tandem-not-a-repo-'));
    const session = startConsoleProcess([], environment, empty);
    consoles.push(session);
    assert.equal(await session.exited, 6, session.output());
    assert.match(session.output(), /is not a git repository/);
  });
});

describe('tandem console with GITHUB_TOKEN and owner/repo', () => {
  test('opens a real pull request as the gateway does, and Approve merges it on GitHub', async () => {
    const remotes = await createRemoteRoot();
    const github = await startGitHubServer({ token: 'ghp_consoleLoopbackToken0000000000000000000' });
    try {
      await remotes.createRepo('acme', 'calc', calculatorRepo);
      const session = startConsoleProcess(['acme/calc'], {
        ...environment,
        TANDEM_HOME: join(root, 'github-home'),
        GITHUB_TOKEN: 'ghp_consoleLoopbackToken0000000000000000000',
        GITHUB_API_URL: github.url,
        GIT_REMOTE_URL: remotes.urlTemplate,
      });
      consoles.push(session);
      await session.waitForOutput(/Type a task/, 60_000);
      session.type('fix add so that it adds');
      await session.waitForOutput(/type: approve \/ reject/, 90_000);
      const pull = github.pulls('acme/calc')[0]!;
      assert.match(session.output(), new RegExp(`PR #${pull.number} \\(http`));
      assert.ok(pull.head.startsWith('tandem/'));
      assert.ok((await remotes.branches('acme', 'calc')).includes(pull.head), 'the branch was pushed to the remote');
      session.type('approve');
      await session.waitForOutput(/Merged by @/, 30_000);
      assert.equal(github.merges.length, 1);
      session.type('quit');
      assert.equal(await session.exited, 0, session.output());
    } finally {
      await github.close();
      await remotes.remove();
    }
  });
});
