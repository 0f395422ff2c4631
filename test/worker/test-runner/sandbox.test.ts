import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bubblewrapArguments, bubblewrapSandbox } from '../../../src/worker/test-runner/bubblewrap-sandbox.ts';
import { detectSandbox, type ProbeResult } from '../../../src/worker/test-runner/detect-sandbox.ts';
import { describePolicy, noSandbox, shellQuote } from '../../../src/worker/test-runner/sandbox.ts';
import { seatbeltArguments, seatbeltProfile, seatbeltSandbox } from '../../../src/worker/test-runner/seatbelt-sandbox.ts';
import { unshareSandbox, unshareTestArguments } from '../../../src/worker/test-runner/unshare-sandbox.ts';

const layout = {
  dir: '/work/tasks/task-1',
  workspace: '/work/tasks/task-1',
  gitDir: '/work/tasks/task-1/.git',
  resolverFile: '/run/systemd/resolve/stub-resolv.conf',
};

test('bwrap: test runs lose the network, keep the workspace writable and .git read-only', () => {
  const args = bubblewrapArguments({ ...layout, purpose: 'tests' }, 'npm test');
  assert.deepEqual(args, [
    '--die-with-parent', '--new-session', '--unshare-pid', '--cap-drop', 'ALL',
    '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--tmpfs', '/run',
    '--unshare-net',
    '--bind', '/work/tasks/task-1', '/work/tasks/task-1',
    '--ro-bind', '/work/tasks/task-1/.git', '/work/tasks/task-1/.git',
    '--chdir', '/work/tasks/task-1',
    '--', 'sh', '-c', 'npm test',
  ]);
});

test('bwrap: installs keep the network (and the resolver under /run) but not the rest of the filesystem', () => {
  const args = bubblewrapArguments({ ...layout, gitDir: undefined, purpose: 'install' }, 'npm ci');
  assert.ok(!args.includes('--unshare-net'));
  assert.ok(args.join(' ').includes('--ro-bind /run/systemd/resolve/stub-resolv.conf /run/systemd/resolve/stub-resolv.conf'));
  assert.ok(args.join(' ').includes('--bind /work/tasks/task-1 /work/tasks/task-1 --chdir'));
  assert.deepEqual(args.slice(-4), ['--', 'sh', '-c', 'npm ci']);
});

test('unshare: a network namespace with its loopback brought up, the command passed as an argument', () => {
  assert.deepEqual(unshareTestArguments(`echo 'it''s'`, '/usr/sbin/ip'), [
    '--user', '--map-root-user', '--net', '--',
    'sh', '-c', `'/usr/sbin/ip' link set lo up 2>/dev/null; exec sh -c "$1"`, 'sh', `echo 'it''s'`,
  ]);
  assert.deepEqual(unshareTestArguments('npm test', undefined).slice(4), ['sh', '-c', 'exec sh -c "$1"', 'sh', 'npm test']);
});

test('sandbox-exec: the profile denies the network for tests and writes outside the workspace and temp dirs', () => {
  const tests = seatbeltProfile('tests');
  assert.equal(
    tests,
    [
      '(version 1)',
      '(allow default)',
      '(deny network*)',
      '(deny file-write*)',
      '(allow file-write*',
      '  (subpath (param "WORKSPACE"))',
      '  (subpath (param "SCRATCH"))',
      '  (subpath "/private/tmp")',
      '  (subpath "/private/var/folders")',
      '  (subpath "/dev"))',
      '(deny file-write* (subpath (string-append (param "WORKSPACE") "/.git")))',
      '',
    ].join('\n'),
  );
  const install = seatbeltProfile('install');
  assert.doesNotMatch(install, /network/);
  assert.match(install, /\(deny file-write\*\)/);
});

test('sandbox-exec: paths travel as -D parameters, never inside the profile text', () => {
  const workspace = '/private/var/folders/x/"quoted") (allow default';
  const args = seatbeltArguments({ workspace, scratch: '/private/var/folders/x/T/tandem-sandbox-1', purpose: 'tests' }, 'npm test');
  assert.deepEqual(args.slice(0, 4), ['-D', `WORKSPACE=${workspace}`, '-D', 'SCRATCH=/private/var/folders/x/T/tandem-sandbox-1']);
  assert.equal(args[4], '-p');
  assert.equal(args[5], seatbeltProfile('tests'));
  assert.deepEqual(args.slice(6), ['sh', '-c', 'npm test']);
});

