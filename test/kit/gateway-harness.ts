import type { Environment } from '../../src/config.ts';
import { loadConfig } from '../../src/config.ts';
import { startGatewayRole, type GatewayRole } from '../../src/gateway/start-gateway.ts';
import { createOctokit, OctokitPullRequests } from '../../src/github/octokit-pull-requests.ts';
import { silentLogger, type Logger } from '../../src/logger.ts';
import { findFreePort } from '../../src/queue/local-redis.ts';
import { TaskStore } from '../../src/tasks/task-store.ts';
import { taskStatusSchema, type TaskRecord } from '../../src/tasks/task-record.ts';
import { startGitHubServer, type LoopbackGitHub } from './github-server.ts';
import { createSlackDriver, type SlackDriver } from './slack-driver.ts';
import { startSlackServer, type LoopbackSlack } from './slack-server.ts';
import { waitFor } from './wait-for.ts';
import { createWorkerHarness, type WorkerHarness } from './worker-harness.ts';

export const botToken = 'xoxb-tandem-test';
export const appToken = 'xapp-1-tandem-test';
export const signingSecret = 'tandem-test-signing-secret';
export const githubToken = 'ghp_tandemLoopbackToken000000000000000000';
export const lead = 'ULEAD1';
export const secondLead = 'ULEAD2';
export const developer = 'UDEV1';
export const channel = 'CDEV1';

export type SlackMode = 'http' | 'socket';

/**
 * The whole of tandem on loopbacks: a real Redis, bare git remotes, a loopback Ollama,
 * a loopback Slack (Web API + Socket Mode) and a loopback GitHub, the real gateway role
 * (Bolt in HTTP or Socket Mode) and real worker roles.
 */
export interface GatewayHarness extends WorkerHarness {
  mode: SlackMode;
  slack: LoopbackSlack;
  github: LoopbackGitHub;
  driver: SlackDriver;
  tasks: TaskStore;
  /** Bolt's `/slack/events` in HTTP mode. */
  appUrl: string | undefined;
  startGateway(logger?: Logger): Promise<GatewayRole>;
  /** The task whose thread holds `text` in its header, once it exists. */
  waitForTask(predicate: (record: TaskRecord) => boolean, what: string, timeoutMs?: number): Promise<TaskRecord>;
}

export async function createGatewayHarness(label: string, mode: SlackMode, overrides: Environment = {}): Promise<GatewayHarness> {
  const slack = await startSlackServer({ pingIntervalMs: 60_000 });
  const github = await startGitHubServer({ token: githubToken });
  const port = mode === 'http' ? await findFreePort() : undefined;
  const worker = await createWorkerHarness(label, {
    SLACK_BOT_TOKEN: botToken,
    SLACK_API_URL: slack.url,
    ...(mode === 'socket' ? { SLACK_APP_TOKEN: appToken } : { SLACK_SIGNING_SECRET: signingSecret, PORT: String(port) }),
    // The least an operator may set; tandem processes a test spawns run with it.
    SLACK_WRITE_INTERVAL_MS: '200',
    GITHUB_TOKEN: githubToken,
    GITHUB_API_URL: github.url,
    ALLOWED_REPOS: 'acme/calc',
    HUMAN_LEADS: `${lead},${secondLead}`,
    ...overrides,
  });
  const tasks = new TaskStore({ redis: worker.connection, prefix: worker.prefix });
  const appUrl = port ? `http://127.0.0.1:${port}/slack/events` : undefined;
  const driver =
    mode === 'http' ? createSlackDriver({ mode, appUrl: appUrl!, signingSecret, server: slack }) : createSlackDriver({ mode, server: slack });
  const gateways: GatewayRole[] = [];

  return {
    ...worker,
    mode,
    slack,
    github,
    driver,
    tasks,
    appUrl,
    async startGateway(logger = silentLogger) {
      const loaded = loadConfig(worker.environment);
      // The loopback Slack has no rate limit: like GitHub's write spacing below, an in-process
      // gateway spaces Slack writes 20 ms apart to keep tests quick, unless the test set an interval.
      const writeIntervalMs = overrides.SLACK_WRITE_INTERVAL_MS === undefined ? 20 : loaded.slack.writeIntervalMs;
      const config = { ...loaded, slack: { ...loaded.slack, writeIntervalMs } };
      const gateway = await startGatewayRole({
        config,
        redisUrl: worker.redis.url,
        logger,
        // The production Octokit with its plugins; only GitHub's write spacing is off to keep tests quick.
        pullRequests: new OctokitPullRequests({
          octokit: createOctokit({ token: githubToken, baseUrl: github.url, spaceWrites: false, retryUnitMs: 5 }),
        }),
      });
      gateways.push(gateway);
      if (mode === 'socket') await slack.socket.connected(10_000);
      return gateway;
    },
    async waitForTask(predicate, what, timeoutMs = 60_000) {
      return waitFor(async () => (await tasks.listByStatus(...taskStatusSchema.options)).find(predicate), what, timeoutMs);
    },
    async close() {
      await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
      await worker.close();
      await github.close();
      await slack.close();
    },
  };
}
