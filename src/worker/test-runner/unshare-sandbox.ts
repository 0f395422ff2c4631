import { shellQuote, type Sandbox } from './sandbox.ts';

/** A new user namespace (the caller mapped to root in it) holding a new, empty network namespace. */
export const unshareArguments = ['--user', '--map-root-user', '--net'];

/**
 * unshare's arguments for a test run of `sh -c <command>`. unshare execs its command, so
 * the process keeps the pid and process group the runner kills on timeout. The new
 * namespace's loopback starts down; `ipExecutable` (iproute2), when present, brings it up
 * so the tests can still talk to servers they start themselves.
 */
export function unshareTestArguments(command: string, ipExecutable: string | undefined): string[] {
  const loopback = ipExecutable ? `${shellQuote(ipExecutable)} link set lo up 2>/dev/null; ` : '';
  return [...unshareArguments, '--', 'sh', '-c', `${loopback}exec sh -c "$1"`, 'sh', command];
}

/**
 * Linux without bubblewrap: `unshare` denies test runs the network, nothing more. Writes
 * are not confined and the tests see uid 0 (mapped to the worker's user); installs need
 * the network and run unsandboxed.
 */
export function unshareSandbox(executable: string, ipExecutable: string | undefined): Sandbox {
  return {
    name: 'unshare',
    describe: (purpose = 'tests') => ({ sandbox: 'unshare', network: purpose === 'tests' ? 'denied' : 'allowed', writes: 'unrestricted' }),
    wrap: async ({ command, purpose }) =>
      purpose === 'tests'
        ? { file: executable, args: unshareTestArguments(command, ipExecutable), env: {}, cleanup: async () => undefined }
        : { file: 'sh', args: ['-c', command], env: {}, cleanup: async () => undefined },
  };
}
