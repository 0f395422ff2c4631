import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Environment } from '../config.ts';
import { repoText } from '../conversation/access-policy.ts';
import { startGatewayRuntime } from '../gateway/gateway-runtime.ts';
import { LocalPullRequests } from '../github/local-pull-requests.ts';
import { createOctokit, OctokitPullRequests } from '../github/octokit-pull-requests.ts';
import type { Logger } from '../logger.ts';
import { ensureOllamaModels, overBudgetModels } from '../models/ollama-preflight.ts';
import { OllamaResidency } from '../models/ollama-residency.ts';
import { startLocalRedis } from '../queue/local-redis.ts';
import { BackgroundWork } from '../slack/background-work.ts';
import { startWorkerRole } from '../worker/start-worker.ts';
import { readConsoleInput } from './console-input.ts';
import { ConsoleSurface } from './console-surface.ts';
import { resolveConsoleTarget } from './console-target.ts';

const projectRedisConf = fileURLToPath(new URL('../../redis.conf', import.meta.url));

export interface ConsoleOptions {
  args: string[];
  environment: Environment;
  cwd: string;
  input: Readable;
  output: Writable;
  /** The person at the terminal: the console's one user and its human lead. */
  user: string;
  logger: Logger;
  /** Asks a yes/no question when someone can answer (a terminal). */
  ask?: (question: string) => Promise<boolean>;
  /** Ends the session as `quit` does. */
  signal?: AbortSignal;
}

/**
 * `tandem console`: the gateway's conversation and a worker in one process, talking to
 * the terminal (DESIGN §1). Resolves when the person quits; everything is closed by then.
 */
export async function runConsole(options: ConsoleOptions): Promise<void> {
  const initial = loadConfig(options.environment);
  const target = await resolveConsoleTarget(options.args, { cwd: options.cwd, githubToken: initial.github.token });
  const config = loadConfig(
    target.kind === 'local' ? { ...options.environment, GIT_REMOTE_URL: target.remoteUrlTemplate } : options.environment,
  );
  const { logger } = options;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => logger.error({ err: error }, 'error while closing'));
  };
  try {
    const write = (text: string) => options.output.write(text);
    const byHost = new Map<string, { setting: string; models: string[] }>();
    const need = (host: string, setting: string, models: string[]) => {
      const entry = byHost.get(host) ?? { setting, models: [] };
      entry.models.push(...models);
      byHost.set(host, entry);
    };
    need(config.ollama.routerUrl, 'ROUTER_OLLAMA_URL', [config.models.router, config.models.documenter]);
    const { worker, planner, coder, reviewer, tester } = config.models;
    need(config.ollama.workerUrl, 'WORKER_OLLAMA_URL', [worker, planner, coder, reviewer, tester]);
    for (const [host, entry] of byHost) await ensureOllamaModels({ host, ...entry, ask: options.ask, write });
    // Said now rather than at a task's first call of the model, which would stop there.
    const overBudget = await overBudgetModels({
      residency: new OllamaResidency({ host: config.ollama.workerUrl }),
      models: [worker, planner, coder, reviewer, tester],
      budgetBytes: config.worker.memoryBytes,
      maxContext: config.worker.maxContext,
    });
    for (const problem of overBudget) write(`⚠ ${problem}. Tasks stop at their first call of it.\n`);

    let redisUrl = config.redis.url;
    if (!redisUrl) {
      const redis = await startLocalRedis({ configPath: projectRedisConf, dataDir: join(config.paths.home, 'console', 'redis'), port: 0, logger });
      closers.push(() => redis.close());
      redisUrl = redis.url;
    }
    const workerRole = await startWorkerRole({ config, redisUrl, logger: logger.child({ role: 'worker' }) });
    closers.push(() => workerRole.close());

    const surface = new ConsoleSurface(options.output);
    const pullRequests =
      target.kind === 'local'
        ? new LocalPullRequests({ repositoryPath: target.path, reportsDir: join(config.paths.home, 'console', 'reports', target.repo.name), logger })
        : new OctokitPullRequests({ octokit: createOctokit({ token: config.github.token!, baseUrl: config.github.apiUrl, logger }), logger });
    const name = repoText(target.repo);
    const runtime = await startGatewayRuntime({
      config,
      redisUrl,
      surface,
      pullRequests,
      logger: logger.child({ role: 'gateway' }),
      access: {
        allowedRepos: [name],
        defaultRepo: name,
        humanLeads: [options.user],
        allowedUsers: [],
        allowedChannels: [],
        requireSeparateApprover: false,
      },
    });
    closers.push(() => runtime.close());

    const where = target.kind === 'local' ? target.path : `github.com/${name}`;
    surface.say(`tandem console · ${where} · ${config.models.router} screens, ${config.models.worker} codes`);
    surface.say('Type a task (e.g. "fix the failing test"), `status`, `help`, or `quit`.');
    const background = new BackgroundWork(logger);
    await readConsoleInput({
      input: options.input,
      surface,
      conversation: runtime.conversation,
      background,
      user: options.user,
      currentThread: async () => surface.lastThread(),
      signal: options.signal,
    });
    surface.say('Stopping: a running task goes back to the queue at its last step.');
    await background.drain();
  } finally {
    await closeAll();
  }
}
