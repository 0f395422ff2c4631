import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { TandemError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';

export interface LocalRedisOptions {
  /** The redis.conf to start from (tandem's own `./redis.conf` in production). */
  configPath: string;
  /** Where the append-only files live; created when missing. */
  dataDir: string;
  /** The port to listen on; 0 (or unset) picks a free one. */
  port?: number;
  logger?: Logger;
  /** The executable to run; `redis-server` found on the PATH by default. */
  redisServerPath?: string;
  /** The server's environment (its PATH is used to find the executable); `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the server to answer PING. */
  startTimeoutMs?: number;
}

export interface LocalRedis {
  url: string;
  port: number;
  close(): Promise<void>;
}

const installHint =
  'install it (macOS: `brew install redis`; Debian/Ubuntu: `sudo apt-get install redis-server`) ' +
  'or set REDIS_URL to a Redis you run yourself';
const outputTailLength = 4000;
const killAfterMs = 5000;
const portAttempts = 5;

/** A free TCP port on loopback, found by letting the kernel pick one. */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The `requirepass` of a redis.conf, if one is set, so the URL we hand out can carry it. */
async function readPassword(configPath: string): Promise<string | undefined> {
  const text = await readFile(configPath, 'utf8');
  let password: string | undefined;
  for (const line of text.split('\n')) {
    const match = /^\s*requirepass\s+(.+?)\s*$/.exec(line);
    if (match) password = match[1]!.replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
  }
  return password === '' ? undefined : password;
}

/** A command in RESP, the protocol Redis speaks. */
function encodeCommand(...parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

/** The complete replies (simple strings, errors, bulk strings) at the start of `buffer`. */
function parseReplies(buffer: Buffer): string[] {
  const replies: string[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const lineEnd = buffer.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const line = buffer.toString('utf8', offset, lineEnd);
    if (line.startsWith('$')) {
      const length = Number(line.slice(1));
      if (buffer.length < lineEnd + 2 + length + 2) break;
      replies.push(buffer.toString('utf8', lineEnd + 2, lineEnd + 2 + length));
      offset = lineEnd + 2 + length + 2;
    } else {
      replies.push(line);
      offset = lineEnd + 2;
    }
  }
  return replies;
}

/**
 * Resolves when the server on `port` answers PING with PONG (so it has loaded its AOF) and
 * is the process `pid` (not another server that already held the port); rejects otherwise.
 */
function probe(port: number, pid: number | undefined, password: string | undefined): Promise<void> {
  return new Promise((resolveProbe, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const commands = [
      ...(password === undefined ? [] : [encodeCommand('AUTH', password)]),
      encodeCommand('PING'),
      encodeCommand('INFO', 'server'),
    ];
    let received = Buffer.alloc(0);
    socket.setTimeout(1000, () => socket.destroy(new Error('no answer within 1 s')));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('the connection closed before an answer')));
    socket.once('connect', () => socket.write(commands.join('')));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const replies = parseReplies(received);
      if (replies.length < commands.length) return;
      socket.end();
      const [pong, info] = replies.slice(-2) as [string, string];
      const processId = /process_id:(\d+)/.exec(info)?.[1];
      if (pong !== '+PONG') reject(new Error(`PING answered ${pong}`));
      else if (processId !== String(pid)) reject(new Error(`port ${port} is served by another process (${processId})`));
      else resolveProbe();
    });
  });
}

const delay = (milliseconds: number) => new Promise((resolveDelay) => setTimeout(resolveDelay, milliseconds));

interface Started {
  child: ChildProcess;
  exited: Promise<void>;
}

/** One attempt: spawns redis-server on `port` and waits until it answers, or throws. */
async function launch(
  options: LocalRedisOptions & { port: number; configPath: string; dataDir: string },
  password: string | undefined,
): Promise<Started> {
  const args = [
    options.configPath,
    '--port', String(options.port),
    '--dir', options.dataDir,
    '--daemonize', 'no',
    '--pidfile', join(options.dataDir, `redis-${options.port}.pid`),
    '--logfile', '',
  ];
  const child = spawn(options.redisServerPath ?? 'redis-server', args, {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-outputTailLength);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let spawnError: NodeJS.ErrnoException | undefined;
  let exitDescription: string | undefined;
  const exited = new Promise<void>((resolveExit) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      resolveExit();
    });
    child.once('exit', (code, signal) => {
      exitDescription = signal ? `signal ${signal}` : `exit code ${code}`;
      resolveExit();
    });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  let lastProblem = 'no answer';
  while (spawnError === undefined && exitDescription === undefined && Date.now() < deadline) {
    try {
      await probe(options.port, child.pid, password);
      return { child, exited };
    } catch (error) {
      lastProblem = (error as Error).message;
      await Promise.race([delay(50), exited]);
    }
  }

  if (spawnError?.code === 'ENOENT') {
    throw new TandemError('redis_not_installed', `redis-server was not found: ${installHint}`, { cause: spawnError });
  }
  if (exitDescription === undefined && spawnError === undefined) {
    child.kill('SIGKILL');
    await exited;
  }
  const reason = spawnError?.message ?? (exitDescription ? `it stopped (${exitDescription})` : `no PONG in time (${lastProblem})`);
  throw new TandemError(
    'redis_start_failed',
    `redis-server did not start on port ${options.port}: ${reason}\n${output.trim().slice(-outputTailLength)}`,
    { cause: spawnError, retryable: /Address already in use/i.test(output) },
  );
}

/**
 * Starts tandem's own redis-server from `configPath`, keeping its data in `dataDir`, and
 * resolves once it answers PING. `close()` stops it with SIGTERM (Redis fsyncs the AOF
 * first) and waits for it to exit.
 */
export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalRedis> {
  const logger = options.logger ?? silentLogger;
  const configPath = resolve(options.configPath);
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  let password: string | undefined;
  try {
    password = await readPassword(configPath);
  } catch (error) {
    throw new TandemError('redis_start_failed', `could not read the Redis configuration ${configPath}`, { cause: error });
  }

  const pickPort = options.port === undefined || options.port === 0;
  let started: Started | undefined;
  let port = 0;
  for (let attempt = 1; started === undefined; attempt += 1) {
    port = pickPort ? await findFreePort() : options.port!;
    try {
      started = await launch({ ...options, configPath, dataDir, port }, password);
    } catch (error) {
      const portTaken = error instanceof TandemError && error.code === 'redis_start_failed' && error.retryable;
      if (!(pickPort && portTaken && attempt < portAttempts)) throw error;
      logger.debug({ port, attempt }, 'redis port was taken, trying another');
    }
  }

  const { child, exited } = started;
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  let closing: Promise<void> | undefined;
  void exited.then(() => {
    process.removeListener('exit', stopOnExit);
    if (closing === undefined) logger.error({ port, exitCode: child.exitCode }, 'local redis-server stopped unexpectedly');
  });
  logger.info({ port, pid: child.pid, dataDir }, 'local redis-server started');

  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    close() {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          await exited;
          clearTimeout(timer);
        }
        logger.info({ port }, 'local redis-server stopped');
      })();
      return closing;
    },
  };
}
