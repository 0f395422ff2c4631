import type { Redis } from 'ioredis';
import { failed, isLoopbackHost, passed, skipped, type DoctorCheck } from './doctor-check.ts';
import { readSetting, type ConfigAccess } from './redis-settings.ts';

/**
 * Who can reach a running Redis and what they could do there: its `bind` and `protected-mode`
 * (redis.conf: loopback plus the bridge address, protected mode on) and the commands
 * redis.conf renames away (FLUSHALL, FLUSHDB, KEYS, DEBUG, and CONFIG under an alias).
 */

const wildcards = new Set(['*', '0.0.0.0', '::', '::*']);
const bindFix = 'bind only loopback and the bridge address, as tandem\'s redis.conf does (`bind 127.0.0.1 -::1 169.254.10.1`), and restart it';
const passwordFix = 'set requirepass in its redis.conf, put it in REDIS_URL (redis://:<password>@host:6379), and restart it';

/** When CONFIG cannot be used, say so instead of guessing: a managed Redis decides these itself. */
function notReadable(name: string, problem: string | undefined, what: string): DoctorCheck {
  return skipped(name, `not checked: CONFIG GET is unavailable (${problem ?? 'no answer'}); make sure it ${what}`);
}

/** What `bind` says: shown as Redis has it, and where clients can come from. */
function bindReach(value: string): { shown: string; reach?: string } {
  const addresses = value.split(/\s+/).filter(Boolean).map((address) => address.replace(/^-/, ''));
  const shown = value.trim() || '(empty)';
  if (addresses.length === 0 || addresses.some((address) => wildcards.has(address))) {
    return { shown, reach: 'every network this machine is on, Wi-Fi included' };
  }
  const beyond = addresses.filter((address) => !isLoopbackHost(address));
  return beyond.length === 0 ? { shown } : { shown, reach: beyond.join(', ') };
}

/**
 * `bind` and `protected-mode` together: loopback only passes; other addresses need a password
 * (without one, protected mode refuses everyone there, workers included, or, when it is off,
 * lets anyone in); protected mode stays on while there is no password.
 */
export async function exposureChecks(client: Redis, access: ConfigAccess, passwordRequired: boolean): Promise<DoctorCheck[]> {
  const [bind, protectedMode] = [await readSetting(client, access, 'bind'), await readSetting(client, access, 'protected-mode')];
  const bindName = 'Redis bind';
  const protectedName = 'Redis protected-mode';
  const protectedOn = protectedMode.value !== 'no';
  let bindResult: DoctorCheck;
  if (bind.value === undefined) {
    bindResult = notReadable(bindName, bind.problem, 'listens only on loopback and the bridge address');
  } else {
    const { shown, reach } = bindReach(bind.value);
    if (reach === undefined) bindResult = passed(bindName, `${shown} (loopback only)`);
    else if (passwordRequired) bindResult = passed(bindName, `${shown} (reachable from ${reach}; a password is required)`);
    else {
      const outcome = protectedOn
        ? 'protected mode refuses every client from there, the workers too'
        : 'protected mode is off, so anyone there can read tasks and enqueue work';
      const fix = reach.startsWith('every network') ? `${bindFix}; ${passwordFix}` : passwordFix;
      bindResult = failed(bindName, `${shown}: reachable from ${reach} with no password: ${outcome}`, fix);
    }
  }
  let protectedResult: DoctorCheck;
  if (protectedMode.value === undefined) {
    protectedResult = notReadable(protectedName, protectedMode.problem, 'refuses other hosts while it has no password (protected-mode yes)');
  } else if (protectedOn) protectedResult = passed(protectedName, protectedMode.value);
  else if (passwordRequired) protectedResult = passed(protectedName, `${protectedMode.value} (a password is required, so it has no effect)`);
  else {
    protectedResult = failed(
      protectedName,
      `${protectedMode.value}, and no password: nothing refuses clients from another host once bind lets them in`,
      'set `protected-mode yes` in its redis.conf and restart it, or require a password (requirepass, and the password in REDIS_URL)',
    );
  }
  return [bindResult, protectedResult];
}

/** Commands redis.conf renames away, each with arguments for an ACL DRYRUN of its harmful form. */
const dangerousCommands: readonly { command: string; dryRun: string[] }[] = [
  { command: 'flushall', dryRun: ['FLUSHALL'] },
  { command: 'flushdb', dryRun: ['FLUSHDB'] },
  { command: 'keys', dryRun: ['KEYS', '*'] },
  { command: 'debug', dryRun: ['DEBUG', 'SLEEP', '0'] },
  { command: 'config', dryRun: ['CONFIG', 'SET', 'appendonly', 'no'] },
];

/** Whether this connection's user may run `dryRun` (ACL DRYRUN, Redis 7); undefined when ACL cannot tell. */
async function aclAllows(client: Redis, dryRun: string[]): Promise<boolean | undefined> {
  try {
    const user = String(await client.call('ACL', 'WHOAMI'));
    return String(await client.call('ACL', 'DRYRUN', user, ...dryRun)) === 'OK';
  } catch {
    return undefined;
  }
}

/** FLUSHALL, FLUSHDB, KEYS, DEBUG and CONFIG: renamed away, disabled, or denied by an ACL, else ✗. */
export async function dangerousCommandsCheck(client: Redis, access: ConfigAccess): Promise<DoctorCheck> {
  const name = 'Redis dangerous commands';
  const all = dangerousCommands.map(({ command }) => command);
  let info: unknown[];
  try {
    info = (await client.call('COMMAND', 'INFO', ...all)) as unknown[];
  } catch (error) {
    return failed(name, `could not be read (${(error as Error).message})`, 'allow COMMAND INFO for tandem\'s Redis user');
  }
  // DEBUG may exist yet be refused (`enable-debug-command no`, Redis 7's default).
  const debugSetting = await readSetting(client, access, 'enable-debug-command');
  const available: string[] = [];
  for (const [index, { command, dryRun }] of dangerousCommands.entries()) {
    if (info[index] === null || info[index] === undefined) continue;
    if (command === 'debug' && debugSetting.value === 'no') continue;
    if ((await aclAllows(client, dryRun)) === false) continue;
    available.push(command.toUpperCase());
  }
  if (available.length === 0) return passed(name, `${all.join(', ')} disabled`);
  return failed(
    name,
    `${available.join(', ')} still available: one stray command wipes every queued task, stalls Redis, or rewrites its settings`,
    'add the `rename-command` lines of tandem\'s redis.conf to that Redis\'s config (CONFIG under the alias doctor reads from redis.conf), or deny them with an ACL, and restart it',
  );
}
