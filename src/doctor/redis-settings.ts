import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { failed, passed, type DoctorCheck } from './doctor-check.ts';

/**
 * Reading a running Redis's settings. tandem's redis.conf renames CONFIG to an alias (so a
 * stray `CONFIG SET` cannot turn off the AOF or protected mode); doctor learns the alias from
 * that file's `rename-command CONFIG <alias>` line and falls back to plain CONFIG, then INFO.
 */

/** The name CONFIG goes by in `configText` (a redis.conf): its alias, `undefined` when disabled, else CONFIG. */
export function configCommandIn(configText: string): string | undefined {
  let name: string | undefined = 'CONFIG';
  for (const line of configText.split('\n')) {
    const match = /^\s*rename-command\s+config\s+("[^"]*"|'[^']*'|\S+)\s*$/i.exec(line);
    if (match) name = match[1]!.replace(/^["']|["']$/g, '') || undefined;
  }
  return name;
}

/** The names to try CONFIG under for the Redis doctor checks: redis.conf's alias first, then CONFIG itself. */
export async function configCommandCandidates(redisConfigPath: string): Promise<string[]> {
  const alias = await readFile(redisConfigPath, 'utf8').then(configCommandIn, () => undefined);
  return [...new Set([alias, 'CONFIG'].filter((name): name is string => name !== undefined))];
}

/** How doctor reads this server's settings: the CONFIG name that answered, or why none did. */
export type ConfigAccess = { command: string } | { command?: undefined; problem: string };

/** Finds which of `candidates` this server answers `CONFIG GET` to (unknown names are skipped). */
export async function findConfigCommand(client: Redis, candidates: readonly string[]): Promise<ConfigAccess> {
  const problems: string[] = [];
  for (const command of candidates) {
    try {
      await client.call(command, 'GET', 'port');
      return { command };
    } catch (error) {
      problems.push(`${command}: ${(error as Error).message.split('\n')[0]!.slice(0, 120)}`);
    }
  }
  return { problem: problems.join('; ') || 'no CONFIG command to try' };
}

export interface Setting {
  value: string | undefined;
  /** Where it was read: CONFIG GET (under its alias, maybe), or INFO when CONFIG is disabled (managed Redis). */
  source: 'config' | 'info';
  /** Why neither could be read. */
  problem?: string;
}

/** `parameter` by CONFIG GET, else (CONFIG disabled or refused by an ACL) the INFO field that mirrors it, if any. */
export async function readSetting(
  client: Redis,
  access: ConfigAccess,
  parameter: string,
  fromInfo?: { section: string; field: string; map?: (value: string) => string },
): Promise<Setting> {
  let configProblem: string;
  if (access.command !== undefined) {
    try {
      const answer = (await client.call(access.command, 'GET', parameter)) as string[];
      if (answer[1] !== undefined) return { value: answer[1], source: 'config' };
      configProblem = `${access.command} GET ${parameter} answered nothing`;
    } catch (error) {
      configProblem = (error as Error).message.split('\n')[0]!.slice(0, 120);
    }
  } else configProblem = access.problem;
  if (!fromInfo) return { value: undefined, source: 'config', problem: configProblem };
  try {
    const info = await client.info(fromInfo.section);
    const raw = new RegExp(`^${fromInfo.field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    if (raw !== undefined) return { value: fromInfo.map ? fromInfo.map(raw) : raw, source: 'info' };
    return { value: undefined, source: 'info', problem: `${configProblem}; INFO ${fromInfo.section} has no ${fromInfo.field}` };
  } catch (error) {
    return { value: undefined, source: 'info', problem: `${configProblem}; INFO: ${(error as Error).message.split('\n')[0]}` };
  }
}

const fromInfoNote = ' (read from INFO: CONFIG is disabled, as on managed Redis)';

/** ✓ when `setting` is `expected`, else ✗ with the fix for a Redis you run or for a managed one. */
export function settingCheck(
  name: string,
  setting: Setting,
  expected: string,
  explain: { wrong: (value: string) => string; fix: string; managedFix: string },
): DoctorCheck {
  if (setting.value === undefined) {
    return failed(
      name,
      `could not be read (${setting.problem ?? 'no answer'})`,
      `${explain.managedFix}, and let tandem's user run CONFIG GET or INFO so doctor can verify it`,
    );
  }
  const managed = setting.source === 'info';
  if (setting.value === expected) return passed(name, `${setting.value}${managed ? fromInfoNote : ''}`);
  return failed(name, `${explain.wrong(setting.value)}${managed ? fromInfoNote : ''}`, managed ? explain.managedFix : explain.fix);
}
