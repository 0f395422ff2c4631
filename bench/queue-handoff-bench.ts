/**
 * Queue hand-off: `node --import tsx bench/queue-handoff-bench.ts [--jobs 1000] [--round-size 100]`.
 *
 * The time from enqueueing a task to its processing starting, one job at a time on an idle
 * worker, on one real Redis:
 * - tandem: `addWorkJob` (src/queue/: the zod-checked payload, tandem's job options and job
 *   id) into the real worker role (`startWorkerRole`: tandem's Worker options, its
 *   processor, `runTask`). Processing has started when the pipeline opens the task's
 *   workspace; the benchmark's workspace notes the time and stops the task there (a
 *   non-retryable error: the worker reports the task failed, as it would for a real one).
 * - bare BullMQ: `Queue.add` with the same payload and default options into a `Worker` whose
 *   processor notes the time, then fails the job as unrecoverable.
 * Both sides end every job the same way, failed, so each worker is in the same state when the
 * next job arrives. A failed job's ending costs more than a completed one's (BullMQ stores
 * the error and its stack, and the worker handles the failure on the same event loop that
 * adds the next job); with the bare jobs completing, the bare hand-off measured about 0.08 ms
 * less, which is tandem's benchmark stop and not its queue layer.
 * The next job is added once the previous one has ended, so no job waits behind another.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.ts';
import { TandemError } from '../src/errors.ts';
import { silentLogger } from '../src/logger.ts';
import { addWorkJob, createQueue, createRedisConnection, queueNames } from '../src/queue/queues.ts';
import type { WorkJobInput } from '../src/queue/work-job.ts';
import { startWorkerRole, type WorkerRole } from '../src/worker/start-worker.ts';
import type { Workspace } from '../src/worker/workspace/workspace.ts';
import { startOllamaServer } from '../test/kit/ollama-server.ts';
import { removeKeys, startTestRedis, uniquePrefix } from '../test/kit/redis.ts';
import { benchResult, isMainModule, numberArgument, printTable, round, runAsScript, spreadOf, type BenchResult } from './bench-report.ts';

export interface QueueHandoffOptions {
  /** Jobs per side. */
  jobs: number;
  /** Jobs per side before measuring (not counted). */
  warmUp: number;
  /** The two sides alternate every this many jobs. */
  roundSize: number;
}

export const defaultQueueHandoffOptions: QueueHandoffOptions = { jobs: 1000, warmUp: 50, roundSize: 100 };

/** Resolves when a job has ended (completed or failed), by job id. */
function jobEnds(events: QueueEvents): (jobId: string) => Promise<void> {
  const waiting = new Map<string, () => void>();
  const ended = new Set<string>();
  const settle = ({ jobId }: { jobId: string }) => {
    const resolve = waiting.get(jobId);
    if (resolve) {
      waiting.delete(jobId);
      resolve();
    } else ended.add(jobId);
  };
  events.on('completed', settle);
  events.on('failed', settle);
  return (jobId) => (ended.delete(jobId) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(jobId, resolve)));
}

interface Side {
  name: string;
  /** Enqueues job `index`; resolves to its job id once `add` returned. */
  add(index: number): Promise<string>;
  started: Map<number, number>;
  ended(jobId: string): Promise<void>;
  addMs: number[];
  handoffMs: number[];
}

const taskIdOf = (index: number) => `bench-${index}`;
const indexOf = (taskId: string) => Number(taskId.slice('bench-'.length));
const payload = (index: number): WorkJobInput => ({
  taskId: taskIdOf(index),
  repo: { owner: 'acme', name: 'calc' },
  request: 'fix add so that it adds, and cover negative numbers',
  difficulty: 'medium',
  reflection: true,
  requester: 'UDEV1',
});

async function handOff(side: Side, index: number, measure: boolean): Promise<void> {
  const began = performance.now();
  const jobId = await side.add(index);
  const added = performance.now();
  await side.ended(jobId);
  const started = side.started.get(index);
  if (started === undefined) throw new Error(`${side.name}: job ${index} ended without starting`);
  if (!measure) return;
  side.addMs.push(added - began);
  side.handoffMs.push(started - began);
}

