import { Ollama } from 'ollama';
import type { Config } from '../config.ts';
import {
  failed,
  fetchWithTimeout,
  formatBytes,
  isLoopbackHost,
  passed,
  reasonOf,
  type DoctorCheck,
  type DoctorContext,
} from './doctor-check.ts';

/** A model bigger than this share of the machine's memory leaves too little for everything else. */
export const modelMemoryShare = 0.85;

/** The roles, their model variable, and which Ollama URL serves them. */
const roles = [
  { role: 'router', variable: 'ROUTER_MODEL', on: 'router' },
  { role: 'documenter', variable: 'DOCUMENTER_MODEL', on: 'router' },
  { role: 'worker', variable: 'WORKER_MODEL', on: 'worker' },
  { role: 'planner', variable: 'PLANNER_MODEL', on: 'worker' },
  { role: 'coder', variable: 'CODER_MODEL', on: 'worker' },
  { role: 'reviewer', variable: 'REVIEWER_MODEL', on: 'worker' },
  { role: 'tester', variable: 'TESTER_MODEL', on: 'worker' },
] as const;

interface PlannedModel {
  name: string;
  roles: string[];
  /** The model variables of those roles: `WORKER_MODEL`, `CODER_MODEL`, … */
  variables: string[];
  /** The URL variables that send those roles here: `ROUTER_OLLAMA_URL` and/or `WORKER_OLLAMA_URL`. */
  urlVariables: string[];
}

interface PlannedUrl {
  url: string;
  /** `ROUTER_OLLAMA_URL`, `WORKER_OLLAMA_URL`, or both. */
  variables: string[];
  models: PlannedModel[];
}

/** `http://host:11434` without a trailing slash, the form to compare and show. */
function normalizeUrl(url: string): string {
  return new URL(url).href.replace(/\/+$/, '');
}

/** Ollama's full model name: a name without a tag means `:latest`. */
function fullModelName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

/** Each distinct Ollama URL of the configuration, with the models the configuration maps to it (deduplicated). */
export function plannedOllama(config: Config): PlannedUrl[] {
  const byUrl = new Map<string, PlannedUrl>();
  for (const { role, variable, on } of roles) {
    const url = normalizeUrl(on === 'router' ? config.ollama.routerUrl : config.ollama.workerUrl);
    const urlVariable = on === 'router' ? 'ROUTER_OLLAMA_URL' : 'WORKER_OLLAMA_URL';
    const planned = byUrl.get(url) ?? byUrl.set(url, { url, variables: [], models: [] }).get(url)!;
    if (!planned.variables.includes(urlVariable)) planned.variables.push(urlVariable);
    const name = config.models[role];
    const model = planned.models.find((candidate) => fullModelName(candidate.name) === fullModelName(name));
    if (model) {
      model.roles.push(role);
      model.variables.push(variable);
      if (!model.urlVariables.includes(urlVariable)) model.urlVariables.push(urlVariable);
    } else {
      planned.models.push({ name, roles: [role], variables: [variable], urlVariables: [urlVariable] });
    }
  }
  return [...byUrl.values()];
}

/** Ollama's checks: for each distinct URL, reachable, then each model installed, loaded, and fitting in memory. */
export async function checkOllama(context: DoctorContext): Promise<DoctorCheck[]> {
  const results = await Promise.all(plannedOllama(context.config).map((planned) => checkOneOllama(planned, context)));
  return results.flat();
}

/** "loaded (stays resident)", "loaded, unloads in 4 min", "not loaded (loads on first use)". */
function residency(loaded: { expires_at?: unknown } | undefined, now: number): string {
  if (!loaded) return 'not loaded (loads on first use)';
  const expiresAt = loaded.expires_at ? new Date(String(loaded.expires_at)).getTime() : Number.NaN;
  if (!Number.isFinite(expiresAt) || expiresAt - now > 365 * 24 * 3600_000) return 'loaded (stays resident)';
  const minutes = Math.max(0, Math.round((expiresAt - now) / 60_000));
  return `loaded, unloads in ${minutes} min`;
}

