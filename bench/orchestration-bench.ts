/**
 * Orchestration overhead per task: `node --import tsx bench/orchestration-bench.ts [--tasks 12]`.
 *
 * Tasks run one after another on one small repository (the test kit's calculator) through
 * the real worker role: real Redis, real git against a bare remote, the real test runner,
 * the loopback Ollama answering at once (Planner, Coder, Reviewer approving, Tester).
 * For each task: wall time (from `addWorkJob` to the report job's creation) minus model time
 * (every `ModelClient.chat` call, timed around the real `OllamaModelClient`) minus test time
 * (every `TestRunner.run`, timed around the real `ProcessTestRunner`) is tandem's overhead.
 * The bare tool is the git work such a task must do, run in the same process with the
 * same git: fetch (a clone the first time), check out a branch, write the Coder's two
 * files, commit, push. The repository is cloned once: later tasks must only fetch into the
 * working copy the first one left.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { createLogger } from '../src/logger.ts';
import type { ChatRequest, ModelClient } from '../src/models/model-client.ts';
import { OllamaModelClient } from '../src/models/ollama-model-client.ts';
import { addWorkJob, reportJobId } from '../src/queue/queues.ts';
import { startWorkerRole } from '../src/worker/start-worker.ts';
import { ProcessTestRunner } from '../src/worker/test-runner/process-test-runner.ts';
import type { RunTestsInput, TestRunner } from '../src/worker/test-runner/test-runner.ts';
import { createGitRunner, type GitRunnerFactory } from '../src/worker/workspace/git-runner.ts';
import { GitWorkspace } from '../src/worker/workspace/git-workspace.ts';
import { git } from '../test/kit/git-repos.ts';
import { calculatorRepo, happyTeam, negativeTest, fixedAdd } from '../test/kit/scripted-team.ts';
import { createWorkerHarness } from '../test/kit/worker-harness.ts';
import { benchResult, isMainModule, median, numberArgument, printTable, round, runAsScript, sum, type BenchResult } from './bench-report.ts';

export interface OrchestrationOptions {
  tasks: number;
}

export const defaultOrchestrationOptions: OrchestrationOptions = { tasks: 12 };

/** Adds the time of every call made through `timed` to `total.ms`. */
function timer() {
  const total = { ms: 0 };
  const timed = async <Value>(work: () => Promise<Value>): Promise<Value> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      total.ms += performance.now() - started;
    }
  };
  return { total, timed };
}

export interface TaskTiming {
  task: number;
  wallMs: number;
  modelMs: number;
  testMs: number;
  overheadMs: number;
  bareGitMs: number;
  bareGitCommands: number;
  /** Git children the worker ran for this task, and their time (part of the overhead). */
  gitCommands: number;
  gitMs: number;
  /** Clones logged while this task ran. */
  clones: number;
}

/** The bare git work of task `task`: clone or fetch, branch, write the fix, commit, push. */
async function bareGitTask(remoteUrl: string, directory: string, task: number): Promise<{ ms: number; commands: number }> {
  const started = performance.now();
  let commands = 0;
  const run = (...args: string[]) => ((commands += 1), git(directory, ...args));
  if (task === 1) await run('clone', '--quiet', remoteUrl, '.');
  else await run('fetch', '--quiet', 'origin');
  const branch = `bare/task-${task}`;
  await run('checkout', '--quiet', '-B', branch, 'origin/main');
  await writeFile(join(directory, 'test/add-negative.test.js'), negativeTest);
  await writeFile(join(directory, 'src/add.js'), fixedAdd);
  await run('add', '--all');
  await run('commit', '--quiet', '-m', `fix add (task ${task})`);
  await run('push', '--quiet', 'origin', branch);
  return { ms: performance.now() - started, commands };
}

