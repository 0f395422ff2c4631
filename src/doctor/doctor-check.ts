import { execFile } from 'node:child_process';
import type { Config, Environment } from '../config.ts';

/** One line of `tandem doctor`: what was checked, how it went, and for every ✗ what to do. */
export interface DoctorCheck {
  /** What was checked, stable for one configuration: `Node`, `Redis at redis://127.0.0.1:6379`, `GitHub acme/api`. */
  name: string;
  ok: boolean;
  /** What doctor found, in a few words; never a token or a password. */
  detail: string;
  /** Set on every failed check: exactly what to do about it. */
  fix?: string;
  /** Nothing to check because the feature is not configured (still `ok`: doctor passes without it). */
  skipped?: boolean;
}

/** Everything doctor checked; `ok` when no check failed. */
export interface DoctorReport {
  checks: DoctorCheck[];
  ok: boolean;
}

/** Runs a program and resolves with its output; rejects like `execFile` (`code: 'ENOENT'` when it is missing). */
export type DoctorExec = (
  file: string,
  args: readonly string[],
  options: { env: Environment; timeoutMs: number },
) => Promise<{ stdout: string; stderr: string }>;

/** What every area's checks get: the options of `runDoctor` with their defaults filled in. */
export interface DoctorContext {
  config: Config;
  environment: Environment;
  /** The fetch for Ollama, Slack and GitHub, without a timeout (each check adds its own). */
  fetch: typeof fetch;
  now: () => number;
  exec: DoctorExec;
  /** The longest any one network call or program may take. */
  timeoutMs: number;
  nodeVersion: string;
  gitBinary: string;
  redisServerBinary: string;
  redisConfigPath: string;
  manifestPath: string;
  memoryBytes: number;
}

export const passed = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail });
export const failed = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, detail, fix });
export const skipped = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail, skipped: true });

/** `execFile` with the given environment and a timeout, output as text. */
export const defaultExec: DoctorExec = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { env: options.env, timeout: options.timeoutMs, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => (error ? reject(error) : resolve({ stdout, stderr })),
    );
  });

/** `5 s`, `300 ms`. */
export function formatDuration(milliseconds: number): string {
  return milliseconds >= 1000 && milliseconds % 1000 === 0 ? `${milliseconds / 1000} s` : `${milliseconds} ms`;
}

/** Sizes the way Ollama shows them: decimal gigabytes, one decimal. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** Whether `hostname` (from a URL) is this machine: localhost, 127.0.0.0/8, ::1 (or the 0.0.0.0 wildcard). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '0.0.0.0';
}

/**
 * Why a call failed, in a few words: a timeout, an errno code (`ECONNREFUSED`, `ENOTFOUND`)
 * found anywhere in the error's causes, else its first message.
 */
export function reasonOf(error: unknown, timeoutMs: number): string {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth += 1) {
    const candidate = current as { name?: unknown; code?: unknown; cause?: unknown; original?: unknown };
    if (candidate.name === 'TimeoutError' || candidate.name === 'AbortError') return `no answer within ${formatDuration(timeoutMs)}`;
    if (typeof candidate.code === 'string' && /^E[A-Z0-9_]+$/.test(candidate.code)) {
      return candidate.code === 'ETIMEDOUT' ? `no answer within ${formatDuration(timeoutMs)} (ETIMEDOUT)` : candidate.code;
    }
    current = candidate.cause ?? candidate.original;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim().slice(0, 200) || 'unknown error';
}

/** A fetch that gives up after `timeoutMs` (and still honours the caller's own signal). */
export function fetchWithTimeout(baseFetch: typeof fetch, timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return baseFetch(input, { ...init, signal });
  };
}

/** Rejects with a `TimeoutError` when `work` takes longer than `timeoutMs`. */
export async function withTimeout<Value>(work: Promise<Value>, timeoutMs: number): Promise<Value> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${formatDuration(timeoutMs)}`);
      error.name = 'TimeoutError';
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Compares dotted versions numerically: negative when `left` is older than `right`. */
export function compareVersions(left: string, right: string): number {
  const leftParts = left.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const rightParts = right.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let index = 0; index < Math.max(leftParts.length, rightParts.length); index += 1) {
    const difference = (leftParts[index] ?? 0) - (rightParts[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