test('each sandbox says what it enforces, for tests and for installs', () => {
  const lines = [bubblewrapSandbox('/usr/bin/bwrap'), unshareSandbox('/usr/bin/unshare', undefined), seatbeltSandbox('/usr/bin/sandbox-exec'), noSandbox].flatMap(
    (sandbox) => [describePolicy(sandbox.describe()), describePolicy(sandbox.describe('install'))],
  );
  assert.deepEqual(lines, [
    'sandbox bwrap: network denied, writes workspace-only',
    'sandbox bwrap: network allowed, writes workspace-only',
    'sandbox unshare: network denied, writes unrestricted',
    'sandbox unshare: network allowed, writes unrestricted',
    'sandbox sandbox-exec: network denied, writes workspace-and-temp',
    'sandbox sandbox-exec: network allowed, writes workspace-and-temp',
    'sandbox none: network allowed, writes unrestricted',
    'sandbox none: network allowed, writes unrestricted',
  ]);
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

/** A machine with these executables, whose probes succeed unless listed in `failing`. */
function machine(executables: Record<string, string>, failing: Record<string, string> = {}) {
  const probed: string[] = [];
  return {
    probed,
    which: async (name: string) => executables[name],
    exec: async (file: string): Promise<ProbeResult> => {
      probed.push(file);
      const failure = Object.entries(failing).find(([name]) => executables[name] === file);
      return failure ? { ok: false, detail: failure[1] } : { ok: true, detail: '' };
    },
  };
}

const linuxTools = { bwrap: '/usr/bin/bwrap', unshare: '/usr/bin/unshare', ip: '/usr/sbin/ip' };

test('auto takes the strongest sandbox that works and says why it passed the others over', async () => {
  const both = await detectSandbox({ platform: 'linux', ...machine(linuxTools) });
  assert.equal(both.sandbox.name, 'bwrap');
  assert.deepEqual(both.unavailable, []);

  const noUsableBwrap = await detectSandbox({ platform: 'linux', ...machine(linuxTools, { bwrap: 'bwrap: No permissions to create new namespace' }) });
  assert.equal(noUsableBwrap.sandbox.name, 'unshare');
  assert.deepEqual(noUsableBwrap.unavailable, ['bwrap: cannot create a sandbox here: bwrap: No permissions to create new namespace']);

  const nothing = await detectSandbox({ platform: 'linux', ...machine({}) });
  assert.equal(nothing.sandbox, noSandbox);
  assert.deepEqual(nothing.unavailable, ['bwrap: not found on PATH (install bubblewrap)', 'unshare: not found on PATH (util-linux)']);

  const mac = await detectSandbox({ platform: 'darwin', ...machine({ 'sandbox-exec': '/usr/bin/sandbox-exec', ...linuxTools }) });
  assert.equal(mac.sandbox.name, 'sandbox-exec');

  const windows = machine(linuxTools);
  assert.equal((await detectSandbox({ platform: 'win32', ...windows })).sandbox.name, 'none');
  assert.deepEqual(windows.probed, []);
});

test('an explicit choice that does not work here is an error naming TEST_SANDBOX; none never probes', async () => {
  await assert.rejects(detectSandbox({ choice: 'bwrap', platform: 'linux', ...machine({ unshare: '/usr/bin/unshare' }) }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'sandbox_unavailable');
    assert.match(error.message, /^TEST_SANDBOX=bwrap is not available on this machine \(bwrap: not found on PATH/);
    return true;
  });
  await assert.rejects(detectSandbox({ choice: 'sandbox-exec', platform: 'linux', ...machine(linuxTools) }), /TEST_SANDBOX=sandbox-exec .*only on macOS/);
  await assert.rejects(detectSandbox({ choice: 'docker' as never, platform: 'linux', ...machine(linuxTools) }), /TEST_SANDBOX must be one of auto, bwrap, unshare, sandbox-exec, none/);

  const explicitUnshare = await detectSandbox({ choice: 'unshare', platform: 'linux', ...machine(linuxTools) });
  assert.equal(explicitUnshare.sandbox.name, 'unshare');
  const none = machine(linuxTools);
  assert.equal((await detectSandbox({ choice: 'none', platform: 'linux', ...none })).sandbox, noSandbox);
  assert.deepEqual(none.probed, []);
});
