/**
 * A bounded soak: tasks run one after another through the whole of tandem on loopbacks (the
 * gateway harness: real Redis, Bolt over HTTP, one worker, loopback Slack, GitHub and Ollama),
 * reporting after each the process RSS, its open handles (`process.getActiveResourcesInfo()`)
 * and the Redis keys under the harness's prefix.
 *
 *   node --import tsx bench/soak.ts --tasks 50
 *   node --import tsx bench/soak.ts --minutes 30
 *
 * test/reliability/soak.test.ts runs a short form (`runSoak({ tasks: 5 })`).
 */
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { createGatewayHarness, developer } from '../test/kit/gateway-harness.ts';
import { calculatorRepo, fullTeam } from '../test/kit/scripted-team.ts';

/** One line of the soak's report, after `task` tasks finished. */
export interface SoakSample {
  task: number;
  rssMegabytes: number;
  /** Active handles and requests by type (`TCPSocketWrap`, `Timeout`, …). */
  handles: Record<string, number>;
  handleCount: number;
  redisKeys: number;
  elapsedSeconds: number;
}

export interface SoakResult {
  baseline: SoakSample;
  samples: SoakSample[];
  /** Redis keys added per finished task, from the first task to the last (the first task's setup keys excluded). */
  keyGrowthPerTask: number;
  /** Open handles once the harness is closed, by type, against the count before it started. */
  handlesBefore: number;
  handlesAfter: number;
}

function countHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

async function countKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

/** Runs tasks until `tasks` finished or `minutes` passed (whichever is given; both: the first reached). */
export async function runSoak(options: { tasks?: number; minutes?: number; onSample?: (sample: SoakSample) => void }): Promise<SoakResult> {
  const maxTasks = options.tasks ?? Infinity;
  const deadline = options.minutes === undefined ? Infinity : Date.now() + options.minutes * 60_000;
  const handlesBefore = process.getActiveResourcesInfo().length;
  const started = Date.now();
  const harness = await createGatewayHarness('soak', 'http');
  const redis = new Redis(harness.redis.url);
  const samples: SoakSample[] = [];
  const sample = async (task: number): Promise<SoakSample> => {
    const handles = countHandles();
    return {
      task,
      rssMegabytes: Math.round(process.memoryUsage().rss / 1024 / 1024),
      handles,
      handleCount: Object.values(handles).reduce((sum, count) => sum + count, 0),
      redisKeys: await countKeys(redis, harness.prefix),
      elapsedSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
  };
  let baseline: SoakSample;
  try {
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(fullTeam());
    await harness.startWorker();
    await harness.startGateway();
    baseline = await sample(0);
    options.onSample?.(baseline);
    for (let task = 1; task <= maxTasks && Date.now() < deadline; task += 1) {
      const text = `acme/calc fix add, soak ${task}`;
      await harness.driver.slashCommand({ text, userId: developer, channelId: 'CSOAK1' });
      await harness.waitForTask(
        (record) => record.request.endsWith(`soak ${task}`) && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
        `soak task ${task}`,
        120_000,
      );
      const current = await sample(task);
      samples.push(current);
      options.onSample?.(current);
    }
  } finally {
    await redis.quit();
    await harness.close();
  }
  // Let closed sockets and timers go.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const first = samples[0];
  const last = samples.at(-1);
  const keyGrowthPerTask = first && last && last.task > first.task ? (last.redisKeys - first.redisKeys) / (last.task - first.task) : 0;
  return { baseline: baseline!, samples, keyGrowthPerTask, handlesBefore, handlesAfter: process.getActiveResourcesInfo().length };
}

function argument(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : Number(process.argv[index + 1]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tasks = argument('tasks');
  const minutes = argument('minutes');
  const result = await runSoak({
    tasks: tasks ?? (minutes === undefined ? 20 : undefined),
    minutes,
    onSample: (entry) =>
      console.log(
        `task ${String(entry.task).padStart(4)}  ${String(entry.elapsedSeconds).padStart(7)} s  rss ${entry.rssMegabytes} MB  ` +
          `handles ${entry.handleCount} ${JSON.stringify(entry.handles)}  redis keys ${entry.redisKeys}`,
      ),
  });
  console.log(
    `keys per task ${result.keyGrowthPerTask.toFixed(2)}; rss ${result.baseline.rssMegabytes} → ${result.samples.at(-1)?.rssMegabytes ?? '-'} MB; ` +
      `handles before ${result.handlesBefore}, after ${result.handlesAfter}`,
  );
  process.exit(0);
}
