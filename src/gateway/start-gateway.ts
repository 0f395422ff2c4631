import { hostname } from 'node:os';
import type { App } from '@slack/bolt';
import type { Config } from '../config.ts';
import { TandemError } from '../errors.ts';
import { createOctokit, OctokitPullRequests } from '../github/octokit-pull-requests.ts';
import type { PullRequests } from '../github/pull-requests.ts';
import type { Logger } from '../logger.ts';
import type { ModelClient } from '../models/model-client.ts';
import { BackgroundWork } from '../slack/background-work.ts';
import { ChannelWriter } from '../slack/channel-writer.ts';
import { createSlackApp } from '../slack/slack-app.ts';
import { registerSlackListeners } from '../slack/slack-listeners.ts';
import { SlackSurface } from '../slack/slack-surface.ts';
import { startGatewayRuntime } from './gateway-runtime.ts';

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
  const app = createSlackApp({ slack: config.slack, logger, clientOptions: options.slackClientOptions });
  const surface = new SlackSurface({ client: app.client, writer: new ChannelWriter({ minIntervalMs: config.slack.writeIntervalMs }), logger });
  const pullRequests =
    options.pullRequests ??
    new OctokitPullRequests({ octokit: createOctokit({ token: config.github.token!, baseUrl: config.github.apiUrl, logger }), logger });
  const runtime = await startGatewayRuntime({ config, redisUrl: options.redisUrl, surface, pullRequests, logger, models: options.models, now: options.now });
  const background = new BackgroundWork(logger);
  registerSlackListeners(app, { conversation: runtime.conversation, tasks: runtime.tasks, background, logger });
  app.error(async (error) => {
    logger.error({ err: error, code: error.code }, 'slack app error');
  });
  try {
    await app.start();
  } catch (error) {
    await runtime.close();
    throw error;
  }
  logger.info({ mode: config.slack.appToken ? 'socket' : 'http', port: config.slack.appToken ? undefined : config.slack.port, host: hostname() }, 'gateway started');

  let closing: Promise<void> | undefined;
  return {
    app,
    close() {
      closing ??= (async () => {
        await app.stop().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping the Slack app'));
        await background.drain();
        await runtime.close();
        await surface.idle();
      })();
      return closing;
    },
  };
}
