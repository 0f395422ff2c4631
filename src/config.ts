import { homedir, totalmem } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { TandemError } from './errors.ts';
import { sandboxChoices } from './worker/test-runner/sandbox.ts';

const repoName = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const repoList = list.pipe(
  z.array(z.string().regex(repoName, 'each entry must look like owner/repo')),
);

const url = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? fallback : value.trim()))
    .pipe(z.url({ message: 'must be a URL such as http://127.0.0.1:11434' }));

const wholeNumber = (fallback: number, minimum = 1) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? String(fallback) : value.trim()))
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number'))
    .transform(Number)
    .pipe(z.number().int().min(minimum, `must be at least ${minimum}`));

/** Gigabytes, whole or decimal (`56`, `47.5`); unset means undefined. */
const gigabytes = optionalText
  .pipe(z.string().regex(/^\d+(?:\.\d+)?$/, 'must be a number of gigabytes such as 56 or 47.5').optional())
  .transform((value) => (value === undefined ? undefined : Number(value)))
  .pipe(z.number().positive('must be more than 0').optional());

/**
 * The default worker memory budget: the machine's memory less headroom for macOS and the
 * worker itself — 12.5%, at least 4 GB (a 64 GB Mac Mini gets 56 GB, a 24 GB MacBook 20 GB).
 */
export function defaultMemoryBudgetBytes(machineBytes = totalmem()): number {
  return Math.max(machineBytes / 2, machineBytes - Math.max(4 * 1024 ** 3, machineBytes / 8));
}

/** `true`, `1`, `yes` or `on` (any case) is true; empty or unset is `fallback`. */
const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? String(fallback) : value.trim().toLowerCase()))
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'must be true or false' }))
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

/** Ollama's keep_alive duration: "10m", "30s", "1h", or a number of seconds. */
const duration = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? fallback : value.trim()))
    .pipe(z.string().regex(/^(\d+)(ms|s|m|h)?$/, 'must be a duration such as 30s, 10m or 1h'));

/** A JSON object of commands keyed `owner/repo`. */
const commandsByRepo = z
  .string()
  .optional()
  .transform((value, context) => {
    if (value === undefined || value.trim() === '') return {};
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be JSON such as {"acme/api": "npm run test:unit"}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().regex(repoName, 'keys must look like owner/repo'), z.string().min(1)));

const environmentSchema = z.object({
  SLACK_BOT_TOKEN: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_API_URL: url('https://slack.com/api/'),
  PORT: wholeNumber(3000, 0),
  REDIS_URL: optionalText.pipe(z.url({ message: 'must be a URL such as redis://:password@127.0.0.1:6379' }).optional()),
  QUEUE_PREFIX: optionalText.transform((value) => value ?? 'tandem').pipe(
    z.string().regex(/^[A-Za-z0-9_.-]+$/, 'may use letters, digits, dot, dash and underscore'),
  ),
  ROUTER_OLLAMA_URL: url('http://127.0.0.1:11434'),
  WORKER_OLLAMA_URL: url('http://127.0.0.1:11434'),
  ROUTER_MODEL: optionalText.transform((value) => value ?? 'qwen2.5:7b'),
  WORKER_MODEL: optionalText.transform((value) => value ?? 'qwen3-coder-next:q4_K_M'),
  PLANNER_MODEL: optionalText,
  CODER_MODEL: optionalText,
  REVIEWER_MODEL: optionalText,
  TESTER_MODEL: optionalText,
  DOCUMENTER_MODEL: optionalText,
  GITHUB_TOKEN: optionalText,
  GITHUB_API_URL: url('https://api.github.com'),
  GIT_REMOTE_URL: optionalText
    .transform((value) => value ?? 'https://github.com/{owner}/{repo}.git')
    .pipe(z.string().refine((value) => value.includes('{repo}'), 'must contain {repo} (and usually {owner})')),
  ALLOWED_REPOS: repoList,
  DEFAULT_REPO: optionalText.pipe(z.string().regex(repoName, 'must look like owner/repo').optional()),
  HUMAN_LEADS: list,
  ALLOWED_USERS: list,
  ALLOWED_CHANNELS: list,
  REQUIRE_SEPARATE_APPROVER: flag(false),
  TANDEM_HOME: optionalText,
  WORKSPACE_DIR: optionalText,
  FRONTIER_API_URL: optionalText.pipe(z.url({ message: 'must be a URL' }).optional()),
  FRONTIER_API_KEY: optionalText,
  FRONTIER_MODEL: optionalText,
  LOG_LEVEL: optionalText
    .transform((value) => value ?? 'info')
    .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  WORKER_CONCURRENCY: wholeNumber(1),
  WORKER_IDLE_RELEASE: duration('10m'),
  WORKER_MEMORY_GB: gigabytes,
  WORKER_LOCK_MS: wholeNumber(30_000, 1000),
  MODEL_TIMEOUT_SECONDS: wholeNumber(900),
  WORKER_MAX_CONTEXT: wholeNumber(32_768, 2048),
  CODER_MAX_ATTEMPTS: wholeNumber(3),
  TEST_TIMEOUT_SECONDS: wholeNumber(600),
  WORKSPACE_KEEP_DAYS: wholeNumber(30, 0),
  TEST_SANDBOX: optionalText.transform((value) => value ?? 'auto').pipe(z.enum(sandboxChoices)),
  TEST_COMMANDS: commandsByRepo,
  SETUP_COMMANDS: commandsByRepo,
  MERGE_METHOD: optionalText.transform((value) => value ?? 'squash').pipe(z.enum(['squash', 'merge', 'rebase'])),
  ROUTER_MAX_CONTEXT: wholeNumber(8192, 2048),
  SLACK_WRITE_INTERVAL_MS: wholeNumber(1000, 0).pipe(z.number().min(200, 'must be at least 200 (milliseconds): Slack takes about one message a second per channel, and 1000 is the default')),
});

