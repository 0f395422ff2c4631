import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Config, Environment } from '../config.ts';
import { defaultExec, failed, formatDuration, withTimeout, type DoctorCheck, type DoctorContext, type DoctorExec, type DoctorReport } from './doctor-check.ts';
import { checkGitHub } from './github-checks.ts';
import { checkGit, checkNode } from './node-checks.ts';
import { checkOllama } from './ollama-checks.ts';
import { checkRedis } from './redis-checks.ts';
import { checkSlack } from './slack-checks.ts';

export type { DoctorCheck, DoctorExec, DoctorReport } from './doctor-check.ts';
export { formatDoctorReport } from './format-doctor-report.ts';

/** The project's own files, next to package.json. */
const projectFile = (name: string) => fileURLToPath(new URL(`../../${name}`, import.meta.url));

export interface DoctorOptions {
  config: Config;
  /** The environment programs run with (their PATH finds git and redis-server); `process.env` by default. */
  environment?: Environment;
  /** The fetch Ollama, Slack and GitHub are called with; the global fetch by default. */
  fetch?: typeof fetch;
  /** The clock, in epoch milliseconds (how long a loaded model stays). */
  now?: () => number;
  /** Runs `git --version` and `redis-server --version`; `execFile` by default. */
  exec?: DoctorExec;
  /** The longest one network call or program may take; default 5000 ms. */
  timeoutMs?: number;
  /** The Node version to judge; `process.versions.node` by default. */
  nodeVersion?: string;
  /** default `git`. */
  gitBinary?: string;
  /** The redis-server tandem would start when REDIS_URL is unset; default `redis-server`. */
  redisServerBinary?: string;
  /** default the project's `redis.conf`. */
  redisConfigPath?: string;
  /** The Slack app manifest whose bot scopes the token must have; default the project's `manifest.yml`. */
  manifestPath?: string;
  /** This machine's memory, compared with the size of each model a loopback Ollama serves; `os.totalmem()` by default. */
  memoryBytes?: number;
}

const defaultTimeoutMs = 5000;

/**
 * Checks every dependency of tandem: Node, git, Redis (or what tandem needs to start its own),
 * each Ollama and its models, the Slack tokens and scopes, and the GitHub token's access to each
 * allowed repository. The areas run at once and independently: one failing (or throwing) never
 * stops the others, and every network call gives up after `timeoutMs`. Slack and GitHub are
 * skipped (still `ok`) when their token is unset. No token or password appears in the report.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const context: DoctorContext = {
    config: options.config,
    environment: options.environment ?? process.env,
    fetch: options.fetch ?? globalThis.fetch,
    now: options.now ?? Date.now,
    exec: options.exec ?? defaultExec,
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    nodeVersion: options.nodeVersion ?? process.versions.node,
    gitBinary: options.gitBinary ?? 'git',
    redisServerBinary: options.redisServerBinary ?? 'redis-server',
    redisConfigPath: options.redisConfigPath ?? projectFile('redis.conf'),
    manifestPath: options.manifestPath ?? projectFile('manifest.yml'),
    memoryBytes: options.memoryBytes ?? totalmem(),
  };

  const areas: [string, () => Promise<DoctorCheck[]>][] = [
    ['Node', async () => [checkNode(context.nodeVersion)]],
    ['git', async () => [await checkGit(context)]],
    ['Redis', () => checkRedis(context)],
    ['Ollama', () => checkOllama(context)],
    ['Slack', () => checkSlack(context)],
    ['GitHub', () => checkGitHub(context)],
  ];
  // A backstop: each call inside an area has its own timeout; an area as a whole gets a few.
  const areaTimeoutMs = context.timeoutMs * 3;
  const results = await Promise.all(
    areas.map(([area, run]) =>
      withTimeout(run(), areaTimeoutMs).catch((error: unknown): DoctorCheck[] => [
        failed(
          area,
          (error as Error).name === 'TimeoutError'
            ? `no complete answer within ${formatDuration(areaTimeoutMs)}`
            : `the check itself failed: ${error instanceof Error ? error.message : String(error)}`,
          `run \`tandem doctor\` again; if ${area} keeps failing this way, check it by hand`,
        ),
      ]),
    ),
  );
  const redact = secretRedactor(options.config);
  const checks = results.flat().map((check) => ({
    ...check,
    name: redact(check.name),
    detail: redact(check.detail),
    ...(check.fix === undefined ? {} : { fix: redact(check.fix) }),
  }));
  return { checks, ok: checks.every((check) => check.ok) };
}

/** Replaces every configured secret (tokens, signing secret, Redis password, API key) found in a text. */
function secretRedactor(config: Config): (text: string) => string {
  const redisPasswords: string[] = [];
  try {
    const password = config.redis.url ? new URL(config.redis.url).password : '';
    redisPasswords.push(password, decodeURIComponent(password));
  } catch {
    // an unparsable URL has no password to hide
  }
  const secrets = [
    config.slack.botToken,
    config.slack.appToken,
    config.slack.signingSecret,
    config.github.token,
    config.frontier.apiKey,
    ...redisPasswords,
  ].filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4);
  return (text) => secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
}
