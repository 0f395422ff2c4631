import { App, LogLevel, type AppOptions } from '@slack/bolt';
import type { RetryOptions } from '@slack/web-api';
import type { Config } from '../config.ts';
import { bufferedFetch } from '../buffered-fetch.ts';
import type { Logger } from '../logger.ts';
import { boltLogger } from './bolt-logger.ts';

export interface SlackAppOptions {
  slack: Config['slack'];
  logger: Logger;
  /** The Web API client's retry policy (tests shorten it). */
  clientOptions?: AppOptions['clientOptions'];
}

/**
 * How the Web API client retries a call that got a 429 (after waiting `Retry-After`), a 5xx or
 * no answer: at most 5 more tries, 0.5 s, 1 s, 2 s, 4 s, 8 s apart (randomized ×1–2), and never
 * past 2 minutes in all. WebClient's own default (10 tries over ~30 minutes) would hold a
 * channel's writes behind one call through a whole Slack outage; a longer outage is the
 * report job's retries' business, not one write's.
 */
export const slackRetryPolicy: RetryOptions = {
  retries: 5,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 30_000,
  maxRetryTime: 120_000,
  randomize: true,
};

/**
 * The Bolt app: Socket Mode when `SLACK_APP_TOKEN` is set (behind NAT), otherwise HTTP on
 * `PORT` at `/slack/events` with signatures verified. `SLACK_API_URL` reaches every Web
 * API client, Socket Mode's `apps.connections.open` included.
 */
export function createSlackApp(options: SlackAppOptions): App {
  const { slack } = options;
  // Web API calls are request and answer: `bufferedFetch` saves each about a millisecond of CPU.
  const clientOptions = { retryConfig: slackRetryPolicy, fetch: bufferedFetch, ...options.clientOptions, slackApiUrl: slack.apiUrl };
  const logger = boltLogger(options.logger);
  const level = options.logger.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.INFO;
  if (slack.appToken) {
    // Its own copy for the Socket Mode client, which writes its retry policy into the object
    // it is given; shared, that policy would reach every listener's client. Without a
    // retryConfig of its own it keeps its long one (apps.connections.open must outlast an outage).
    const { retryConfig: _writePolicy, ...socketClientOptions } = clientOptions;
    const installerOptions = { clientOptions: socketClientOptions };
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
