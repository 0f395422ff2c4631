import type { RunPurpose } from './test-runner.ts';

/** The values of `TEST_SANDBOX`: `auto` picks the strongest sandbox this machine has. */
export const sandboxChoices = ['auto', 'bwrap', 'unshare', 'sandbox-exec', 'none'] as const;
export type SandboxChoice = (typeof sandboxChoices)[number];
/** A sandbox that runs commands (what `auto` resolves to). */
export type SandboxName = Exclude<SandboxChoice, 'auto'>;

/**
 * Where a sandboxed command may write: `workspace-only` (plus a private temp directory
 * nobody else sees), `workspace-and-temp` (plus the machine's shared temp directories),
 * or `unrestricted` (anywhere the user may).
 */
export type WriteScope = 'workspace-only' | 'workspace-and-temp' | 'unrestricted';

/** What a sandbox enforces for one kind of run. */
export interface SandboxPolicy {
  sandbox: SandboxName;
  network: 'denied' | 'allowed';
  writes: WriteScope;
}

/** One command to wrap. */
export interface WrapInput {
  /** The task's working copy (the only place of the user's files a run may write). */
  dir: string;
  command: string;
  purpose: RunPurpose;
}

/** How to start a wrapped command; `cleanup` removes what `wrap` created once the run is over. */
export interface SandboxedCommand {
  file: string;
  args: string[];
  /** Added to the run's allow-listed environment. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Wraps a shell command line so that it runs under the sandbox's restrictions. */
export interface Sandbox {
  readonly name: SandboxName;
  /** What a run of `purpose` (default `tests`) gets. */
  describe(purpose?: RunPurpose): SandboxPolicy;
  wrap(input: WrapInput): Promise<SandboxedCommand>;
}

/** One line for logs and failed-run output, e.g. `sandbox bwrap: network denied, writes workspace-only`. */
export function describePolicy(policy: SandboxPolicy): string {
  return `sandbox ${policy.sandbox}: network ${policy.network}, writes ${policy.writes}`;
}

/**
 * Where package managers and build tools put their caches and temp files when the home
 * directory is read-only: a scratch directory private to the run (installs therefore
 * start from an empty cache, and no task can plant anything in another task's cache).
 */
export function scratchVariables(scratch: string): Record<string, string> {
  return {
    TMPDIR: scratch,
    npm_config_cache: `${scratch}/npm-cache`,
    npm_config_store_dir: `${scratch}/pnpm-store`,
    YARN_CACHE_FOLDER: `${scratch}/yarn-cache`,
    GOCACHE: `${scratch}/go-build`,
  };
}

const nothingToClean = async () => undefined;

/** `sh -c <command>` as it always ran: network allowed, writes unrestricted. */
export const noSandbox: Sandbox = {
  name: 'none',
  describe: () => ({ sandbox: 'none', network: 'allowed', writes: 'unrestricted' }),
  wrap: async ({ command }) => ({ file: 'sh', args: ['-c', command], env: {}, cleanup: nothingToClean }),
};

/** `value` quoted for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
