import { Ollama } from 'ollama';
import { TandemError } from '../errors.ts';
import { estimateModelBytes, formatGigabytes, overBudgetText } from './model-memory.ts';
import type { OllamaResidency } from './ollama-residency.ts';

export interface PreflightOptions {
  host: string;
  /** Which setting names this URL, for the message (`ROUTER_OLLAMA_URL`). */
  setting: string;
  models: string[];
  fetch?: typeof fetch;
  /** Asks the person a yes/no question; absent when nobody can answer (not a terminal). */
  ask?: (question: string) => Promise<boolean>;
  /** Where pull progress goes (a terminal line redrawn in place). */
  write?: (text: string) => void;
}

/** `▰▰▰▱▱▱▱▱▱▱ 31% (1.5/4.7 GB)` */
export function progressLine(completed: number, total: number): string {
  const share = total > 0 ? Math.min(1, completed / total) : 0;
  const filled = Math.round(share * 20);
  return `${'▰'.repeat(filled)}${'▱'.repeat(20 - filled)} ${Math.round(share * 100)}% (${formatGigabytes(completed)}/${formatGigabytes(total)})`;
}

/**
 * Before the console starts: Ollama answers at `host`, and every model it needs is there.
 * A missing model is pulled (with a progress bar) when the person agrees, otherwise the
 * error names the command.
 */
export async function ensureOllamaModels(options: PreflightOptions): Promise<void> {
  const baseFetch = options.fetch ?? fetch;
  const quick: typeof fetch = (input, init) => baseFetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(5000) });
  const client = new Ollama({ host: options.host, fetch: quick });
  let installed: string[];
  try {
    installed = (await client.list()).models.map((model) => model.name);
  } catch (error) {
    throw new TandemError(
      'ollama_unreachable',
      `cannot reach Ollama at ${options.host} (${options.setting}). Start it with \`ollama serve\` (or open the Ollama app), or point ${options.setting} at a running one.`,
      { cause: error, retryable: true },
    );
  }
  const has = (model: string) => installed.some((name) => name === model || name === `${model}:latest`);
  for (const model of [...new Set(options.models)].filter((candidate) => !has(candidate))) {
    const agreed = options.ask ? await options.ask(`${model} is not installed at ${options.host}. Pull it now? [Y/n] `) : false;
    if (!agreed) {
      throw new TandemError('model_missing', `${model} is not installed at ${options.host}: run \`ollama pull ${model}\` and start again.`);
    }
    await pullModel(new Ollama({ host: options.host, fetch: baseFetch }), model, options.write ?? (() => undefined));
  }
}

async function pullModel(client: Ollama, model: string, write: (text: string) => void): Promise<void> {
  try {
    const stream = await client.pull({ model, stream: true });
    for await (const part of stream) {
      const bar = part.total ? ` ${progressLine(part.completed ?? 0, part.total)}` : '';
      write(`\r  pulling ${model}: ${part.status}${bar}\u001b[K`);
    }
    write(`\r  pulled ${model}\u001b[K\n`);
  } catch (error) {
    throw new TandemError('model_missing', `pulling ${model} failed: ${(error as Error).message}. Try \`ollama pull ${model}\`.`, { cause: error });
  }
}

export interface MemoryBudgetCheck {
  residency: Pick<OllamaResidency, 'footprint'>;
  models: string[];
  budgetBytes: number;
  maxContext: number;
}

/**
 * The worker's models that cannot fit its memory budget at the context they get, each
 * said as the error a task would stop with at its first call of that model. A model
 * Ollama cannot describe is left to that first call.
 */
export async function overBudgetModels(check: MemoryBudgetCheck): Promise<string[]> {
  const problems: string[] = [];
  for (const model of new Set(check.models)) {
    const footprint = await check.residency.footprint(model).catch(() => undefined);
    if (!footprint) continue;
    const needed = estimateModelBytes(footprint, check.maxContext);
    if (needed > check.budgetBytes) problems.push(overBudgetText(model, needed, check.maxContext, check.budgetBytes));
  }
  return problems;
}
