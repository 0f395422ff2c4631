import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readPackageManifest } from './package-manifest.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Files whose change means the dependencies must be installed again. */
export const dependencyManifests = new Set([
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
]);

/**
 * The command that installs a repository's dependencies before its tests run:
 * `override` when given; for a Node project with dependencies, the lockfile's installer
 * (`npm ci`, `yarn install --frozen-lockfile`, `pnpm install --frozen-lockfile`) or
 * `npm install` (without writing a lockfile the repository does not have). Go and Cargo fetch their own during the test run; Python environments
 * are the operator's to prepare (set an override).
 */
export async function detectSetupCommand(dir: string, override?: string): Promise<string | undefined> {
  if (override !== undefined && override.trim() !== '') return override.trim();
  const manifest = await readPackageManifest(dir);
  if (!manifest) return undefined;
  const declared = [manifest.dependencies, manifest.devDependencies, manifest.optionalDependencies].some(
    (group) => group !== undefined && Object.keys(group).length > 0,
  );
  if (!declared) return undefined;
  if ((await exists(join(dir, 'package-lock.json'))) || (await exists(join(dir, 'npm-shrinkwrap.json')))) return 'npm ci';
  if (await exists(join(dir, 'yarn.lock'))) return 'yarn install --frozen-lockfile';
  if (await exists(join(dir, 'pnpm-lock.yaml'))) return 'pnpm install --frozen-lockfile';
  return 'npm install --no-audit --no-fund --no-package-lock';
}
