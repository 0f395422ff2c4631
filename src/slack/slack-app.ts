import { App, LogLevel, type AppOptions } from '@slack/bolt';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { boltLogger } from './bolt-logger.ts';

export interface SlackAppOptions {
  slack: Config['slack'];
  logger: Logger;
  /** The Web API client's retry policy (tests shorten it). */
  clientOptions?: AppOptions['clientOptions'];
}

/**
 * The Bolt app: Socket Mode when `SLACK_APP_TOKEN` is set (behind NAT), otherwise HTTP on
 * `PORT` at `/slack/events` with signatures verified. `SLACK_API_URL` reaches every Web
 * API client, Socket Mode's `apps.connections.open` included.
 */
export function createSlackApp(options: SlackAppOptions): App {
  const { slack } = options;
  const clientOptions = { ...options.clientOptions, slackApiUrl: slack.apiUrl };
  const logger = boltLogger(options.logger);
  const level = options.logger.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.INFO;
  if (slack.appToken) {
    // Its own copy for the Socket Mode client, which writes its retry policy into the object
    // it is given; shared, that policy would reach every listener's client.
    const installerOptions = { clientOptions: { ...clientOptions } };
    return new App({ token: slack.botToken, appToken: slack.appToken, socketMode: true, clientOptions, installerOptions, logger, logLevel: level });
  }
  return new App({
    token: slack.botToken,
    signingSecret: slack.signingSecret,
    port: slack.port,
    clientOptions,
    logger,
    logLevel: level,
  });
}
