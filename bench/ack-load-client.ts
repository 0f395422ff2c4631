/**
 * The ack-latency benchmark's load, in its own process (forked with IPC) so that sending
 * and timing requests never shares an event loop with the app under test or the loopbacks.
 * Each `send` message fires signed slash commands through the test kit's Slack driver with
 * `concurrency` in flight and answers with every ack's time.
 */
import { Agent, request } from 'node:http';
import { createSlackDriver, type HttpPost } from '../test/kit/slack-driver.ts';

export interface SendOrder {
  appUrl: string;
  signingSecret: string;
  /** The loopback Slack's origin, for response URLs. */
  slackOrigin: string;
  userId: string;
  count: number;
  concurrency: number;
  channels: number;
  /** Numbers the commands' texts, so every task differs. */
  firstIndex: number;
}

export interface SendOutcome {
  samples: number[];
  failures: number;
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

const posts = new Map<number, HttpPost>();

async function send(order: SendOrder): Promise<SendOutcome> {
  let post = posts.get(order.concurrency);
  if (!post) posts.set(order.concurrency, (post = keepAlivePost(order.concurrency)));
  const driver = createSlackDriver({ mode: 'http', appUrl: order.appUrl, signingSecret: order.signingSecret, post });
  const outcome: SendOutcome = { samples: [], failures: 0 };
  let next = 0;
  const lane = async () => {
    while (next < order.count) {
      const index = order.firstIndex + next++;
      const delivery = await driver.slashCommand({
        text: `acme/calc fix add, ack ${index}`,
        userId: order.userId,
        channelId: `CACK${index % order.channels}`,
        responseUrl: `${order.slackOrigin}/response/ack-${index}`,
      });
      if (delivery.status !== 200) outcome.failures += 1;
      outcome.samples.push(delivery.elapsedMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(order.concurrency, order.count) }, lane));
  return outcome;
}

process.on('message', (order: SendOrder) => {
  send(order).then(
    (outcome) => process.send!(outcome),
    (error: unknown) => process.send!({ error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
