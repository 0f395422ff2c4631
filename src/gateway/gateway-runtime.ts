import type { Config } from '../config.ts';
import { AccessPolicy } from '../conversation/access-policy.ts';
import { Conversation } from '../conversation/conversation.ts';
import type { Surface } from '../conversation/surface.ts';
import type { PullRequests } from '../github/pull-requests.ts';
import type { Logger } from '../logger.ts';
import type { ModelClient } from '../models/model-client.ts';
import { OllamaModelClient } from '../models/ollama-model-client.ts';
import { OllamaResidency } from '../models/ollama-residency.ts';
import { warmUpRules } from '../guardrail/rules.ts';
import { publishCancel } from '../queue/cancel-channel.ts';
import { createQueue, createRedisConnection, queueNames } from '../queue/queues.ts';
import { redisErrorListener } from '../queue/redis-errors.ts';
import { TaskStore } from '../tasks/task-store.ts';
import { createReportWriter, createScreener } from './gateway-personas.ts';
import { machineStatus } from './machine-status.ts';
import { forwardProgress } from './progress-forwarder.ts';
import { consumeReports } from './report-consumer.ts';

export interface GatewayRuntimeOptions {
  config: Config;
  redisUrl: string;
  surface: Surface;
  pullRequests: PullRequests;
  logger: Logger;
  /** Overrides the access settings (the console's one user is its lead). */
  access?: Config['access'];
  models?: ModelClient;
  now?: () => number;
}

export interface GatewayRuntime {
  conversation: Conversation;
  tasks: TaskStore;
  /** Stops relaying progress and delivering reports, then closes connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Everything of the gateway but its surface: the conversation over Redis, the progress
 * relay from the workers, the report consumer. Slack and the console each put their
 * surface in front of it.
 */
export async function startGatewayRuntime(options: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const { config, logger } = options;
  const prefix = config.redis.prefix;
  const commands = createRedisConnection(options.redisUrl, { logger, name: 'gateway commands' });
  const eventsConnection = createRedisConnection(options.redisUrl, { logger, name: 'gateway progress relay' });
  const reportConnection = createRedisConnection(options.redisUrl, { logger, name: 'gateway report consumer' });
  const workQueue = createQueue(queueNames.work, commands, prefix);
  // Unheard, BullMQ prints a restarting Redis' errors raw; the connection itself already logs them.
  workQueue.on('error', redisErrorListener(logger, 'work queue'));
  const tasks = new TaskStore({ redis: commands, prefix, now: options.now });
  const models = options.models ?? new OllamaModelClient({ host: config.ollama.routerUrl });
  const conversation = new Conversation({
    surface: options.surface,
    tasks,
    access: new AccessPolicy(options.access ?? config.access),
    workQueue,
    screener: createScreener({ client: models, config, logger }),
    reportWriter: createReportWriter({ client: models, config, logger }),
    pullRequests: options.pullRequests,
    canceller: { cancel: async (taskId) => void (await publishCancel(commands, prefix, taskId)) },
    status: machineStatus({ redis: commands, config, now: options.now ?? Date.now }),
    mergeMethod: config.github.mergeMethod,
    frontier: frontierOf(config),
    logger,
    now: options.now ?? Date.now,
  });
  // The relay first catches the threads up on what it missed, then the waiting reports are delivered.
  const progress = await forwardProgress({
    connection: eventsConnection,
    commands,
    prefix,
    logger,
    deliver: (taskId, event) => conversation.progress(taskId, event),
  });
  const reports = consumeReports({
    connection: reportConnection,
    prefix,
    logger,
    deliver: async (report) => {
      await progress.relayed(report.taskId);
      await conversation.report(report);
    },
    undeliverable: (report, problem) => conversation.reportUndeliverable(report, problem),
  });
  // Paid at start rather than by the first requests, which arrive while the first acks are due.
  warmUpRules();
  // The gateway's model stays resident (DESIGN §4); a failure here is only a warning.
  void new OllamaResidency({ host: config.ollama.routerUrl })
    .load(config.models.router, -1)
    .catch((error: unknown) => logger.warn({ err: error }, 'could not warm the router model'));

  let closing: Promise<void> | undefined;
  return {
    conversation,
    tasks,
    close() {
      closing ??= (async () => {
        await reports.close();
        await progress.close();
        await workQueue.close();
        await Promise.allSettled([commands.quit(), eventsConnection.quit(), reportConnection.quit()]);
      })();
      return closing;
    },
  };
}

/** The frontier model stuck tasks may be escalated to: set only when all three FRONTIER_* are. */
function frontierOf(config: Config): { model: string; origin: string } | undefined {
  const { apiUrl, apiKey, model } = config.frontier;
  return apiUrl && apiKey && model ? { model, origin: new URL(apiUrl).origin } : undefined;
}
