/**
 * Scale: `node --import tsx bench/scale-bench.ts [--tasks 8] [--latency-ms 2000]`.
 *
 * The same batch of tasks drained by 1, 2 and 4 worker roles on one queue (real Redis,
 * real git, real test runs), each worker with its own workspace directory like a Mac Mini
 * of its own, every model call answered by the loopback Ollama after a fixed latency.
 * Throughput is tasks per minute from the first enqueue to the last report; each count of
 * workers is compared with one worker in the same run. The workers share this process and
 * the machine's cores: their git and test processes compete for them, as model time does not.
 *
 * Why a model call takes 2 s here: each task runs the repository's tests twice (`npm test`,
 * about 0.8 CPU-seconds each on the two-core machine the README's table comes from), so a
 * task needs about 2 CPU-seconds besides its model time. With 0.5 s calls, four workers
 * would ask for more than two cores and the figure would measure the machine's CPU, not
 * how tandem's queue spreads work. A real persona answer from a local model takes far longer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addWorkJob } from '../src/queue/queues.ts';
import type { ChatResponder } from '../test/kit/ollama-server.ts';
import { calculatorRepo, happyTeam } from '../test/kit/scripted-team.ts';
import { createWorkerHarness } from '../test/kit/worker-harness.ts';
import { benchResult, isMainModule, numberArgument, printTable, round, runAsScript, type BenchResult } from './bench-report.ts';

export interface ScaleOptions {
  /** Tasks per count of workers. */
  tasks: number;
  /** How long every model call takes. */
  latencyMs: number;
  workerCounts: number[];
}

export const defaultScaleOptions: ScaleOptions = { tasks: 8, latencyMs: 2000, workerCounts: [1, 2, 4] };

/** Every persona answers as the happy team does, after `latencyMs`. */
function withLatency(latencyMs: number): ChatResponder {
  const team = happyTeam();
  return async (chat, context) => {
    const reply = await team(chat, context);
    return 'content' in reply ? { ...reply, delayMs: latencyMs } : reply;
  };
}

export interface ScaleRow {
  workers: number;
  tasks: number;
  seconds: number;
  tasksPerMinute: number;
  /** Throughput ÷ the throughput of one worker. */
  speedup: number;
  /** Mean time per task in test runs and installs: it grows when the workers' test runs compete for the cores. */
  testMsPerTask: number;
}

export async function runScale(options: ScaleOptions = defaultScaleOptions): Promise<BenchResult> {
  const harness = await createWorkerHarness('bench-scale');
  const workspaces: string[] = [];
  try {
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(withLatency(options.latencyMs));
    const rows: ScaleRow[] = [];
    for (const workers of options.workerCounts) {
      const directories = await Promise.all(Array.from({ length: workers }, () => mkdtemp(join(tmpdir(), 'tandem-bench-scale-'))));
      workspaces.push(...directories);
      for (const directory of directories) await harness.startWorker({ WORKSPACE_DIR: directory });
      const started = Date.now();
      const taskIds = Array.from({ length: options.tasks }, (_, index) => `scale-${workers}-${index + 1}`);
      for (const taskId of taskIds) {
        await addWorkJob(harness.workQueue, { taskId, repo: { owner: 'acme', name: 'calc' }, request: 'fix add so that it adds', difficulty: 'low', reflection: false });
      }
      const reports = await Promise.all(taskIds.map((taskId) => harness.waitForReport(taskId, 1, 300_000)));
      const failed = reports.filter((report) => report.status !== 'passed');
      if (failed.length > 0) throw new Error(`${failed.length} tasks did not pass: ${JSON.stringify(failed.map((report) => report.error))}`);
      const finished = Math.max(...(await Promise.all(taskIds.map(async (taskId) => (await harness.reportQueue.getJob(`${taskId}-1`))!.timestamp))));
      await harness.closeWorkers();
      const seconds = (finished - started) / 1000;
      const tasksPerMinute = (options.tasks / seconds) * 60;
      const testMsPerTask = Math.round(reports.reduce((total, report) => total + (report.testMs ?? 0), 0) / reports.length);
      rows.push({ workers, tasks: options.tasks, seconds: round(seconds), tasksPerMinute: round(tasksPerMinute), speedup: round(tasksPerMinute / (rows[0]?.tasksPerMinute ?? tasksPerMinute)), testMsPerTask });
    }

    console.log(`Scale: ${options.tasks} tasks per run, every model call ${options.latencyMs} ms, the workers in this one process\n`);
    printTable(
      ['workers', 'tasks', 'seconds', 'tasks/min', 'speedup vs 1', 'target', 'test ms per task'],
      rows.map((row) => [String(row.workers), String(row.tasks), row.seconds.toFixed(2), row.tasksPerMinute.toFixed(1), `${row.speedup.toFixed(2)}×`, `≥ ${(0.9 * row.workers).toFixed(1)}×`, String(row.testMsPerTask)]),
    );
    console.log('\ntest ms per task: the time its two test runs took; when it grows with more workers, their test runs competed for the cores');
    return benchResult({
      name: 'scale',
      title: 'Scale: throughput with more workers',
      parameters: { ...options },
      headlines: rows
        .filter((row) => row.workers > 1)
        .map((row) => ({
          measure: `throughput, ${row.workers} workers (model call ${options.latencyMs} ms)`,
          tandem: `${row.tasksPerMinute.toFixed(1)} tasks/min`,
          baseline: `${rows[0]!.tasksPerMinute.toFixed(1)} tasks/min (1 worker)`,
          ratio: row.speedup,
          target: `≥ ${(0.9 * row.workers).toFixed(1)}×`,
          met: row.speedup >= 0.9 * row.workers,
        })),
      details: { rows },
    });
  } finally {
    await harness.close();
    await Promise.all(workspaces.map((directory) => rm(directory, { recursive: true, force: true })));
  }
}

if (isMainModule(import.meta.url)) {
  await runAsScript(() =>
    runScale({ ...defaultScaleOptions, tasks: numberArgument('tasks', defaultScaleOptions.tasks), latencyMs: numberArgument('latency-ms', defaultScaleOptions.latencyMs) }),
  );
}
