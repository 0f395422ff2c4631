import { describeError } from '../errors.ts';
import type { RegisteredWorker, WorkerListing } from '../queue/worker-registry.ts';
import { formatElapsed } from './task-messages.ts';

const shownWorkers = 20;

/** Personas grouped by model: `qwen3-coder-next:q4_K_M (planner, coder, reviewer, tester)`. */
function modelsText(models: Record<string, string>): string {
  const personasByModel = new Map<string, string[]>();
  for (const [persona, model] of Object.entries(models)) personasByModel.set(model, [...(personasByModel.get(model) ?? []), persona]);
  return [...personasByModel].map(([model, personas]) => `${model} (${personas.join(', ')})`).join(', ') || 'no models';
}

function workerLine(worker: RegisteredWorker, now: number): string {
  const tasks = worker.running.map((taskId) => `\`${taskId}\``).join(', ');
  const heartbeat = `${formatElapsed(worker.heartbeatAgeMs)} ago`;
  const state = worker.silent
    ? `⚠️ *gone silent*, last heartbeat ${heartbeat}${tasks ? ` · was running ${tasks}` : ''}`
    : `${tasks ? `running ${tasks}` : 'idle'} · heartbeat ${heartbeat}`;
  const details = `concurrency ${worker.concurrency} · up ${formatElapsed(now - worker.startedAt)} · ${modelsText(worker.models)}`;
  return `• \`${worker.name}\` on ${worker.host} · ${state} · ${details}`;
}

/**
 * `/tandem status`'s workers: a count of those online (and gone silent), then one line
 * each with host, what it runs, heartbeat, concurrency, uptime and models per persona.
 */
export function workerLines(listing: WorkerListing | Error, now: number): string[] {
  if (listing instanceof Error) return [`*Workers* — could not read the registry (${describeError(listing)})`];
  const silent = listing.workers.filter((worker) => worker.silent).length;
  const online = listing.workers.length - silent;
  const lines = [`*Workers online* — ${online}${silent ? ` · ${silent} gone silent` : ''}`];
  for (const worker of listing.workers.slice(0, shownWorkers)) lines.push(workerLine(worker, now));
  if (listing.workers.length > shownWorkers) lines.push(`• … and ${listing.workers.length - shownWorkers} more`);
  for (const { name, problem } of listing.unreadable) lines.push(`• ⚠️ \`${name}\`: its registration is unreadable (${problem})`);
  return lines;
}
