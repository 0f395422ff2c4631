import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunPurpose } from './test-runner.ts';
import { scratchVariables, type Sandbox } from './sandbox.ts';

/**
 * The macOS Seatbelt profile of a run (SBPL, as `sandbox-exec -p` takes it). Everything
 * is allowed except: for test runs every network operation (TCP, UDP, loopback and Unix
 * sockets, DNS), and for every run file writes outside the workspace, the run's scratch
 * directory, the shared temp directories and /dev; the workspace's `.git` stays
 * read-only. Paths come in as `-D` parameters (real paths: Seatbelt matches
 * `/private/var/…`, not the `/var/…` symlink), so no path is ever spliced into the text.
 * Untested on the machine this was written on (Linux); see the README.
 */
export function seatbeltProfile(purpose: RunPurpose): string {
  return [
    '(version 1)',
    '(allow default)',
    ...(purpose === 'tests' ? ['(deny network*)'] : []),
    '(deny file-write*)',
    '(allow file-write*',
    '  (subpath (param "WORKSPACE"))',
    '  (subpath (param "SCRATCH"))',
    '  (subpath "/private/tmp")',
    '  (subpath "/private/var/folders")',
    '  (subpath "/dev"))',
    '(deny file-write* (subpath (string-append (param "WORKSPACE") "/.git")))',
    '',
  ].join('\n');
}

/** The paths one sandbox-exec run may write to. */
export interface SeatbeltLayout {
  /** The workspace's real path. */
  workspace: string;
  /** The run's scratch directory (real path). */
  scratch: string;
  purpose: RunPurpose;
}

/** sandbox-exec's arguments for `sh -c <command>`; sandbox-exec execs it, keeping the runner's process group. */
export function seatbeltArguments(layout: SeatbeltLayout, command: string): string[] {
  return [
    '-D', `WORKSPACE=${layout.workspace}`,
    '-D', `SCRATCH=${layout.scratch}`,
    '-p', seatbeltProfile(layout.purpose),
    'sh', '-c', command,
  ];
}

/** macOS `sandbox-exec` at `executable`: test runs get no network; writes stay in the workspace and temp directories. */
export function seatbeltSandbox(executable: string): Sandbox {
  return {
    name: 'sandbox-exec',
    describe: (purpose = 'tests') => ({
      sandbox: 'sandbox-exec',
      network: purpose === 'tests' ? 'denied' : 'allowed',
      writes: 'workspace-and-temp',
    }),
    async wrap({ dir, command, purpose }) {
      const workspace = await realpath(dir);
      const scratch = await mkdtemp(join(await realpath(tmpdir()), 'tandem-sandbox-'));
      return {
        file: executable,
        args: seatbeltArguments({ workspace, scratch, purpose }, command),
        env: scratchVariables(scratch),
        cleanup: () => rm(scratch, { recursive: true, force: true }),
      };
    },
  };
}
