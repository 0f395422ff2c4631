/**
 * Ack latency: `node --import tsx bench/ack-latency-bench.ts [--requests 500] [--concurrency 50]`.
 *
 * Signed `/tandem` slash commands over real HTTP into (a) `tandem gateway` in HTTP mode, as
 * its own process (real Redis; the loopback Ollama answers the Guardrail and Router, the
 * loopback Slack takes its writes), and (b) a bare Bolt app whose only listener acks, as
 * its own process too (bench/bare-bolt-app.ts). The load comes from a third process
 * (test/kit/slash-command-load.ts, the test kit’s Slack driver over kept-alive
 * `node:http` connections); the loopbacks run in this one.
 * The two apps alternate in rounds; a time is the client's, from sending a request to
 * reading the whole answer. Every command to tandem is a real task request: it is screened,
 * routed and queued after its ack, while later commands arrive. The next round starts once
 * every task is queued and the loopback Slack has had no call for 300 ms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { botToken, createGatewayHarness, developer, signingSecret } from '../test/kit/gateway-harness.ts';
import { calculatorRepo, fullTeam } from '../test/kit/scripted-team.ts';
import { waitFor } from '../test/kit/wait-for.ts';
import { startSlashCommandLoad, type SlashCommandLoad } from '../test/kit/slash-command-load.ts';
import { startTandemProcess, waitForHttpGateway, type TandemProcess } from '../test/kit/worker-process.ts';
import { waitForQuiet } from './wait-for-quiet.ts';
import { benchResult, isMainModule, numberArgument, printTable, round, runAsScript, spreadOf, type BenchResult, type Spread } from './bench-report.ts';

export interface AckLatencyOptions {
  /** Measured requests per app. */
  requests: number;
  concurrency: number;
  /** Requests per app before measuring (not counted). */
  warmUp: number;
  /** The measured requests are split into this many alternating rounds. */
  rounds: number;
  /** Channels the commands are spread over (tandem's writes are spaced per channel). */
  channels: number;
}

export const defaultAckLatencyOptions: AckLatencyOptions = { requests: 500, concurrency: 50, warmUp: 50, rounds: 5, channels: 50 };

/** No Slack call or response for this long: tandem's background work for the last round is done. */
const quietMs = 300;

