import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, startLocalRedis, type LocalRedis } from '../../src/queue/local-redis.ts';
import { projectRedisConfig } from './redis.ts';

/** A real redis-server (the project's redis.conf, AOF on) that a test can stop and start again. */
export interface RestartableRedis {
  /** The same URL across restarts: the port and the data directory stay. */
  url: string;
  port: number;
  dataDir: string;
  /** SIGTERM (Redis fsyncs the AOF first) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port from the same data directory. */
  start(): Promise<void>;
  /** Stops it and removes the data directory. */
  close(): Promise<void>;
}

/** Starts a redis-server on a fixed free port with a temporary data directory. */
export async function startRestartableRedis(): Promise<RestartableRedis> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-redis-restart-'));
  const port = await findFreePort();
  const launch = () => startLocalRedis({ configPath: projectRedisConfig, dataDir, port });
  let running: LocalRedis | undefined;
  try {
    running = await launch();
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = running.url;
  return {
    url,
    port,
    dataDir,
    async stop() {
      await running?.close();
      running = undefined;
    },
    async start() {
      running ??= await launch();
    },
    async close() {
      await running?.close();
      running = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
