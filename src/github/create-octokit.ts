import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import { silentLogger, type Logger } from '../logger.ts';

/** The Octokit tandem talks to GitHub with: REST methods plus the retry and throttling plugins. */
export const TandemOctokit = Octokit.plugin(retry, throttling);
export type TandemOctokit = InstanceType<typeof TandemOctokit>;

export const defaultGitHubApiUrl = 'https://api.github.com';

export interface CreateOctokitOptions {
  /** `GITHUB_TOKEN`: sent as `Authorization: token …`, never logged. */
  token: string;
  /** `GITHUB_API_URL`; `https://api.github.com` when absent (GitHub Enterprise: `https://host/api/v3`). */
  baseUrl?: string;
  /** The fetch to send requests with (tests and proxies); the global fetch when absent. */
  fetch?: typeof fetch;
  logger?: Logger;
  /** How many times a request is tried again after a 5xx, a network failure or a rate limit. Default 3. */
  retries?: number;
  /**
   * Milliseconds per unit of waiting: the retry plugin waits (attempt)² units after a 5xx, the
   * throttling plugin waits `Retry-After` (or until `x-ratelimit-reset`) units. Default 1000
   * (GitHub's seconds); tests shrink it.
   */
  retryUnitMs?: number;
  /**
   * Space writes the way GitHub asks integrators to (one at a time, ≥1 s apart, ≥3 s between
   * writes that notify people) to stay clear of secondary rate limits. Default true; tests
   * turn it off to run fast.
   */
  spaceWrites?: boolean;
}

/**
 * Statuses the retry plugin must not repeat: the request itself is wrong or refused (4xx), a
 * merge was refused (405, 409: repeating it could merge a head nobody approved), and rate
 * limits (403, 429), which the throttling plugin retries after the time GitHub asks for.
 */
const doNotRetry = [400, 401, 403, 404, 405, 409, 410, 422, 429, 451];

type LimitGroup = NonNullable<ThrottlingOptions['write']>;

/**
 * A Bottleneck group look-alike that lets every job through at once: what the throttling
 * plugin uses for its `write` and `notifications` groups when writes are not spaced.
 */
const unspacedGroup = {
  key: () => ({
    schedule: (_options: unknown, task: (...parameters: unknown[]) => unknown, ...parameters: unknown[]) =>
      Promise.resolve().then(() => task(...parameters)),
  }),
} as unknown as LimitGroup;

/** Octokit's own log lines, without the objects it attaches (they carry request headers). */
function octokitLog(logger: Logger) {
  return {
    debug: (message: string) => logger.trace({ component: 'octokit' }, message),
    // Octokit's request log: one line per request, `error` for every 4xx we handle ourselves.
    info: (message: string) => logger.debug({ component: 'octokit' }, message),
    warn: (message: string) => logger.warn({ component: 'octokit' }, message),
    error: (message: string) => logger.debug({ component: 'octokit' }, message),
  };
}

/**
 * Builds the Octokit for GitHub REST: token auth, the given base URL, 5xx and network
 * failures retried with backoff, primary and secondary rate limits waited out (up to
 * `retries` times each) and logged object-first without the token.
 */
export function createOctokit(options: CreateOctokitOptions): TandemOctokit {
  const logger = options.logger ?? silentLogger;
  const retries = options.retries ?? 3;
  const unitMs = options.retryUnitMs ?? 1000;
  const spaced = options.spaceWrites ?? true;

  const onLimit =
    (kind: 'primary' | 'secondary') =>
    (retryAfterSeconds: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const willRetry = retryCount < retries;
      logger.warn(
        { kind, method: request.method, route: request.url, retryAfterSeconds, retryCount, willRetry },
        willRetry ? 'GitHub rate limit hit; waiting before trying again' : 'GitHub rate limit hit; giving up',
      );
      return willRetry;
    };

  const throttle: ThrottlingOptions = {
    onRateLimit: onLimit('primary'),
    onSecondaryRateLimit: onLimit('secondary'),
    retryAfterBaseValue: unitMs,
    ...(spaced ? {} : { write: unspacedGroup, notifications: unspacedGroup }),
  };

  return new TandemOctokit({
    auth: options.token,
    baseUrl: (options.baseUrl ?? defaultGitHubApiUrl).replace(/\/+$/, ''),
    userAgent: 'tandem',
    log: octokitLog(logger),
    ...(options.fetch ? { request: { fetch: options.fetch } } : {}),
    retry: { retries, retryAfterBaseValue: unitMs, doNotRetry },
    throttle,
  });
}
