/**
 * Signed slash commands from their own process (forked with IPC), so that sending and
 * timing them never shares an event loop, or a CPU's time slice, with the app under test
 * or the loopbacks: Slack's servers are not inside the gateway's process either. Each
 * order fires its commands through the test kit's Slack driver over kept-alive `node:http`
 * connections, at most `concurrency` in flight and starts at least `intervalMs` apart,
 * and answers with every ack's status and time, in the order's order.
 *
 * The parent side is `startSlashCommandLoad()`; the child side runs when this file is forked.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createSlackDriver, type HttpPost } from './slack-driver.ts';

export interface LoadCommand {
  text: string;
  channelId: string;
}

export interface LoadOrder {
  appUrl: string;
  signingSecret: string;
  /** The loopback Slack's origin: each command gets its own response URL there. */
  slackOrigin: string;
  userId: string;
  commands: LoadCommand[];
  concurrency: number;
  /** The least time between two sends' starts (0: as soon as a slot is free). */
  intervalMs: number;
}

export interface LoadOutcome {
  /** Per command, in the order's order: the HTTP status and the time from sending to reading the whole answer. */
  acks: { status: number; elapsedMs: number }[];
}

export interface SlashCommandLoad {
  /** Sends one order's commands; one order at a time (the answer is the process's next message). */
  send(order: LoadOrder): Promise<LoadOutcome>;
  /** Ends the load process; safe to call twice. */
  close(): Promise<void>;
}

/** Forks the load process and resolves once it is ready for orders; `send` resolves with the acks' times. */
export async function startSlashCommandLoad(): Promise<SlashCommandLoad> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', () => reject(new Error('the slash command load process exited before it was ready')));
  });
  return {
    send: (order) =>
      new Promise((resolve, reject) => {
        const gone = () => reject(new Error('the slash command load process exited'));
        child.once('exit', gone);
        child.once('message', (answer: LoadOutcome | { error: string }) => {
          child.off('exit', gone);
          if ('error' in answer) reject(new Error(answer.error));
          else resolve(answer);
        });
        child.send(order);
      }),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * `node:http` with kept-alive connections, one per request in flight: undici's `fetch`
 * costs this process several times the CPU per request, and on two cores the load's CPU
 * is taken from the app under test.
 */
function keepAlivePost(concurrency: number): HttpPost {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  return (url, headers, body) =>
    new Promise((resolve, reject) => {
      const outgoing = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        incoming.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}

function serve(): void {
  const posts = new Map<number, HttpPost>();
  let sent = 0;

  async function send(order: LoadOrder): Promise<LoadOutcome> {
    let post = posts.get(order.concurrency);
    if (!post) posts.set(order.concurrency, (post = keepAlivePost(order.concurrency)));
    const driver = createSlackDriver({ mode: 'http', appUrl: order.appUrl, signingSecret: order.signingSecret, post });
    const acks: LoadOutcome['acks'] = [];
    let next = 0;
    let nextStart = performance.now();
    const lane = async () => {
      while (next < order.commands.length) {
        const position = next++;
        const wait = nextStart - performance.now();
        nextStart = Math.max(nextStart, performance.now()) + order.intervalMs;
        if (wait > 0) await sleep(wait);
        const command = order.commands[position]!;
        const delivery = await driver.slashCommand({
          text: command.text,
          userId: order.userId,
          channelId: command.channelId,
          responseUrl: `${order.slackOrigin}/response/load-${(sent += 1)}`,
        });
        acks[position] = { status: delivery.status, elapsedMs: delivery.elapsedMs };
      }
    };
    await Promise.all(Array.from({ length: Math.min(order.concurrency, order.commands.length) }, lane));
    return { acks };
  }

  process.on('message', (order: LoadOrder) => {
    send(order).then(
      (outcome) => process.send!(outcome),
      (error: unknown) => process.send!({ error: String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) serve();
