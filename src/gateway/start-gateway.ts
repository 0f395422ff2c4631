import { hostname } from 'node:os';
import type { App } from '@slack/bolt';
import type { Config } from '../config.ts';
import { Conversation } from '../conversation/conversation.ts';
import { AccessPolicy } from '../conversation/access-policy.ts';
import { TandemError } from '../errors.ts';
import { createOctokit, OctokitPullRequests } from '../github/octokit-pull-requests.ts';
import type { PullRequests } from '../github/pull-requests.ts';
import type { Logger } from '../logger.ts';
import type { ModelClient } from '../models/model-client.ts';
import { OllamaModelClient } from '../models/ollama-model-client.ts';
import { OllamaResidency } from '../models/ollama-residency.ts';
import { publishCancel } from '../queue/cancel-channel.ts';
import { createQueue, createRedisConnection, queueNames } from '../queue/queues.ts';
import { BackgroundWork } from '../slack/background-work.ts';
import { ChannelWriter } from '../slack/channel-writer.ts';
import { createSlackApp } from '../slack/slack-app.ts';
import { registerSlackListeners } from '../slack/slack-listeners.ts';
import { SlackSurface } from '../slack/slack-surface.ts';
import { TaskStore } from '../tasks/task-store.ts';
import { createReportWriter, createScreener } from './gateway-personas.ts';
import { forwardProgress } from './progress-forwarder.ts';
import { consumeReports } from './report-consumer.ts';
import { machineStatus } from './machine-status.ts';

export interface GatewayRoleOptions {
  config: Config;
  redisUrl: string;
  logger: Logger;
  /** Seams with production defaults built from the config. */
  models?: ModelClient;
  pullRequests?: PullRequests;
  /** The Web API client's options for Bolt (tests shorten retries). */
  slackClientOptions?: Parameters<typeof createSlackApp>[0]['clientOptions'];
  now?: () => number;
}

export interface GatewayRole {
  readonly app: App;
  /** Stops Slack intake, finishes the work in hand, closes connections. Idempotent. */
  close(): Promise<void>;
}

/** Names every variable the gateway needs and lacks, in one error. */
function requireGatewaySettings(config: Config): void {
  const missing: string[] = [];
  if (!config.slack.botToken) missing.push('SLACK_BOT_TOKEN: the bot token (xoxb-…) from the Slack app’s OAuth page');
  if (!config.slack.appToken && !config.slack.signingSecret) {
    missing.push('SLACK_APP_TOKEN (Socket Mode, xapp-…) or SLACK_SIGNING_SECRET (HTTP mode): one of them is required');
  }
  if (!config.github.token) missing.push('GITHUB_TOKEN: a token that can push branches and open pull requests');
  if (missing.length > 0) throw new TandemError('config_invalid', `the gateway cannot start:\n  ${missing.join('\n  ')}`);
}

/** The MacBook side: Slack in and out, screening and routing, progress relay, reports and PRs. */
export async function startGatewayRole(options: GatewayRoleOptions): Promise<GatewayRole> {
  const { config, logger } = options;
  requireGatewaySettings(config);
  const prefix = config.redis.prefix;
  const now = options.now ?? Date.now;
  const commands = createRedisConnection(options.redisUrl);
  const eventsConnection = createRedisConnection(options.redisUrl);
  const reportConnection = createRedisConnection(options.redisUrl);
  const workQueue = createQueue(queueNames.work, commands, prefix);
  const tasks = new TaskStore({ redis: commands, prefix, now });
  const models = options.models ?? new OllamaModelClient({ host: config.ollama.routerUrl });
  const residency = new OllamaResidency({ host: config.ollama.routerUrl });

  const app = createSlackApp({ slack: config.slack, logger, clientOptions: options.slackClientOptions });
  const surface = new SlackSurface({ client: app.client, writer: new ChannelWriter({ minIntervalMs: config.slack.writeIntervalMs }), logger });
  const pullRequests =
    options.pullRequests ??
    new OctokitPullRequests({ octokit: createOctokit({ token: config.github.token!, baseUrl: config.github.apiUrl, logger }), logger });
  const conversation = new Conversation({
    surface,
    tasks,
    access: new AccessPolicy(config.access),
    workQueue,
    screener: createScreener({ client: models, config, logger }),
    reportWriter: createReportWriter({ client: models, config, logger }),
    pullRequests,
    canceller: { cancel: async (taskId) => void (await publishCancel(commands, prefix, taskId)) },
    status: machineStatus({ workQueue, config }),
    mergeMethod: config.github.mergeMethod,
    logger,
    now,
  });
  const background = new BackgroundWork(logger);
  registerSlackListeners(app, { conversation, tasks, background, logger });
  app.error(async (error) => {
    logger.error({ err: error, code: error.code }, 'slack app error');
  });

  const progress = await forwardProgress({ connection: eventsConnection, prefix, logger, deliver: (taskId, event) => conversation.progress(taskId, event) });
  const reports = consumeReports({
    connection: reportConnection,
    prefix,
    logger,
    deliver: (report) => conversation.report(report),
    undeliverable: (report, problem) => conversation.reportUndeliverable(report, problem),
  });
  // The gateway's model stays resident (DESIGN §4); a missing model is a warning, not a stop.
  void residency.load(config.models.router, -1).catch((error: unknown) => logger.warn({ err: error }, 'could not warm the router model'));
  await app.start();
  logger.info({ mode: config.slack.appToken ? 'socket' : 'http', port: config.slack.appToken ? undefined : config.slack.port, host: hostname() }, 'gateway started');

  let closing: Promise<void> | undefined;
  return {
    app,
    close() {
      closing ??= (async () => {
        await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping the Slack app'));
        await reports.close();
        await progress.close();
        await background.drain();
        await surface.idle();
        await workQueue.close();
        await Promise.allSettled([commands.quit(), eventsConnection.quit(), reportConnection.quit()]);
      })();
      return closing;
    },
  };
}
