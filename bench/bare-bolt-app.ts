/**
 * The ack-latency benchmark's bare tool, run as its own process like tandem's gateway: a
 * Bolt app in HTTP mode whose only listener acks `/tandem`. It reads `SLACK_BOT_TOKEN`,
 * `SLACK_SIGNING_SECRET` and `SLACK_API_URL`, and prints `listening <port>` once it is.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET!,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  logLevel: LogLevel.ERROR,
});
app.command('/tandem', async ({ ack }) => {
  await ack();
});
const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
console.log(`listening ${(server.address() as AddressInfo).port}`);
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
