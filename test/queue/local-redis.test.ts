import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { configCommandIn } from '../../src/doctor/redis-settings.ts';
import { startLocalRedis, type LocalRedis } from '../../src/queue/local-redis.ts';
import { isTandemError } from '../../src/errors.ts';
import { projectRedisConfig, removeKeys, startTestRedis, uniquePrefix } from '../kit/redis.ts';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

describe('startLocalRedis', () => {
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tandem-local-redis-'));
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('runs redis.conf on a free loopback port with AOF and no eviction', async () => {
    const dataDir = join(scratch, 'settings', 'nested');
    const redis = await startLocalRedis({ configPath: projectRedisConfig, dataDir, port: 0 });
    try {
      assert.ok(redis.port > 0);
      assert.notEqual(redis.port, 6379);
      assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
      // redis.conf keeps CONFIG under an alias (see its SECURITY section).
      const configCommand = configCommandIn(await readFile(projectRedisConfig, 'utf8'))!;
      const configGet = (client: Redis, parameter: string) => client.call(configCommand, 'GET', parameter) as Promise<string[]>;
      const settings = await withClient(redis.url, async (client) => ({
        appendonly: await configGet(client, 'appendonly'),
        appendfsync: await configGet(client, 'appendfsync'),
        policy: await configGet(client, 'maxmemory-policy'),
        bind: await configGet(client, 'bind'),
        protectedMode: await configGet(client, 'protected-mode'),
        dir: await configGet(client, 'dir'),
        port: await configGet(client, 'port'),
      }));
      assert.deepEqual(settings.appendonly, ['appendonly', 'yes']);
      assert.deepEqual(settings.appendfsync, ['appendfsync', 'everysec']);
      assert.deepEqual(settings.policy, ['maxmemory-policy', 'noeviction']);
      assert.deepEqual(settings.protectedMode, ['protected-mode', 'yes']);
      assert.deepEqual(settings.port, ['port', String(redis.port)]);
      assert.equal(settings.dir[1], dataDir);
      const addresses = String(settings.bind[1]).split(/\s+/);
      assert.ok(addresses.includes('127.0.0.1'), `bind was ${settings.bind[1]}`);
      for (const address of addresses) assert.match(address, /^-?(127\.0\.0\.1|::1)$/);
    } finally {
      await redis.close();
    }
    assert.ok((await readdir(dataDir)).includes('appendonlydir'), 'the AOF lives in dataDir');
  });

  test('keeps data across a restart on the same data directory', async () => {
    const dataDir = join(scratch, 'restart');
    const first = await startLocalRedis({ configPath: projectRedisConfig, dataDir });
    await withClient(first.url, (client) => client.set('tandem:survivor', 'still here'));
    await first.close();

    const second = await startLocalRedis({ configPath: projectRedisConfig, dataDir, port: 0 });
    try {
      assert.equal(await withClient(second.url, (client) => client.get('tandem:survivor')), 'still here');
    } finally {
      await second.close();
    }
  });

  test('close is idempotent and the server process is gone', async () => {
    const redis: LocalRedis = await startLocalRedis({ configPath: projectRedisConfig, dataDir: join(scratch, 'close') });
    const pid = Number(await withClient(redis.url, async (client) => {
      const info = await client.info('server');
      return /process_id:(\d+)/.exec(info)![1];
    }));
    assert.ok(isRunning(pid));
    await Promise.all([redis.close(), redis.close()]);
    await redis.close();
    assert.equal(isRunning(pid), false);
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    await assert.rejects(client.connect());
    client.disconnect();
  });

  test('an explicit port that is taken fails with the server\'s reason', async () => {
    const first = await startLocalRedis({ configPath: projectRedisConfig, dataDir: join(scratch, 'explicit-a') });
    try {
      const second = await startLocalRedis({
        configPath: projectRedisConfig,
        dataDir: join(scratch, 'explicit-b'),
        port: first.port,
        startTimeoutMs: 3000,
      });
      await second.close();
      assert.fail('a second server on a taken port must not start');
    } catch (error) {
      assert.ok(isTandemError(error));
      assert.equal(error.code, 'redis_start_failed');
      assert.match(error.message, /Address already in use/);
    } finally {
      await first.close();
    }
  });

  test('a missing redis-server says how to install it', async () => {
    const emptyPath = join(scratch, 'empty-path');
    await mkdir(emptyPath);
    await assert.rejects(
      startLocalRedis({
        configPath: projectRedisConfig,
        dataDir: join(scratch, 'missing'),
        env: { ...process.env, PATH: emptyPath },
      }),
      (error: unknown) => {
        assert.ok(isTandemError(error));
        assert.equal(error.code, 'redis_not_installed');
        assert.match(error.message, /brew install redis/);
        assert.match(error.message, /apt-get install redis-server/);
        assert.match(error.message, /REDIS_URL/);
        return true;
      },
    );
  });

  test('a broken configuration fails with the server output', async () => {
    const configPath = join(scratch, 'broken.conf');
    await writeFile(configPath, 'appendonly yes\nnot-a-directive 1\n');
    await assert.rejects(
      startLocalRedis({ configPath, dataDir: join(scratch, 'broken') }),
      (error: unknown) => {
        assert.ok(isTandemError(error));
        assert.equal(error.code, 'redis_start_failed');
        assert.match(error.message, /not-a-directive/);
        return true;
      },
    );
  });

  test('the test kit: a Redis per suite, unique prefixes, and SCAN-based cleanup', async () => {
    const redis = await startTestRedis();
    try {
      const prefix = uniquePrefix('kit cleanup/ü');
      assert.match(prefix, /^test-kit-cleanup-[0-9a-f]{12}$/);
      assert.notEqual(uniquePrefix('kit'), uniquePrefix('kit'));
      const other = uniquePrefix('kit-other');
      await withClient(redis.url, async (client) => {
        for (let index = 0; index < 1200; index += 1) await client.set(`${prefix}:job:${index}`, 'x');
        await client.set(`${other}:job:1`, 'keep');
        await client.set(prefix, 'no colon, not under the prefix');
      });
      await removeKeys(redis.url, prefix);
      await withClient(redis.url, async (client) => {
        assert.deepEqual((await client.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 5000))[1], [], 'KEYS is renamed away in redis.conf: SCAN');
        assert.equal(await client.get(`${other}:job:1`), 'keep');
        assert.equal(await client.get(prefix), 'no colon, not under the prefix');
        await client.del(`${other}:job:1`, prefix);
      });
    } finally {
      await redis.close();
      await redis.close();
    }
  });
});
