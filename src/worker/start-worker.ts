import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ModelClient } from '../models/model-client.ts';
import { OllamaModelClient } from '../models/ollama-model-client.ts';
import { RetryingModelClient, type ModelRetryOptions } from '../models/retrying-model-client.ts';
import { subscribeCancel } from '../queue/cancel-channel.ts';
import { createQueue, createRedisConnection, queueNames } from '../queue/queues.ts';
import { redisErrorListener } from '../queue/redis-errors.ts';
import { ModelMemory } from '../models/model-memory.ts';
import { OllamaResidency } from '../models/ollama-residency.ts';
import { frontierCoder } from './pipeline/frontier-coder.ts';
import { PersonaCaller } from './pipeline/persona-caller.ts';
import { ProcessTestRunner } from './test-runner/process-test-runner.ts';
import type { TestRunner } from './test-runner/test-runner.ts';
import { WorkerRegistration } from './worker-registration.ts';
import { createWorkProcessor, shutdownReason } from './work-processor.ts';
import { GitWorkspace } from './workspace/git-workspace.ts';
import { IdleCopySweeper } from './workspace/idle-copy-sweeper.ts';
import type { Workspace } from './workspace/workspace.ts';

export interface WorkerRoleOptions {
  config: Config;
  redisUrl: string;
  logger: Logger;
  /** Seams with production defaults built from the config. */
  models?: ModelClient;
  workspace?: Workspace;
  testRunner?: TestRunner;
  now?: () => number;
  /**
   * Upper bound of one model call, model loading included (default: the config's
   * `MODEL_TIMEOUT_SECONDS`, 15 min).
   */
  modelTimeoutMs?: number;
  /** Retries of a failed model call before the job's own retries (default 3 tries, 2 s doubling). */
  modelRetry?: Omit<ModelRetryOptions, 'logger'>;
  /** What the worker's Ollama holds (for the memory budget); default: `/api/ps` at WORKER_OLLAMA_URL. */
  residency?: OllamaResidency;
  /** The `fetch` the frontier model client uses (default: `modelCallFetch`). */
  fetch?: typeof fetch;
  /** How often this worker refreshes its registration for `/tandem status` (default 5 s). */
  heartbeatMs?: number;
}

export interface WorkerRole {
  readonly name: string;
  /** Stops taking jobs; running ones go back to the queue at their last checkpoint. Idempotent. */
  close(): Promise<void>;
}

/** The production test runner, its sandbox detected and logged (rejects with `sandbox_unavailable`). */
async function processTestRunner(config: Config, logger: Logger): Promise<TestRunner> {
  const runner = new ProcessTestRunner({ logger, sandbox: config.worker.sandbox });
  await runner.sandbox();
  return runner;
}

/**
 * The production workspace, kept working copies under WORKSPACE_DIR, with the sweeper that
 * deletes those left unused for WORKSPACE_KEEP_DAYS (none when it is 0). A workspace handed
 * in instead is its owner's to tidy.
 */
function gitWorkspace(config: Config, logger: Logger): { workspace: Workspace; sweeper?: IdleCopySweeper } {
  const workspace = new GitWorkspace({ root: config.paths.workspaces, remoteUrlTemplate: config.github.remoteUrlTemplate, token: config.github.token, logger });
  const maxIdleMs = config.worker.keepCopiesMs;
  if (maxIdleMs === 0) return { workspace };
  return { workspace, sweeper: new IdleCopySweeper({ removeIdleCopies: (idleMs) => workspace.removeIdleCopies(idleMs), maxIdleMs, logger }) };
}