export type Environment = Record<string, string | undefined>;

/** Every variable tandem reads (`.env.example` and the README list them all). */
export const environmentVariables: readonly string[] = Object.keys(environmentSchema.shape);

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

function build(environment: z.infer<typeof environmentSchema>) {
  const home = expandHome(environment.TANDEM_HOME ?? '~/.tandem');
  return {
    slack: {
      botToken: environment.SLACK_BOT_TOKEN,
      appToken: environment.SLACK_APP_TOKEN,
      signingSecret: environment.SLACK_SIGNING_SECRET,
      apiUrl: environment.SLACK_API_URL,
      port: environment.PORT,
      writeIntervalMs: environment.SLACK_WRITE_INTERVAL_MS,
    },
    redis: { url: environment.REDIS_URL, prefix: environment.QUEUE_PREFIX },
    ollama: { routerUrl: environment.ROUTER_OLLAMA_URL, workerUrl: environment.WORKER_OLLAMA_URL },
    models: {
      router: environment.ROUTER_MODEL,
      worker: environment.WORKER_MODEL,
      planner: environment.PLANNER_MODEL ?? environment.WORKER_MODEL,
      coder: environment.CODER_MODEL ?? environment.WORKER_MODEL,
      reviewer: environment.REVIEWER_MODEL ?? environment.WORKER_MODEL,
      tester: environment.TESTER_MODEL ?? environment.WORKER_MODEL,
      documenter: environment.DOCUMENTER_MODEL ?? environment.ROUTER_MODEL,
    },
    github: {
      token: environment.GITHUB_TOKEN,
      apiUrl: environment.GITHUB_API_URL,
      remoteUrlTemplate: environment.GIT_REMOTE_URL,
      mergeMethod: environment.MERGE_METHOD,
    },
    gateway: { maxContext: environment.ROUTER_MAX_CONTEXT },
    access: {
      allowedRepos: environment.ALLOWED_REPOS,
      defaultRepo: environment.DEFAULT_REPO,
      humanLeads: environment.HUMAN_LEADS,
      allowedUsers: environment.ALLOWED_USERS,
      allowedChannels: environment.ALLOWED_CHANNELS,
      requireSeparateApprover: environment.REQUIRE_SEPARATE_APPROVER,
    },
    paths: {
      home,
      workspaces: expandHome(environment.WORKSPACE_DIR ?? join(home, 'workspaces')),
      redisData: join(home, 'redis'),
    },
    frontier: {
      apiUrl: environment.FRONTIER_API_URL,
      apiKey: environment.FRONTIER_API_KEY,
      model: environment.FRONTIER_MODEL,
    },
    worker: {
      concurrency: environment.WORKER_CONCURRENCY,
      idleRelease: environment.WORKER_IDLE_RELEASE,
      memoryBytes: environment.WORKER_MEMORY_GB === undefined ? defaultMemoryBudgetBytes() : environment.WORKER_MEMORY_GB * 1024 ** 3,
      lockMs: environment.WORKER_LOCK_MS,
      modelTimeoutMs: environment.MODEL_TIMEOUT_SECONDS * 1000,
      maxContext: environment.WORKER_MAX_CONTEXT,
      coderMaxAttempts: environment.CODER_MAX_ATTEMPTS,
      testTimeoutMs: environment.TEST_TIMEOUT_SECONDS * 1000,
      sandbox: environment.TEST_SANDBOX,
      /** How long a kept working copy may sit unused before it is deleted; 0: kept for good. */
      keepCopiesMs: environment.WORKSPACE_KEEP_DAYS * 86_400_000,
      testCommands: environment.TEST_COMMANDS,
      setupCommands: environment.SETUP_COMMANDS,
    },
    logLevel: environment.LOG_LEVEL,
  };
}

export type Config = ReturnType<typeof build>;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Reads tandem's configuration once from the environment. Every problem is reported
 * together, each naming the variable to fix; values are never echoed (they may be secrets).
 */
export function loadConfig(env: Environment = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [variable, item] = issue.path;
      const where = typeof item === 'number' ? ` (item ${item + 1})` : '';
      return `${String(variable ?? 'environment')}: ${issue.message}${where}`;
    });
    throw new TandemError('config_invalid', `tandem's configuration is invalid:\n  ${problems.join('\n  ')}`);
  }
  return deepFreeze(build(parsed.data));
}

/**
 * The environment tandem runs with: `.env` in the working directory, overridden by the
 * real environment.
 */
export function readEnvironment(directory = process.cwd(), env: Environment = process.env): Environment {
  let fromFile: Environment = {};
  try {
    fromFile = parseEnv(readFileSync(join(directory, '.env'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TandemError('config_invalid', `could not read ${join(directory, '.env')}`, { cause: error });
    }
  }
  return { ...fromFile, ...env };
}
