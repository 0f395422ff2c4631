/**
 * Slack writes: `node --import tsx bench/slack-writes-bench.ts [--interval-ms 1000]`.
 *
 * One scripted 3-iteration task (bench/three-round-task.ts) through the whole of tandem in
 * HTTP mode, with the loopback Slack limiting every channel to one `chat.*` write per
 * interval (429 with `Retry-After` otherwise) and tandem's writer spaced by the same
 * interval (`SLACK_WRITE_INTERVAL_MS`, 1 s by default as in production). Counted from the
 * slash command until the thread holds the decision buttons and Slack has been quiet for
 * two intervals: calls to `chat.*` by method and the 429s among them. The bare tool is a
 * relay that posts one message per progress event the worker published for the task.
 */
import { createGatewayHarness } from '../test/kit/gateway-harness.ts';
import { calculatorRepo } from '../test/kit/scripted-team.ts';
import { benchResult, isMainModule, numberArgument, printTable, round, runAsScript, type BenchResult } from './bench-report.ts';
import { runThreeRoundTask, threeRoundTeam } from './three-round-task.ts';
import { waitForQuiet } from './wait-for-quiet.ts';

export interface SlackWritesOptions {
  /** The per-channel write limit and tandem's write spacing, in ms. */
  intervalMs: number;
}

export const defaultSlackWritesOptions: SlackWritesOptions = { intervalMs: 1000 };

export async function runSlackWrites(options: SlackWritesOptions = defaultSlackWritesOptions): Promise<BenchResult> {
  const harness = await createGatewayHarness('bench-slack-writes', 'http', { SLACK_WRITE_INTERVAL_MS: String(options.intervalMs) });
  try {
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(threeRoundTeam().responder);
    await harness.startWorker();
    await harness.startGateway();
    const callsBefore = harness.slack.calls().length;
    harness.slack.limitWritesPerChannel(options.intervalMs);
    const { record, elapsedMs } = await runThreeRoundTask(harness, 300_000);
    await waitForQuiet(() => harness.slack.calls().map((call) => call.at), 2 * options.intervalMs);
    harness.slack.limitWritesPerChannel(undefined);

    const calls = harness.slack.calls().slice(callsBefore);
    const chatCalls = calls.filter((call) => call.method.startsWith('chat.'));
    const rateLimited = chatCalls.filter((call) => call.httpStatus === 429).length;
    const byMethod = new Map<string, { calls: number; limited: number }>();
    for (const call of calls) {
      const entry = byMethod.get(call.method) ?? { calls: 0, limited: 0 };
      entry.calls += 1;
      if (call.httpStatus === 429) entry.limited += 1;
      byMethod.set(call.method, entry);
    }
    const progressEvents = harness.progress.filter((entry) => entry.event.iteration === 1).length;
    const ratio = round(chatCalls.length / progressEvents);
    const seconds = (elapsedMs / 1000).toFixed(1);

    console.log(`Slack writes: one 3-iteration task, 1 write per ${options.intervalMs} ms per channel (loopback limit and tandem's spacing)\n`);
    printTable(
      ['method', 'calls', '429s'],
      [...byMethod].map(([method, entry]) => [method, String(entry.calls), String(entry.limited)]),
    );
    console.log(`\nchat.* calls ${chatCalls.length} (429s ${rateLimited}); a relay posting each of the ${progressEvents} progress events would make ${progressEvents}: ratio ${ratio}×`);
    console.log(`slash command → decision buttons: ${seconds} s (task ${record.taskId})`);

    return benchResult({
      name: 'slack-writes',
      title: 'Slack writes per 3-iteration task',
      parameters: { ...options },
      headlines: [
        {
          measure: `chat.* calls per task at 1 write/${options.intervalMs} ms/channel`,
          tandem: String(chatCalls.length),
          baseline: `${progressEvents} (one per progress event)`,
          ratio,
          target: '≤ 15 calls',
          met: chatCalls.length <= 15,
        },
        { measure: '429 answers among them', tandem: String(rateLimited), baseline: '—', ratio: undefined, target: '0', met: rateLimited === 0 },
      ],
      details: {
        chatCalls: chatCalls.length,
        rateLimited,
        byMethod: Object.fromEntries(byMethod),
        progressEvents,
        ratio,
        elapsedMs,
        files: calls.filter((call) => call.method.startsWith('files.')).length,
      },
    });
  } finally {
    await harness.close();
  }
}

if (isMainModule(import.meta.url)) {
  await runAsScript(() => runSlackWrites({ intervalMs: numberArgument('interval-ms', defaultSlackWritesOptions.intervalMs) }));
}