export async function runOrchestration(options: OrchestrationOptions = defaultOrchestrationOptions): Promise<BenchResult> {
  const harness = await createWorkerHarness('bench-orchestration');
  const model = timer();
  const tests = timer();
  let clones = 0;
  const logger = createLogger({
    level: 'info', // the production default: writing the log is part of the overhead
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (chunk.toString().includes('"msg":"repository cloned"')) clones += 1;
        done();
      },
    }),
  });
  const client = new OllamaModelClient({ host: harness.ollama.url });
  const models: ModelClient = { chat: (request: ChatRequest) => model.timed(() => client.chat(request)) };
  const runner = new ProcessTestRunner({ logger, sandbox: harness.config.worker.sandbox });
  // The worker's own workspace, as startWorkerRole builds it, with every git child counted and timed.
  const gitTime = timer();
  let gitCommands = 0;
  const createGit: GitRunnerFactory = (repoDir, runnerOptions) => {
    const git = createGitRunner(repoDir, runnerOptions);
    return (args, input) => {
      gitCommands += 1;
      return gitTime.timed(() => git(args, input));
    };
  };
  const { config } = harness;
  const workspace = new GitWorkspace({ root: config.paths.workspaces, remoteUrlTemplate: config.github.remoteUrlTemplate, token: config.github.token, logger, createGit });
  const testRunner: TestRunner = { run: (input: RunTestsInput) => tests.timed(() => runner.run(input)) };
  const worker = await startWorkerRole({ config, redisUrl: harness.redis.url, logger, models, testRunner, workspace });
  const bareDirectory = await mkdtemp(join(tmpdir(), 'tandem-bench-bare-git-'));
  try {
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    const bareRemote = await harness.remotes.createRepo('bench', 'calc', calculatorRepo);
    harness.ollama.setResponder(happyTeam());
    const workingCopy = join(harness.config.paths.workspaces, 'checkouts', 'acme', 'calc', '0');
    const timings: TaskTiming[] = [];
    const workingCopyInodes: number[] = [];

    for (let task = 1; task <= options.tasks; task += 1) {
      const [modelBefore, testsBefore, clonesBefore, gitBefore, gitMsBefore] = [model.total.ms, tests.total.ms, clones, gitCommands, gitTime.total.ms];
      const taskId = `orchestration-${task}`;
      const enqueuedAt = Date.now();
      await addWorkJob(harness.workQueue, { taskId, repo: { owner: 'acme', name: 'calc' }, request: 'fix add so that it adds', difficulty: 'low', reflection: false });
      const report = await harness.waitForReport(taskId);
      if (report.status !== 'passed') throw new Error(`task ${task} ended ${report.status}: ${JSON.stringify(report.error)}`);
      const reportJob = await harness.reportQueue.getJob(reportJobId(taskId, 1));
      const wallMs = reportJob!.timestamp - enqueuedAt;
      const modelMs = model.total.ms - modelBefore;
      const testMs = tests.total.ms - testsBefore;
      const [taskGitCommands, taskGitMs] = [gitCommands - gitBefore, gitTime.total.ms - gitMsBefore];
      workingCopyInodes.push((await stat(workingCopy)).ino);
      const bare = await bareGitTask(bareRemote, bareDirectory, task);
      timings.push({ task, wallMs, modelMs: round(modelMs, 1), testMs: round(testMs, 1), overheadMs: round(wallMs - modelMs - testMs, 1), bareGitMs: round(bare.ms, 1), bareGitCommands: bare.commands, gitCommands: taskGitCommands, gitMs: round(taskGitMs, 1), clones: clones - clonesBefore });
    }

    const warm = timings.slice(1);
    const overhead = median(warm.map((timing) => timing.overheadMs));
    const bareGit = median(warm.map((timing) => timing.bareGitMs));
    const ratio = round(overhead / bareGit);
    const reclones = sum(warm.map((timing) => timing.clones));
    const gitCommandsPerTask = median(warm.map((timing) => timing.gitCommands));
    const gitMsPerTask = median(warm.map((timing) => timing.gitMs));
    const bareGitCommands = median(warm.map((timing) => timing.bareGitCommands));
    const sameWorkingCopy = workingCopyInodes.every((inode) => inode === workingCopyInodes[0]);
    console.log(`Orchestration overhead: ${options.tasks} tasks in a row on acme/calc, zero-latency model (Planner → Coder → Reviewer → Tester)\n`);
    printTable(
      ['task', 'wall ms', 'model ms', 'tests ms', 'overhead ms', 'its git', 'its git ms', 'bare git', 'bare git ms', 'overhead ÷ git', 'clones'],
      timings.map((timing) => [
        String(timing.task), String(timing.wallMs), timing.modelMs.toFixed(1), timing.testMs.toFixed(1), timing.overheadMs.toFixed(1),
        String(timing.gitCommands), timing.gitMs.toFixed(1), String(timing.bareGitCommands), timing.bareGitMs.toFixed(1),
        `${(timing.overheadMs / timing.bareGitMs).toFixed(2)}×`, String(timing.clones),
      ]),
    );
    console.log(`\ntasks 2–${options.tasks} (warm): median overhead ${overhead.toFixed(1)} ms vs bare git ${bareGit.toFixed(1)} ms → ${ratio}×`);
    console.log(`tandem's git in a warm task (median): ${gitCommandsPerTask} children, ${gitMsPerTask.toFixed(1)} ms of the overhead; the bare git work: ${bareGitCommands} children`);
    console.log(`clones after task 1: ${reclones}; the kept working copy is ${sameWorkingCopy ? 'the same one' : 'NOT the same one'} throughout`);

    return benchResult({
      name: 'orchestration',
      title: 'Orchestration overhead per task (zero-latency model)',
      parameters: { ...options },
      headlines: [
        { measure: 'overhead per task (wall − model − tests), warm', tandem: `${overhead.toFixed(0)} ms`, baseline: `${bareGit.toFixed(0)} ms (git)`, ratio, target: '≤ 1.5×', met: ratio <= 1.5 },
        { measure: 'clones after the first task', tandem: String(reclones), baseline: '—', ratio: undefined, target: '0', met: reclones === 0 && sameWorkingCopy },
      ],
      details: { timings, warmMedianOverheadMs: overhead, warmMedianBareGitMs: bareGit, warmMedianGitCommands: gitCommandsPerTask, warmMedianGitMs: gitMsPerTask, ratio, reclones, sameWorkingCopy, firstTask: timings[0] },
    });
  } finally {
    await worker.close();
    await harness.close();
    await rm(bareDirectory, { recursive: true, force: true });
  }
}

if (isMainModule(import.meta.url)) {
  await runAsScript(() => runOrchestration({ tasks: numberArgument('tasks', defaultOrchestrationOptions.tasks) }));
}
