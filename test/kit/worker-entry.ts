import { loadConfig, readEnvironment } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorkerRole } from '../../src/worker/start-worker.ts';

// A worker role as its own process, like `tandem worker`, with the options a test injects
// that the environment does not carry: `node --import tsx worker-entry.ts <heartbeatMs>`.
// SIGTERM closes the role (its registration goes) and exits 0.
const config = loadConfig(readEnvironment());
const role = await startWorkerRole({
  config,
  redisUrl: config.redis.url!,
  logger: createLogger({ level: config.logLevel }).child({ role: 'worker' }),
  heartbeatMs: Number(process.argv[2]),
});
process.once('SIGTERM', () => void role.close().then(() => process.exit(0)));