const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const childEnvironment = { PATH: process.env.PATH, HOME: process.env.HOME };

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** The bare Bolt app as its own process; resolves to its `/slack/events` once it listens. */
async function startBareBolt(slackUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script('./bare-bolt-app.ts')], {
    env: { ...childEnvironment, SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: signingSecret, SLACK_API_URL: slackUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await waitFor(
    () => (child.exitCode !== null ? Promise.reject(new Error('the bare Bolt app exited')) : /listening (\d+)/.exec(output)?.[1]),
    'the bare Bolt app',
    30_000,
  ).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  return { url: `http://127.0.0.1:${port}/slack/events`, child };
}

interface Target {
  name: string;
  appUrl: string;
  samples: number[];
  failures: number;
}

export async function runAckLatency(options: AckLatencyOptions = defaultAckLatencyOptions): Promise<BenchResult> {
  const harness = await createGatewayHarness('bench-ack', 'http');
  const children: ChildProcess[] = [];
  let gateway: TandemProcess | undefined;
  let load: SlashCommandLoad | undefined;
  try {
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam());
    gateway = startTandemProcess('gateway', harness.environment);
    await waitForHttpGateway(gateway, harness.appUrl!);
    const bare = await startBareBolt(harness.slack.url);
    children.push(bare.child);
    load = await startSlashCommandLoad();
    const bareTarget: Target = { name: 'bare Bolt app (ack only)', appUrl: bare.url, samples: [], failures: 0 };
    const tandemTarget: Target = { name: 'tandem gateway (HTTP mode)', appUrl: harness.appUrl!, samples: [], failures: 0 };
    let sent = 0;
    let tandemSent = 0;
    const send = async (target: Target, count: number, measure: boolean) => {
      const commands = Array.from({ length: count }, (_, offset) => ({ text: `acme/calc fix add, ack ${sent + offset}`, channelId: `CACK${(sent + offset) % options.channels}` }));
      sent += count;
      const { acks } = await load!.send({ appUrl: target.appUrl, signingSecret, slackOrigin: harness.slack.origin, userId: developer, commands, concurrency: options.concurrency, intervalMs: 0 });
      target.failures += acks.filter((ack) => ack.status !== 200).length;
      if (measure) target.samples.push(...acks.map((ack) => ack.elapsedMs));
      if (target === tandemTarget) {
        tandemSent += count;
        // tandem screens, routes and queues each task after its ack, and writes its thread:
        // let all of that finish, so the next round (bare Bolt's, say) has the machine to itself.
        await waitFor(async () => ((await harness.workQueue.getWaitingCount()) >= tandemSent ? true : undefined), `${tandemSent} tasks queued`, 120_000);
        await waitForQuiet(() => [...harness.slack.calls().map((call) => call.at), ...harness.slack.responses().map((response) => response.at)], quietMs);
      }
    };

    await send(bareTarget, options.warmUp, false);
    await send(tandemTarget, options.warmUp, false);
    const perRound = Math.ceil(options.requests / options.rounds);
    const rounds: { bareP99: number; tandemP99: number }[] = [];
    for (let done = 0; done < options.requests; done += perRound) {
      const count = Math.min(perRound, options.requests - done);
      await send(bareTarget, count, true);
      await send(tandemTarget, count, true);
      rounds.push({ bareP99: spreadOf(bareTarget.samples.slice(-count)).p99, tandemP99: spreadOf(tandemTarget.samples.slice(-count)).p99 });
    }

    const bareSpread = spreadOf(bareTarget.samples);
    const tandemSpread = spreadOf(tandemTarget.samples);
    const p50Ratio = round(tandemSpread.p50 / bareSpread.p50);
    const p99Ratio = round(tandemSpread.p99 / bareSpread.p99);
    console.log(`Ack latency: ${options.requests} signed slash commands per app, ${options.concurrency} in flight, ${options.rounds} alternating rounds\n`);
    const row = (target: Target, spread: Spread) => [target.name, String(spread.count), spread.p50.toFixed(1), spread.p99.toFixed(1), spread.max.toFixed(1), String(target.failures)];
    printTable(['app', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'non-200'], [row(bareTarget, bareSpread), row(tandemTarget, tandemSpread)]);
    console.log(`\np99 per round (ms), bare / tandem: ${rounds.map((entry) => `${entry.bareP99.toFixed(0)} / ${entry.tandemP99.toFixed(0)}`).join(', ')}`);
    console.log(`ratio tandem ÷ bare Bolt: p50 ${p50Ratio}×, p99 ${p99Ratio}×`);

    return benchResult({
      name: 'ack-latency',
      title: 'Ack latency (signed slash commands over HTTP)',
      parameters: { ...options },
      headlines: [
        {
          measure: `ack p99, ${options.requests} commands, ${options.concurrency} in flight`,
          tandem: `${tandemSpread.p99.toFixed(1)} ms`,
          baseline: `${bareSpread.p99.toFixed(1)} ms`,
          ratio: p99Ratio,
          target: '≤ 1.5× and < 100 ms',
          met: p99Ratio <= 1.5 && tandemSpread.p99 < 100,
        },
        { measure: 'ack p50', tandem: `${tandemSpread.p50.toFixed(1)} ms`, baseline: `${bareSpread.p50.toFixed(1)} ms`, ratio: p50Ratio, target: '—', met: undefined },
      ],
      details: {
        bare: { ...bareSpread, failures: bareTarget.failures },
        tandem: { ...tandemSpread, failures: tandemTarget.failures },
        p50Ratio,
        p99Ratio,
        rounds,
        tasksQueued: tandemSent,
      },
    });
  } finally {
    await load?.close();
    await Promise.all(children.map(stopChild));
    await gateway?.stop();
    await harness.close();
  }
}

if (isMainModule(import.meta.url)) {
  await runAsScript(() =>
    runAckLatency({
      ...defaultAckLatencyOptions,
      requests: numberArgument('requests', defaultAckLatencyOptions.requests),
      concurrency: numberArgument('concurrency', defaultAckLatencyOptions.concurrency),
    }),
  );
}