async function checkOneOllama(planned: PlannedUrl, context: DoctorContext): Promise<DoctorCheck[]> {
  const { url } = planned;
  const host = new URL(url);
  const loopback = isLoopbackHost(host.hostname);
  const name = `Ollama at ${url}`;
  const client = new Ollama({ host: url, fetch: fetchWithTimeout(context.fetch, context.timeoutMs) });

  let version: string;
  try {
    version = (await client.version()).version;
  } catch (error) {
    const status = (error as { status_code?: unknown }).status_code;
    if (typeof status === 'number') {
      // Something answered, but not as Ollama does (a proxy, another server on that port).
      return [
        failed(
          name,
          `answered HTTP ${status} to /api/version: not an Ollama API`,
          `point ${planned.variables.join(' / ')} at Ollama (default http://127.0.0.1:11434), or start Ollama there with \`ollama serve\``,
        ),
      ];
    }
    const fix = loopback
      ? 'start it with `ollama serve` (or open the Ollama app)'
      : `start it on ${host.hostname} with \`OLLAMA_HOST=0.0.0.0 ollama serve\` (or open the Ollama app there), and check ${planned.variables.join(' / ')}`;
    return [failed(name, `unreachable (${reasonOf(error, context.timeoutMs)})`, fix)];
  }
  const checks: DoctorCheck[] = [passed(name, `reachable, Ollama ${version}`)];

  const [installed, loaded] = await Promise.allSettled([client.list(), client.ps()]);
  if (installed.status === 'rejected') {
    checks.push(
      failed(
        `Models at ${url}`,
        `could not list the installed models (${reasonOf(installed.reason, context.timeoutMs)})`,
        'run `ollama list` on that machine to see what is wrong, then run `tandem doctor` again',
      ),
    );
    return checks;
  }
  const loadedModels = loaded.status === 'fulfilled' ? loaded.value.models : [];
  const memory = context.memoryBytes;
  const pullHere = (model: string) =>
    loopback ? `\`ollama pull ${model}\`` : `\`ollama pull ${model}\` on ${host.hostname} (from here: \`OLLAMA_HOST=${host.host} ollama pull ${model}\`)`;

  for (const model of planned.models) {
    const checkName = `Model ${model.name} at ${url}`;
    const wanted = fullModelName(model.name);
    const found = installed.value.models.find((candidate) => fullModelName(candidate.name) === wanted);
    const usedBy = model.roles.join(', ');
    if (!found) {
      checks.push(failed(checkName, `not installed (used by ${usedBy})`, pullHere(model.name)));
      continue;
    }
    const resident = loaded.status === 'fulfilled'
      ? residency(loadedModels.find((candidate) => fullModelName(candidate.name) === wanted), context.now())
      : 'residency unknown (/api/ps failed)';
    const size = formatBytes(found.size);
    if (!loopback) {
      checks.push(passed(checkName, `installed, ${size}, ${resident}; used by ${usedBy} (memory not compared: it runs on another machine)`));
      continue;
    }
    if (found.size > memory * modelMemoryShare) {
      checks.push(
        failed(
          checkName,
          `installed, ${size}: too big for this machine's ${formatBytes(memory)} of memory (more than ${Math.round(modelMemoryShare * 100)}%); used by ${usedBy}`,
          `pick a smaller quantisation (a smaller tag of the model, e.g. q4_K_M or q3_K_M: ${pullHere('<that tag>')}) and set ${model.variables.join(' / ')} to it, ` +
            `or point ${model.urlVariables.join(' / ')} at the machine with more memory`,
        ),
      );
      continue;
    }
    checks.push(passed(checkName, `installed, ${size} of this machine's ${formatBytes(memory)}, ${resident}; used by ${usedBy}`));
  }
  return checks;
}
