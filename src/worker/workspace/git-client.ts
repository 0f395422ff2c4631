import type { Environment } from './git-auth.ts';

/** Default bound for one git child process. */
export const defaultGitTimeoutMs = 5 * 60_000;

/**
 * Variables dropped from the inherited environment besides every `GIT_*`: an editor, a pager
 * or an askpass program would make git wait for a person, and `PREFIX` moves where git
 * looks for its system config.
 */
const droppedNames = new Set(['editor', 'pager', 'prefix', 'ssh_askpass', 'visual']);

/** Inherited git variables that only say which CA certificates to trust (set by operators, proxies). */
const inheritedGitVariables = new Set(['GIT_SSL_CAINFO', 'GIT_SSL_CAPATH']);

/**
 * The environment every tandem git child gets: no prompts, stable (English) messages, no
 * inherited `GIT_*` variable but the CA settings (a `GIT_DIR` or `GIT_CONFIG_PARAMETERS` from
 * the worker's shell must not redirect or reconfigure task git), then `extraEnv` (e.g.
 * `gitAuthEnvironment`).
 */
export function gitChildEnvironment(baseEnv: Environment, extraEnv: Record<string, string> = {}): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(baseEnv)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower === 'language') continue;
    if ((lower.startsWith('git_') || droppedNames.has(lower)) && !inheritedGitVariables.has(name)) continue;
    environment[name] = value;
  }
  return { ...environment, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', ...extraEnv };
}
