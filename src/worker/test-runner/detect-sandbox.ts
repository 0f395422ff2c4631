import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { TandemError } from '../../errors.ts';
import { bubblewrapBaseArguments, bubblewrapSandbox } from './bubblewrap-sandbox.ts';
import { noSandbox, sandboxChoices, type Sandbox, type SandboxChoice, type SandboxName } from './sandbox.ts';
import { seatbeltSandbox } from './seatbelt-sandbox.ts';
import type { Environment } from './test-environment.ts';
import { unshareArguments, unshareSandbox } from './unshare-sandbox.ts';

/** The outcome of a probe: whether the command exited 0, and what it said when it did not. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** The choice, and seams for the machine being asked (all default to the real one). */
export interface DetectSandboxOptions {
  /** `TEST_SANDBOX`; default `auto`. */
  choice?: SandboxChoice;
  platform?: NodeJS.Platform;
  /** Whose PATH is searched (default `process.env`). */
  env?: Environment;
  /** The absolute path of an executable, or undefined (default: searches PATH, then /usr/sbin and /sbin). */
  which?: (name: string) => Promise<string | undefined>;
  /** Runs a probe command (default: execFile with a 10 s bound). */
  exec?: (file: string, args: string[]) => Promise<ProbeResult>;
}

/** The sandbox picked, with the reasons the stronger ones were not. */
export interface DetectedSandbox {
  sandbox: Sandbox;
  /** Why stronger sandboxes were passed over, e.g. `bwrap: not found on PATH`. */
  unavailable: string[];
}

/** Where the executables are, per PATH (plus the sbin directories that hold `ip`). */
function pathSearch(env: Environment): (name: string) => Promise<string | undefined> {
  const directories = [...(env.PATH ?? '').split(delimiter).filter((entry) => entry !== ''), '/usr/sbin', '/sbin'];
  return async (name) => {
    for (const directory of directories) {
      const candidate = join(directory, name);
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
    return undefined;
  };
}

function runProbe(file: string, args: string[]): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (error, _stdout, stderr) => {
      const detail = String(stderr).trim().split('\n')[0] ?? '';
      resolve(error ? { ok: false, detail: detail || error.message } : { ok: true, detail: '' });
    });
  });
}

type Attempt = { sandbox: Sandbox } | { reason: string };

interface Probes {
  platform: NodeJS.Platform;
  which: (name: string) => Promise<string | undefined>;
  exec: (file: string, args: string[]) => Promise<ProbeResult>;
}

/** Each sandbox is tried the way runs use it: a sandbox that cannot start `true` is not available. */
const attempts: Record<Exclude<SandboxName, 'none'>, (probes: Probes) => Promise<Attempt>> = {
  async bwrap({ platform, which, exec }) {
    if (platform !== 'linux') return { reason: `bwrap: only on Linux, not ${platform}` };
    const executable = await which('bwrap');
    if (!executable) return { reason: 'bwrap: not found on PATH (install bubblewrap)' };
    const probe = await exec(executable, [...bubblewrapBaseArguments, '--unshare-net', '--', 'true']);
    return probe.ok ? { sandbox: bubblewrapSandbox(executable) } : { reason: `bwrap: cannot create a sandbox here: ${probe.detail}` };
  },
  async unshare({ platform, which, exec }) {
    if (platform !== 'linux') return { reason: `unshare: only on Linux, not ${platform}` };
    const executable = await which('unshare');
    if (!executable) return { reason: 'unshare: not found on PATH (util-linux)' };
    const probe = await exec(executable, [...unshareArguments, '--', 'true']);
    if (!probe.ok) return { reason: `unshare: cannot create a user and network namespace: ${probe.detail}` };
    return { sandbox: unshareSandbox(executable, await which('ip')) };
  },
  async 'sandbox-exec'({ platform, which, exec }) {
    if (platform !== 'darwin') return { reason: `sandbox-exec: only on macOS, not ${platform}` };
    const executable = await which('sandbox-exec');
    if (!executable) return { reason: 'sandbox-exec: not found on PATH' };
    const probe = await exec(executable, ['-p', '(version 1)(allow default)(deny network*)', 'true']);
    return probe.ok ? { sandbox: seatbeltSandbox(executable) } : { reason: `sandbox-exec: cannot apply a profile: ${probe.detail}` };
  },
};

/** Strongest first, per platform. */
const automaticOrder: Partial<Record<NodeJS.Platform, (keyof typeof attempts)[]>> = {
  linux: ['bwrap', 'unshare'],
  darwin: ['sandbox-exec'],
};

/**
 * The sandbox test runs use. `auto` takes the strongest that works on this machine
 * (Linux: bwrap, then unshare; macOS: sandbox-exec) and falls back to `none`; an explicit
 * choice that does not work here is an error naming `TEST_SANDBOX`.
 */
export async function detectSandbox(options: DetectSandboxOptions = {}): Promise<DetectedSandbox> {
  const choice = options.choice ?? 'auto';
  if (!(sandboxChoices as readonly string[]).includes(choice)) {
    throw new TandemError('invalid_config', `TEST_SANDBOX must be one of ${sandboxChoices.join(', ')}, not "${choice}"`);
  }
  if (choice === 'none') return { sandbox: noSandbox, unavailable: [] };
  const probes: Probes = {
    platform: options.platform ?? process.platform,
    which: options.which ?? pathSearch(options.env ?? process.env),
    exec: options.exec ?? runProbe,
  };
  const unavailable: string[] = [];
  const candidates = choice === 'auto' ? (automaticOrder[probes.platform] ?? []) : [choice];
  for (const name of candidates) {
    const attempt = await attempts[name](probes);
    if ('sandbox' in attempt) return { sandbox: attempt.sandbox, unavailable };
    unavailable.push(attempt.reason);
  }
  if (choice !== 'auto') {
    throw new TandemError(
      'sandbox_unavailable',
      `TEST_SANDBOX=${choice} is not available on this machine (${unavailable.join('; ')}); set TEST_SANDBOX=auto for the strongest one available, or none`,
    );
  }
  return { sandbox: noSandbox, unavailable };
}
