import { simpleGit, type SimpleGit } from 'simple-git';
import type { Environment } from './git-auth.ts';

/** Default bound for one git child process. */
export const defaultGitTimeoutMs = 5 * 60_000;

/**
 * Variables simple-git guards (every `GIT_*` plus these): its environment guard rejects a
 * task whose explicit environment carries one that is not allow-listed, so they are dropped
 * from the inherited environment.
 */
const guardedNames = new Set(['editor', 'pager', 'prefix', 'ssh_askpass', 'visual']);

/** Inherited git variables that only say which CA certificates to trust (set by operators, proxies). */
const inheritedGitVariables = new Set(['GIT_SSL_CAINFO', 'GIT_SSL_CAPATH']);

/** The only guarded variables git children get: the inherited CA settings and what tandem sets. */
const allowedGitVariables = [...inheritedGitVariables, 'GIT_TERMINAL_PROMPT', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0'];

export interface GitClientOptions {
  /** Inherited environment (guarded variables are removed from it). */
  baseEnv: Environment;
  /** Extra variables for this client, e.g. from `gitAuthEnvironment`. */
  extraEnv?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The environment every tandem git child gets: no prompts, stable (English) messages. */
export function gitChildEnvironment(baseEnv: Environment, extraEnv: Record<string, string> = {}): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnv)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower === 'language') continue;
    if ((lower.startsWith('git_') || guardedNames.has(lower)) && !inheritedGitVariables.has(name)) continue;
    environment[name] = value;
  }
  return { ...environment, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', ...extraEnv };
}

/**
 * A simple-git client for `baseDir` whose every child process has an absolute time bound,
 * follows `signal`, and runs with `gitChildEnvironment`. `GIT_CONFIG_COUNT` needs
 * simple-git's `unsafe.allowUnsafeConfigEnvCount`: the only config it carries is ours
 * (`http.extraHeader`), never anything from a repository or a request.
 */
export function createGit(baseDir: string, options: GitClientOptions): SimpleGit {
  const environment = gitChildEnvironment(options.baseEnv, options.extraEnv);
  return simpleGit({
    baseDir,
    abort: options.signal,
    timeout: { block: options.timeoutMs, stdOut: false, stdErr: false },
    allowEnvironment: allowedGitVariables,
    unsafe: { allowUnsafeConfigEnvCount: 'GIT_CONFIG_COUNT' in environment },
  }).env(environment);
}
