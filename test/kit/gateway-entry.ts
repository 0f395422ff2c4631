import { handleProcessErrors } from '../../src/cli.ts';
import { loadConfig, readEnvironment } from '../../src/config.ts';
import { startGatewayRole } from '../../src/gateway/start-gateway.ts';
import { createOctokit, OctokitPullRequests } from '../../src/github/octokit-pull-requests.ts';
import { createLogger } from '../../src/logger.ts';

// A gateway role as its own process, like `tandem gateway`, with the one option a test
// injects that the environment does not carry: the production Octokit with GitHub's write
// spacing off (≥ 3 s between pull requests would make a burst of tasks take minutes), as the
// gateway harness's in-process gateways have it. `node --import tsx gateway-entry.ts`.
// Errors nothing caught are handled as `tandem gateway` handles them; SIGTERM closes the
// role and exits 0.
const config = loadConfig(readEnvironment());
const rootLogger = createLogger({ level: config.logLevel });
handleProcessErrors(rootLogger);
const logger = rootLogger.child({ role: 'gateway' });
const role = await startGatewayRole({
  config,
  redisUrl: config.redis.url!,
  logger,
  pullRequests: new OctokitPullRequests({
    octokit: createOctokit({ token: config.github.token!, baseUrl: config.github.apiUrl, spaceWrites: false, retryUnitMs: 5 }),
    logger,
  }),
});
process.once('SIGTERM', () => void role.close().then(() => process.exit(0)));
