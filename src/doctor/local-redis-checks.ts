import { readFile } from 'node:fs/promises';
import { compareVersions, failed, passed, reasonOf, type DoctorCheck, type DoctorContext } from './doctor-check.ts';

/** BullMQ's oldest supported Redis; 7 is what tandem is tested with. */
export const minimumRedisVersion = '6.2';
export const recommendedRedisVersion = '7';
export const installRedis = '`brew install redis` (macOS) or `sudo apt-get install redis-server` (Debian/Ubuntu)';

/** The last value a redis.conf gives `directive` (Redis's own rule), without quotes. */
function directive(configText: string, name: string): string | undefined {
  let value: string | undefined;
  for (const line of configText.split('\n')) {
    const match = new RegExp(`^\\s*${name}\\s+(.+?)\\s*$`, 'i').exec(line);
    if (match) value = match[1]!.replace(/^"(.*)"$|^'(.*)'$/, '$1$2').toLowerCase();
  }
  return value;
}

/** `REDIS_URL` unset: tandem starts `redis-server` from the project's redis.conf, so both must be there. */
export async function checkLocalRedis(context: DoctorContext): Promise<DoctorCheck[]> {
  const binary = context.redisServerBinary;
  const serverCheck = (async (): Promise<DoctorCheck> => {
    try {
      const { stdout } = await context.exec(binary, ['--version'], { env: context.environment, timeoutMs: context.timeoutMs });
      const version = /v=(\d+(?:\.\d+)*)/.exec(stdout)?.[1] ?? 'unknown';
      if (version !== 'unknown' && compareVersions(version, minimumRedisVersion) < 0) {
        return failed('redis-server', `${version}: BullMQ needs ${minimumRedisVersion} or newer`, `upgrade Redis to ${recommendedRedisVersion}: ${installRedis}`);
      }
      return passed('redis-server', `${version} (REDIS_URL is unset: tandem starts its own from redis.conf on port 6379)`);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const what = missing ? `\`${binary}\` is not on the PATH` : `\`${binary} --version\` failed (${reasonOf(error, context.timeoutMs)})`;
      return failed(
        'redis-server',
        `${what}, and REDIS_URL is unset, so tandem needs it to start its own Redis`,
        `install Redis: ${installRedis}; or set REDIS_URL to a Redis you run`,
      );
    }
  })();

  const configPath = context.redisConfigPath;
  const configCheck = (async (): Promise<DoctorCheck> => {
    let text: string;
    try {
      text = await readFile(configPath, 'utf8');
    } catch (error) {
      return failed(
        'redis.conf',
        `cannot read ${configPath} (${reasonOf(error, context.timeoutMs)}); tandem starts its own Redis from it`,
        'restore it from the repository: `git checkout -- redis.conf` in tandem\'s directory',
      );
    }
    // Redis's defaults when a directive is absent: appendonly no, maxmemory-policy noeviction.
    const appendOnly = directive(text, 'appendonly') ?? 'no';
    const eviction = directive(text, 'maxmemory-policy') ?? 'noeviction';
    const wrong = [
      ...(appendOnly === 'yes' ? [] : [`appendonly ${appendOnly}`]),
      ...(eviction === 'noeviction' ? [] : [`maxmemory-policy ${eviction}`]),
    ];
    if (wrong.length === 0) return passed('redis.conf', `${configPath} (appendonly yes, maxmemory-policy noeviction)`);
    return failed(
      'redis.conf',
      `${configPath} has ${wrong.join(' and ')}: a restart could lose jobs, or Redis evict BullMQ's keys`,
      `set \`appendonly yes\` and \`maxmemory-policy noeviction\` in ${configPath} (or restore it: \`git checkout -- redis.conf\`)`,
    );
  })();

  return Promise.all([serverCheck, configCheck]);
}
