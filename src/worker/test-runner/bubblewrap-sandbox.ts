import { lstat, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunPurpose } from './test-runner.ts';
import { scratchVariables, type Sandbox } from './sandbox.ts';

/** Inside the sandbox `/tmp` is a fresh tmpfs: the run's private scratch, gone with it. */
const scratch = '/tmp';

/**
 * The namespaces and mounts every bwrap run gets. `--unshare-pid` makes bwrap's own init
 * pid 1 of a new PID namespace: when it dies (the command exited, or the runner killed
 * bwrap's process group and `--die-with-parent` followed), the kernel kills every process
 * left in the namespace, including ones that started their own session or group.
 * `--cap-drop ALL` matters when the worker runs as root: without it, root in the sandbox
 * keeps CAP_SYS_ADMIN and can remount `/` read-write.
 */
export const bubblewrapBaseArguments = [
  '--die-with-parent',
  '--new-session',
  '--unshare-pid',
  '--cap-drop', 'ALL',
  '--ro-bind', '/', '/',
  '--dev', '/dev',
  '--proc', '/proc',
  // Private /tmp; an empty /run (and /var/run) hides host sockets such as docker.sock.
  '--tmpfs', '/tmp',
  '--tmpfs', '/run',
];

/** The paths one bwrap run binds, resolved before the arguments are built. */
export interface BubblewrapLayout {
  /** The workspace as the runner names it (the working directory). */
  dir: string;
  /** Its real path, bound read-write. */
  workspace: string;
  /** `<workspace>/.git` when present: bound read-only over the writable workspace. */
  gitDir: string | undefined;
  /** The real path of /etc/resolv.conf when it lives under /run (systemd-resolved), for installs. */
  resolverFile: string | undefined;
  purpose: RunPurpose;
}

/**
 * bwrap's arguments for `sh -c <command>`: the whole filesystem read-only, the workspace
 * writable except its `.git` (whose config and hooks git runs outside the sandbox later),
 * and for test runs a new network namespace holding only its own loopback.
 */
export function bubblewrapArguments(layout: BubblewrapLayout, command: string): string[] {
  const tests = layout.purpose === 'tests';
  return [
    ...bubblewrapBaseArguments,
    ...(tests ? ['--unshare-net'] : []),
    ...(!tests && layout.resolverFile ? ['--ro-bind', layout.resolverFile, layout.resolverFile] : []),
    '--bind', layout.workspace, layout.workspace,
    ...(layout.gitDir ? ['--ro-bind', layout.gitDir, layout.gitDir] : []),
    '--chdir', layout.dir,
    '--',
    'sh', '-c', command,
  ];
}

async function resolverUnderRun(): Promise<string | undefined> {
  try {
    const path = await realpath('/etc/resolv.conf');
    return path.startsWith('/run/') ? path : undefined;
  } catch {
    return undefined;
  }
}

async function presentGitDir(workspace: string): Promise<string | undefined> {
  const gitDir = join(workspace, '.git');
  return lstat(gitDir).then(
    () => gitDir,
    () => undefined,
  );
}

/** Linux bubblewrap at `executable`: test runs get no network; every run writes only to its workspace. */
export function bubblewrapSandbox(executable: string): Sandbox {
  return {
    name: 'bwrap',
    describe: (purpose = 'tests') => ({ sandbox: 'bwrap', network: purpose === 'tests' ? 'denied' : 'allowed', writes: 'workspace-only' }),
    async wrap({ dir, command, purpose }) {
      const workspace = await realpath(dir);
      const layout: BubblewrapLayout = {
        dir,
        workspace,
        gitDir: await presentGitDir(workspace),
        resolverFile: purpose === 'install' ? await resolverUnderRun() : undefined,
        purpose,
      };
      return { file: executable, args: bubblewrapArguments(layout, command), env: scratchVariables(scratch), cleanup: async () => undefined };
    },
  };
}
