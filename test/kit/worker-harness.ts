import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig, type Config, type Environment } from '../../src/config.ts';
import { silentLogger, type Logger } from '../../src/logger.ts';
import { createQueue, createRedisConnection, queueNames } from '../../src/queue/queues.ts';
import type { ProgressEvent } from '../../src/queue/progress-event.ts';
import { parseReportJob, reportJobId } from '../../src/queue/queues.ts';
import type { ReportJob } from '../../src/queue/report-job.ts';
import { startWorkerRole, type WorkerRole } from '../../src/worker/start-worker.ts';
import { createRemoteRoot, type RemoteRoot } from './git-repos.ts';
import { startOllamaServer, type LoopbackOllama } from './ollama-server.ts';
import { removeKeys, startTestRedis, uniquePrefix, type TestRedis } from './redis.ts';
import { waitFor } from './wait-for.ts';

/** Everything a worker test needs: Redis, bare remotes, a loopback Ollama and queues. */
export interface WorkerHarness {
  redis: TestRedis;
  prefix: string;
  remotes: RemoteRoot;
  ollama: LoopbackOllama;
  workspaceDir: string;
  /** The environment a worker process of this harness runs with. */
  environment: Environment;
  config: Config;
  connection: Redis;
  workQueue: Queue;
  reportQueue: Queue;
  progress: { jobId: string; event: ProgressEvent }[];
  /** Starts an in-process worker role (closed by `close`). */
  startWorker(overrides?: Environment, logger?: Logger): Promise<WorkerRole>;
  /** Closes every worker started so far. */
  closeWorkers(): Promise<void>;
  waitForReport(taskId: string, iteration?: number, timeoutMs?: number): Promise<ReportJob>;
  close(): Promise<void>;
}

export async function createWorkerHarness(label: string, overrides: Environment = {}): Promise<WorkerHarness> {
  const redis = await startTestRedis();
  const prefix = uniquePrefix(label);
  const remotes = await createRemoteRoot();
  const ollama = await startOllamaServer();
  const workspaceDir = await mkdtemp(join(tmpdir(), 'tandem-workspaces-'));
  const environment: Environment = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    WORKER_OLLAMA_URL: ollama.url,
    ROUTER_OLLAMA_URL: ollama.url,
    GIT_REMOTE_URL: remotes.urlTemplate,
    WORKSPACE_DIR: workspaceDir,
    TANDEM_HOME: workspaceDir,
    LOG_LEVEL: 'silent',
    TEST_TIMEOUT_SECONDS: '120',
    // A Mac Mini's budget: the loopback's default worker model is as big as the real one (52 GB).
    WORKER_MEMORY_GB: '64',
    ...overrides,
  };
  const config = loadConfig(environment);
  const connection = createRedisConnection(redis.url);
  const workQueue = createQueue(queueNames.work, connection, prefix);
  const reportQueue = createQueue(queueNames.report, connection, prefix);
  const events = new QueueEvents(queueNames.work, { connection: { url: redis.url }, prefix });
  const progress: WorkerHarness['progress'] = [];
  events.on('progress', ({ jobId, data }) => progress.push({ jobId, event: data as ProgressEvent }));
  events.on('error', () => undefined); // a Redis restart in a reliability test is expected
  await events.waitUntilReady();
  const workers: WorkerRole[] = [];

  return {
    redis,
    prefix,
    remotes,
    ollama,
    workspaceDir,
    environment,
    config,
    connection,
    workQueue,
    reportQueue,
    progress,
    async startWorker(extra = {}, logger = silentLogger) {
      const worker = await startWorkerRole({
        config: loadConfig({ ...environment, ...extra }),
        redisUrl: redis.url,
        logger,
      });
      workers.push(worker);
      return worker;
    },
    async closeWorkers() {
      await Promise.all(workers.splice(0).map((worker) => worker.close()));
    },
    waitForReport(taskId, iteration = 1, timeoutMs = 90_000) {
      return waitFor(
        async () => {
          // The report's own id: one lookup, however many reports the queue holds (a benchmark runs beside this).
          const job = await reportQueue.getJob(reportJobId(taskId, iteration));
          return job ? parseReportJob(job.data) : undefined;
        },
        `the report of ${taskId}#${iteration}`,
        timeoutMs,
      );
    },
    async close() {
      await Promise.all(workers.splice(0).map((worker) => worker.close()));
      await events.close();
      await workQueue.close();
      await reportQueue.close();
      await removeKeys(redis.url, prefix);
      await connection.quit();
      await ollama.close();
      await redis.close();
      await remotes.remove();
      await rm(workspaceDir, { recursive: true, force: true });
    },
  };
}
