import { Redis } from 'ioredis';
import {
  compareVersions,
  failed,
  isLoopbackHost,
  passed,
  reasonOf,
  withTimeout,
  type DoctorCheck,
  type DoctorContext,
} from './doctor-check.ts';
import { checkLocalRedis, installRedis, minimumRedisVersion, recommendedRedisVersion } from './local-redis-checks.ts';
import { dangerousCommandsCheck, exposureChecks } from './redis-exposure-checks.ts';
import { configCommandCandidates, findConfigCommand, readSetting, settingCheck } from './redis-settings.ts';

/** `REDIS_URL` without its password (never shown): `redis://127.0.0.1:6379`, `redis://user@host:6379/2`. */
export function displayRedisUrl(url: URL): string {
  const user = url.username ? `${url.username}@` : '';
  return `${url.protocol}//${user}${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** Redis's checks: a server at `REDIS_URL`, or what tandem needs to start its own when it is unset. */
export async function checkRedis(context: DoctorContext): Promise<DoctorCheck[]> {
  const url = context.config.redis.url;
  return url ? checkRedisServer(new URL(url), context) : checkLocalRedis(context);
}

/** The password rule of redis.conf: a Redis beyond loopback must require one. Needs no connection. */
function passwordCheck(url: URL): DoctorCheck {
  const host = url.hostname;
  if (url.password !== '') return passed('Redis password', 'set in REDIS_URL');
  if (isLoopbackHost(host)) return passed('Redis password', 'none (fine on loopback; set requirepass before binding the bridge address)');
  return failed(
    'Redis password',
    `none in REDIS_URL, yet ${host} is not loopback: anyone who can reach it can read tasks and enqueue work`,
    `set requirepass in redis.conf and put it in REDIS_URL (redis://:<password>@${url.host})`,
  );
}

async function checkRedisServer(url: URL, context: DoctorContext): Promise<DoctorCheck[]> {
  const shown = displayRedisUrl(url);
  const name = `Redis at ${shown}`;
  const loopback = isLoopbackHost(url.hostname);
  const password = passwordCheck(url);
  let lastError: unknown;
  const client = new Redis(url.href, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: context.timeoutMs,
    commandTimeout: context.timeoutMs,
    retryStrategy: () => null,
  });
  client.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    try {
      await withTimeout(client.connect(), context.timeoutMs);
      await withTimeout(client.ping(), context.timeoutMs);
    } catch (error) {
      const reason = reasonOf(lastError ?? error, context.timeoutMs);
      const message = `${(error as Error).message} ${(lastError as Error | undefined)?.message ?? ''}`;
      if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) {
        const why = /NOAUTH/.test(message) ? 'it requires a password and REDIS_URL has none (NOAUTH)' : 'its password rejected REDIS_URL\'s (WRONGPASS)';
        return [
          failed(name, why, `put the requirepass of its redis.conf in REDIS_URL: redis://:<password>@${url.host}`),
          password,
        ];
      }
      const fix = loopback
        ? 'start it with `redis-server ./redis.conf`, or unset REDIS_URL and tandem starts its own'
        : `start Redis on ${url.hostname} (\`redis-server ./redis.conf\` there), make its redis.conf bind the bridge address, and check this machine reaches ${url.host}`;
      return [failed(name, `unreachable (${reason})`, fix), password];
    }

    const serverInfo = await client.info('server');
    const version = /^redis_version:(.+)$/m.exec(serverInfo)?.[1]?.trim() ?? 'unknown (INFO server has no redis_version)';
    const checks: DoctorCheck[] = [passed(name, 'reachable')];
    if (compareVersions(version, minimumRedisVersion) < 0) {
      checks.push(
        failed('Redis version', `${version}: BullMQ needs ${minimumRedisVersion} or newer`, `upgrade that Redis to ${recommendedRedisVersion} (${installRedis})`),
      );
    } else {
      const note = compareVersions(version, recommendedRedisVersion) < 0 ? ` (works; Redis ${recommendedRedisVersion} recommended)` : '';
      checks.push(passed('Redis version', `${version}${note}`));
    }

    const access = await findConfigCommand(client, await configCommandCandidates(context.redisConfigPath));
    // The fixes name the CONFIG this server answers to (tandem's redis.conf renames it).
    const configCommand = access.command ?? 'CONFIG';
    const appendOnly = await readSetting(client, access, 'appendonly', {
      section: 'persistence',
      field: 'aof_enabled',
      map: (value) => (value === '1' ? 'yes' : 'no'),
    });
    checks.push(
      settingCheck('Redis appendonly', appendOnly, 'yes', {
        wrong: (value) => `${value}: a restart loses queued jobs and task records`,
        fix: `set \`appendonly yes\` in its redis.conf and restart it (now, without a restart: \`redis-cli -u "$REDIS_URL" ${configCommand} SET appendonly yes\`)`,
        managedFix: 'turn on its append-only file (appendonly yes) in your Redis provider\'s persistence settings',
      }),
    );
    const eviction = await readSetting(client, access, 'maxmemory-policy', { section: 'memory', field: 'maxmemory_policy' });
    checks.push(
      settingCheck('Redis maxmemory-policy', eviction, 'noeviction', {
        wrong: (value) => `${value}: Redis may evict BullMQ's keys and lose jobs; BullMQ needs noeviction`,
        fix: `set \`maxmemory-policy noeviction\` in its redis.conf and restart it (now, without a restart: \`redis-cli -u "$REDIS_URL" ${configCommand} SET maxmemory-policy noeviction\`)`,
        managedFix: 'set maxmemory-policy to noeviction in your Redis provider\'s settings (its parameter group)',
      }),
    );
    const passwordRequired = url.password !== '' || url.username !== '';
    checks.push(
      password,
      ...(await exposureChecks(client, access, passwordRequired)),
      await dangerousCommandsCheck(client, access),
    );
    return checks;
  } finally {
    client.disconnect();
  }
}
