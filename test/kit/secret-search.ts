import assert from 'node:assert/strict';
import { Redis } from 'ioredis';

/**
 * Every key matching `pattern` in the Redis at `url`, each with its whole value whatever its
 * type (string, hash, list, set, sorted set with scores, stream), as one text to search.
 */
export async function redisContents(url: string, pattern = '*'): Promise<string> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  const parts: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        parts.push(key);
        const type = await client.type(key);
        if (type === 'string') parts.push(String(await client.get(key)));
        else if (type === 'hash') parts.push(JSON.stringify(await client.hgetall(key)));
        else if (type === 'list') parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
        else if (type === 'set') parts.push(JSON.stringify(await client.smembers(key)));
        else if (type === 'zset') parts.push(JSON.stringify(await client.zrange(key, '0', '-1', 'WITHSCORES')));
        else if (type === 'stream') parts.push(JSON.stringify(await client.xrange(key, '-', '+')));
        else if (type !== 'none') assert.fail(`cannot read ${key}, a Redis ${type}`);
      }
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return parts.join('\n');
}

/** The pieces of `secret` a search looks for: the whole, and a 20-character run from its middle. */
function piecesOf(secret: string): string[] {
  const start = Math.max(0, Math.floor((secret.length - 20) / 2));
  return secret.length > 20 ? [secret, secret.slice(start, start + 20)] : [secret];
}

/** Asserts no secret, nor a 20-character piece of one, appears in any of `places` (name → text). */
export function assertSecretsNowhere(places: Record<string, string>, secrets: readonly string[]): void {
  for (const [place, text] of Object.entries(places)) {
    for (const secret of secrets) {
      for (const piece of piecesOf(secret)) assert.ok(!text.includes(piece), `${piece === secret ? 'the secret' : 'part of the secret'} reached ${place}`);
    }
  }
}
