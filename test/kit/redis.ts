import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startLocalRedis } from '../../src/queue/local-redis.ts';

/** The project's production redis.conf: tests run against the very same settings. */
export const projectRedisConfig = fileURLToPath(new URL('../../redis.conf', import.meta.url));

export interface TestRedis {
  url: string;
  close(): Promise<void>;
}

/**
 * A Redis for tests: `REDIS_URL` when set (close is a no-op), otherwise a real
 * redis-server started from `redis.conf` on a free port with a temporary data directory,
 * removed on close.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const external = process.env.REDIS_URL?.trim();
  if (external) return { url: external, close: async () => {} };

  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-redis-'));
  try {
    const redis = await startLocalRedis({ configPath: projectRedisConfig, dataDir, port: 0 });
    let closing: Promise<void> | undefined;
    return {
      url: redis.url,
      close() {
        closing ??= redis.close().finally(() => rm(dataDir, { recursive: true, force: true }));
        return closing;
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** A queue prefix no other test uses, e.g. `test-intake-1f9c0a2b3d4e`. */
export function uniquePrefix(label: string): string {
  const safeLabel = label.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return `test-${safeLabel}-${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under `<prefix>:` with SCAN (never KEYS), then disconnects. */
export async function removeKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => {});
  try {
    await client.connect();
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