/** The Mac Mini side: drains the `work` queue through the persona pipeline. */
export async function startWorkerRole(options: WorkerRoleOptions): Promise<WorkerRole> {
  const { config, logger } = options;
  // Unique even for two roles in one process (each has its own registration).
  const name = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const prefix = config.redis.prefix;
  // The sandbox is chosen before the worker takes a job: a TEST_SANDBOX this machine cannot
  // provide stops the start with its reason, instead of failing every task that reaches its tests.
  const testRunner = options.testRunner ?? (await processTestRunner(config, logger));
  const commands = createRedisConnection(options.redisUrl, { logger, name: 'worker commands' });
  const subscriber = createRedisConnection(options.redisUrl, { logger, name: 'worker cancel subscriber' });
  // BullMQ does not close connections it was handed; close() quits all three.
  const workerConnection = createRedisConnection(options.redisUrl, { logger, name: 'worker blocking' });
  const reportQueue = createQueue(queueNames.report, commands, prefix);
  reportQueue.on('error', redisErrorListener(logger, 'report queue'));

  const { workspace, sweeper } = options.workspace ? { workspace: options.workspace, sweeper: undefined } : gitWorkspace(config, logger);
  const dependencies = {
    workspace,
    testRunner,
    personas: new PersonaCaller({
      client: new RetryingModelClient(
        options.models ?? new OllamaModelClient({ host: config.ollama.workerUrl, timeoutMs: options.modelTimeoutMs ?? config.worker.modelTimeoutMs }),
        { ...options.modelRetry, logger },
      ),
      models: config.models,
      residentModel: config.models.worker,
      idleRelease: config.worker.idleRelease,
      maxContext: config.worker.maxContext,
      memory: new ModelMemory({
        residency: options.residency ?? new OllamaResidency({ host: config.ollama.workerUrl }),
        budgetBytes: config.worker.memoryBytes,
        residentModel: config.models.worker,
        maxContext: config.worker.maxContext,
        logger,
      }),
      frontier: frontierCoder(config, options.fetch),
      logger,
    }),
    coderMaxAttempts: config.worker.coderMaxAttempts,
    testTimeoutMs: config.worker.testTimeoutMs,
    testCommands: config.worker.testCommands,
    setupCommands: config.worker.setupCommands,
    logger,
    now: options.now ?? Date.now,
  };

  const shutdown = new AbortController();
  const worker = new Worker(queueNames.work, createWorkProcessor({ dependencies, reportQueue, logger, shutdown: shutdown.signal }), {
    connection: workerConnection,
    prefix,
    name,
    concurrency: config.worker.concurrency,
    lockDuration: config.worker.lockMs,
    stalledInterval: config.worker.lockMs,
    maxStalledCount: 3,
    autorun: false,
  });
  worker.on('error', redisErrorListener(logger, 'work worker'));
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, reason: error.message }, 'work job failed'));

  // Job ids are `<taskId>-<iteration>` (see workJobId); cancellation names the task.
  const runningJobs = new Set<string>();
  worker.on('active', (job) => runningJobs.add(String(job.id)));
  const forget = (job: { id?: string } | undefined) => job?.id && runningJobs.delete(job.id);
  worker.on('completed', forget);
  worker.on('failed', forget);
  const isIterationOf = (jobId: string, taskId: string) =>
    jobId.startsWith(`${taskId}-`) && /^\d+$/.test(jobId.slice(taskId.length + 1));

  // `/tandem cancel` publishes the task id; whichever worker runs it aborts it.
  const unsubscribe = await subscribeCancel(subscriber, prefix, (taskId) => {
    for (const jobId of runningJobs) if (isIterationOf(jobId, taskId)) worker.cancelJob(jobId, 'cancelled');
  });

  // Many workers: registered for `/tandem status`, with a heartbeat; removed in close().
  const registration = new WorkerRegistration({
    redis: commands, prefix, name, models: config.models, concurrency: config.worker.concurrency,
    runningJobs: () => runningJobs, logger, now: dependencies.now, heartbeatMs: options.heartbeatMs,
  });
  await registration.start();
  for (const event of ['active', 'completed', 'failed'] as const) worker.on(event, () => registration.refreshSoon());

  void worker.run().catch((error: unknown) => logger.error({ err: error }, 'worker stopped'));
  await worker.waitUntilReady();
  sweeper?.start();
  logger.info({ worker: name, prefix, concurrency: config.worker.concurrency, models: config.models }, 'worker ready');

  let closing: Promise<void> | undefined;
  return {
    name,
    close() {
      closing ??= (async () => {
        logger.info({ worker: name }, 'worker shutting down');
        // Stop taking jobs before anything else, then hand the running ones back at their checkpoint.
        const stopped = worker.close();
        shutdown.abort(shutdownReason);
        worker.cancelAllJobs(shutdownReason);
        await unsubscribe();
        await stopped;
        await sweeper?.close();
        await registration.close().catch((error: unknown) => logger.warn({ err: error }, 'could not remove the worker registration'));
        await reportQueue.close();
        await Promise.allSettled([commands.quit(), subscriber.quit(), workerConnection.quit()]);
      })();
      return closing;
    },
  };
}