export async function runQueueHandoff(options: QueueHandoffOptions = defaultQueueHandoffOptions): Promise<BenchResult> {
  const redis = await startTestRedis();
  const ollama = await startOllamaServer(); // never asked: every task stops before its first persona
  const workspaceDir = await mkdtemp(join(tmpdir(), 'tandem-bench-handoff-'));
  const tandemPrefix = uniquePrefix('bench-handoff');
  const barePrefix = uniquePrefix('bench-handoff-bare');
  const config = loadConfig({ REDIS_URL: redis.url, QUEUE_PREFIX: tandemPrefix, WORKER_OLLAMA_URL: ollama.url, WORKSPACE_DIR: workspaceDir, TANDEM_HOME: workspaceDir, LOG_LEVEL: 'silent' });
  const tandemConnection = createRedisConnection(redis.url);
  const tandemQueue = createQueue(queueNames.work, tandemConnection, tandemPrefix);
  const connections = [new Redis(redis.url, { maxRetriesPerRequest: null }), new Redis(redis.url, { maxRetriesPerRequest: null })];
  const bareQueue = new Queue('work', { connection: connections[0]!, prefix: barePrefix });
  const bareStarted = new Map<number, number>();
  const bareWorker = new Worker(
    'work',
    async (job) => {
      bareStarted.set(indexOf(job.data.taskId), performance.now());
      throw new UnrecoverableError('the hand-off benchmark stops every job once it starts');
    },
    { connection: connections[1]!, prefix: barePrefix },
  );
  // One QueueEvents per side tells when a job ended, so the next one finds the worker idle.
  const bareEvents = new QueueEvents('work', { connection: { url: redis.url }, prefix: barePrefix });
  const tandemEvents = new QueueEvents(queueNames.work, { connection: { url: redis.url }, prefix: tandemPrefix });
  const tandemStarted = new Map<number, number>();
  const workspace: Workspace = {
    async open(input) {
      tandemStarted.set(indexOf(input.taskId), performance.now());
      throw new TandemError('benchmark_stop', 'the hand-off benchmark stops every task when its workspace opens');
    },
  };
  let worker: WorkerRole | undefined;
  try {
    worker = await startWorkerRole({ config, redisUrl: redis.url, logger: silentLogger, workspace });
    await Promise.all([bareWorker.waitUntilReady(), bareEvents.waitUntilReady(), tandemEvents.waitUntilReady()]);
    const tandem: Side = {
      name: "tandem's queue layer",
      add: async (index) => (await addWorkJob(tandemQueue, payload(index)), `${taskIdOf(index)}-1`),
      started: tandemStarted,
      ended: jobEnds(tandemEvents),
      addMs: [],
      handoffMs: [],
    };
    const bare: Side = {
      name: 'bare BullMQ',
      add: async (index) => (await bareQueue.add('work', payload(index))).id!,
      started: bareStarted,
      ended: jobEnds(bareEvents),
      addMs: [],
      handoffMs: [],
    };

    let next = 0;
    for (let count = 0; count < options.warmUp; count += 1) {
      await handOff(bare, next++, false);
      await handOff(tandem, next++, false);
    }
    for (let done = 0; done < options.jobs; done += options.roundSize) {
      const count = Math.min(options.roundSize, options.jobs - done);
      for (const side of [bare, tandem]) for (let job = 0; job < count; job += 1) await handOff(side, next++, true);
    }

    const spreads = [bare, tandem].map((side) => ({ side, add: spreadOf(side.addMs), handoff: spreadOf(side.handoffMs) }));
    const [bareSpread, tandemSpread] = spreads as [(typeof spreads)[0], (typeof spreads)[0]];
    const p50Ratio = round(tandemSpread.handoff.p50 / bareSpread.handoff.p50);
    const p99Ratio = round(tandemSpread.handoff.p99 / bareSpread.handoff.p99);
    const meanRatio = round(tandemSpread.handoff.mean / bareSpread.handoff.mean);
    console.log(`Queue hand-off: ${options.jobs} jobs per side, one at a time on an idle worker, alternating every ${options.roundSize}\n`);
    printTable(
      ['path', 'jobs', 'add() p50 ms', 'enqueue → start p50 ms', 'p99 ms', 'mean ms'],
      spreads.map(({ side, add, handoff }) => [side.name, String(handoff.count), add.p50.toFixed(2), handoff.p50.toFixed(2), handoff.p99.toFixed(2), handoff.mean.toFixed(2)]),
    );
    console.log(`\nratio tandem ÷ bare BullMQ (enqueue → start): p50 ${p50Ratio}×, p99 ${p99Ratio}×, mean ${meanRatio}×`);

    return benchResult({
      name: 'queue-handoff',
      title: 'Queue hand-off (enqueue → processing start)',
      parameters: { ...options },
      headlines: [
        {
          measure: `enqueue → processing start p50, ${options.jobs} jobs`,
          tandem: `${tandemSpread.handoff.p50.toFixed(2)} ms`,
          baseline: `${bareSpread.handoff.p50.toFixed(2)} ms`,
          ratio: p50Ratio,
          target: '≤ 1.3×',
          met: p50Ratio <= 1.3,
        },
        { measure: 'enqueue → processing start p99', tandem: `${tandemSpread.handoff.p99.toFixed(2)} ms`, baseline: `${bareSpread.handoff.p99.toFixed(2)} ms`, ratio: p99Ratio, target: '—', met: undefined },
      ],
      details: { tandem: { add: tandemSpread.add, handoff: tandemSpread.handoff }, bare: { add: bareSpread.add, handoff: bareSpread.handoff }, p50Ratio, p99Ratio, meanRatio },
    });
  } finally {
    await worker?.close();
    await Promise.all([bareWorker.close(), bareEvents.close(), tandemEvents.close(), bareQueue.close(), tandemQueue.close()]);
    await Promise.all([removeKeys(redis.url, barePrefix), removeKeys(redis.url, tandemPrefix)]);
    await Promise.all([...connections, tandemConnection].map((connection) => connection.quit()));
    await Promise.all([ollama.close(), redis.close(), rm(workspaceDir, { recursive: true, force: true })]);
  }
}

if (isMainModule(import.meta.url)) {
  await runAsScript(() => runQueueHandoff({ ...defaultQueueHandoffOptions, jobs: numberArgument('jobs', defaultQueueHandoffOptions.jobs), roundSize: numberArgument('round-size', defaultQueueHandoffOptions.roundSize) }));
}
