import { fileURLToPath } from 'node:url';
import { runConsoleCommand } from './console/console-command.ts';
import { formatDoctorReport, runDoctor } from './doctor/run-doctor.ts';
import { loadConfig, readEnvironment } from './config.ts';
import { describeError, isTandemError } from './errors.ts';
import { createLogger, type Logger } from './logger.ts';
import { startLocalRedis } from './queue/local-redis.ts';
import { startGatewayRole } from './gateway/start-gateway.ts';
import { startWorkerRole } from './worker/start-worker.ts';

const usage = `usage: tandem <command>

commands:
  worker    drain the work queue: Planner → Coder ⇄ Reviewer → Tester, push the branch
  gateway   the Slack side: /tandem, screening, routing, progress, reports, PRs, approval
  all       gateway and worker in one process (one machine)
  console   the same conversation in the terminal, on a local repository:
            tandem console [--repo <path> | owner/repo]
  doctor    check every dependency and say what to fix (non-zero exit on any ✗)
  help      this text`;

const projectRedisConf = fileURLToPath(new URL('../redis.conf', import.meta.url));

interface Closable {
  close(): Promise<void>;
}

/** Closes `resources` (last opened first) on SIGTERM/SIGINT; a second signal forces exit. */
function closeOnSignal(resources: Closable[], logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      logger.info({ signal }, 'shutting down');
      void (async () => {
        for (const resource of [...resources].reverse()) {
          await resource.close().catch((error: unknown) => logger.error({ err: error }, 'error while closing'));
        }
        resolve();
      })();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * The one last-resort handler of a long-running tandem process: an exception nothing caught
 * leaves the process in an unknown state, so it is logged (through pino, redacted) and the
 * process exits non-zero for launchd to restart it; a promise rejection nothing handled is
 * logged with what it carried. Errors with a person waiting are told to them where they happen.
 */
export function handleProcessErrors(logger: Logger): void {
  process.on('uncaughtException', (error, origin) => {
    logger.fatal({ err: error, origin }, 'uncaught exception: exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
}

/** Starts the roles asked for on one Redis (a local one when REDIS_URL is unset) until a signal. */
async function runRoles(roles: { gateway: boolean; worker: boolean }): Promise<number> {
  const config = loadConfig(readEnvironment());
  const logger = createLogger({ level: config.logLevel });
  handleProcessErrors(logger);
  const resources: Closable[] = [];
  let redisUrl = config.redis.url;
  if (!redisUrl) {
    const redis = await startLocalRedis({ configPath: projectRedisConf, dataDir: config.paths.redisData, port: 6379, logger });
    resources.push(redis);
    redisUrl = redis.url;
    logger.info({ port: redis.port, dataDir: config.paths.redisData }, 'started a local redis-server (REDIS_URL is unset)');
  }
  try {
    if (roles.worker) resources.push(await startWorkerRole({ config, redisUrl, logger: logger.child({ role: 'worker' }) }));
    if (roles.gateway) resources.push(await startGatewayRole({ config, redisUrl, logger: logger.child({ role: 'gateway' }) }));
  } catch (error) {
    for (const resource of [...resources].reverse()) await resource.close().catch(() => undefined);
    throw error;
  }
  await closeOnSignal(resources, logger);
  return 0;
}

/** Exit codes an operator (and a script) can tell apart; README's troubleshooting lists them. */
export const exitCodes: Readonly<Record<string, number>> = {
  config_invalid: 2,
  redis_not_installed: 3,
  redis_start_failed: 3,
  ollama_unreachable: 4,
  model_missing: 5,
  console_no_repo: 6,
  console_no_token: 6,
};

function exitCodeFor(error: unknown): number {
  return (isTandemError(error) && exitCodes[error.code]) || 1;
}

async function runDoctorCommand(): Promise<number> {
  const environment = readEnvironment();
  const report = await runDoctor({ config: loadConfig(environment), environment });
  process.stdout.write(`${formatDoctorReport(report)}\n`);
  return report.ok ? 0 : 1;
}

/** tandem's command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  try {
    switch (command) {
      case 'worker':
        return await runRoles({ gateway: false, worker: true });
      case 'gateway':
        return await runRoles({ gateway: true, worker: false });
      case 'all':
        return await runRoles({ gateway: true, worker: true });
      case 'console':
        return await runConsoleCommand(argv.slice(1));
      case 'doctor':
        return await runDoctorCommand();
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${usage}\n`);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`tandem: unknown command "${command}"\n\n${usage}\n`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`tandem ${command}: ${isTandemError(error) ? error.message : describeError(error)}\n`);
    return exitCodeFor(error);
  }
}
