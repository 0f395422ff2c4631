import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const dependencyGroup = z.record(z.string(), z.unknown()).optional();

/** The parts of a repository's `package.json` tandem reads; every other field is npm's business. */
const packageManifestSchema = z.looseObject({
  scripts: z.record(z.string(), z.unknown()).optional(),
  dependencies: dependencyGroup,
  devDependencies: dependencyGroup,
  optionalDependencies: dependencyGroup,
});
export type PackageManifest = z.infer<typeof packageManifestSchema>;

/**
 * The `package.json` in `dir`, validated; undefined when there is none, or it is not JSON,
 * or its `scripts` or dependency groups are not objects (npm could not use it as it is:
 * the test run shows npm's own complaint).
 */
export async function readPackageManifest(dir: string): Promise<PackageManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = packageManifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
