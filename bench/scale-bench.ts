/**
 * Scale: `node --import tsx bench/scale-bench.ts [--tasks 8] [--latency-ms 2000]`.
 *
 * The same batch of tasks drained by 1, 2 and 4 workers on one queue (real Redis, real git,
 * real test runs), every model call answered by the loopback Ollama after a fixed latency.
 * Each worker is `tandem worker`, its own process with its own workspace directory, as on a
 * Mac Mini of its own. Throughput is tasks per minute from the first enqueue to the last
 * report; each count of workers is compared with one worker in the same run. The workers
 * share this machine's cores, as Mac Minis do not: their git and test processes compete
 * for them, as model time does not.
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
import { addWorkJob, parseReportJob, reportJobId } from '../src/queue/queues.ts';
import type { ReportJob } from '../src/queue/report-job.ts';
import { listWorkers } from '../src/queue/worker-registry.ts';
import type { ChatResponder } from '../test/kit/ollama-server.ts';
import { calculatorRepo, happyTeam } from '../test/kit/scripted-team.ts';
import { waitFor } from '../test/kit/wait-for.ts';
import { startTandemProcess, type TandemProcess } from '../test/kit/worker-process.ts';
import { createWorkerHarness, type WorkerHarness } from '../test/kit/worker-harness.ts';
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

/** One `tandem worker` process per workspace directory, all registered in Redis before any task is queued. */
async function startWorkers(harness: WorkerHarness, directories: string[]): Promise<TandemProcess[]> {
  // The production log level: writing the log is part of a worker's work.
  const processes = directories.map((directory) => startTandemProcess('worker', { ...harness.environment, WORKSPACE_DIR: directory, LOG_LEVEL: 'info' }));
  try {
    await waitFor(
      async () => {
        const exited = processes.find((worker) => worker.child.exitCode !== null);
        if (exited) throw new Error(`a worker exited before it registered:\n${exited.output()}`);
        const { workers } = await listWorkers(harness.connection, harness.prefix, { now: Date.now });
        const registered = new Set(workers.map((worker) => worker.pid));
        return processes.every((worker) => registered.has(worker.child.pid!)) || undefined;
      },
      `${processes.length} registered workers`,
      60_000,
    );
    return processes;
  } catch (error) {
    await Promise.all(processes.map((worker) => worker.stop()));
    throw error;
  }
}

/** Every task's report job, read by one poll of the report queue (not one per task), with when it was added. */
async function reportsOf(harness: WorkerHarness, taskIds: string[], processes: TandemProcess[]): Promise<{ data: ReportJob; timestamp: number }[]> {
  return waitFor(
    async () => {
      const exited = processes.find((worker) => worker.child.exitCode !== null);
      if (exited) throw new Error(`a worker exited:\n${exited.output()}`);
      const jobs = await Promise.all(taskIds.map((taskId) => harness.reportQueue.getJob(reportJobId(taskId, 1))));
      if (jobs.some((job) => job === undefined)) return undefined;
      return jobs.map((job) => ({ data: parseReportJob(job!.data), timestamp: job!.timestamp }));
    },
    `the reports of ${taskIds.join(', ')}`,
    300_000,
  );
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
      const processes = await startWorkers(harness, directories);
      let seconds: number;
      let reports: ReportJob[];
      try {
        const started = Date.now();
        const taskIds = Array.from({ length: options.tasks }, (_, index) => `scale-${workers}-${index + 1}`);
        for (const taskId of taskIds) {
          await addWorkJob(harness.workQueue, { taskId, repo: { owner: 'acme', name: 'calc' }, request: 'fix add so that it adds', difficulty: 'low', reflection: false });
        }
        const finished = await reportsOf(harness, taskIds, processes);
        reports = finished.map((report) => report.data);
        const failed = reports.filter((report) => report.status !== 'passed');
        if (failed.length > 0) throw new Error(`${failed.length} tasks did not pass: ${JSON.stringify(failed.map((report) => report.error))}`);
        seconds = (Math.max(...finished.map((report) => report.timestamp)) - started) / 1000;
      } finally {
        await Promise.all(processes.map((worker) => worker.stop()));
      }
      const tasksPerMinute = (options.tasks / seconds) * 60;
      const testMsPerTask = Math.round(reports.reduce((total, report) => total + (report.testMs ?? 0), 0) / reports.length);
      rows.push({ workers, tasks: options.tasks, seconds: round(seconds), tasksPerMinute: round(tasksPerMinute), speedup: round(tasksPerMinute / (rows[0]?.tasksPerMinute ?? tasksPerMinute)), testMsPerTask });
    }

    console.log(`Scale: ${options.tasks} tasks per run, every model call ${options.latencyMs} ms, each worker its own \`tandem worker\` process\n`);
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
