import { compareVersions, failed, passed, reasonOf, type DoctorCheck, type DoctorContext } from './doctor-check.ts';

/** The oldest Node tandem runs on (package.json `engines`). */
export const minimumNodeVersion = '20.12';

/** `Node`: the running Node (or `version`) is 20.12 or newer. */
export function checkNode(version: string): DoctorCheck {
  const bare = version.replace(/^v/, '');
  if (compareVersions(bare, minimumNodeVersion) >= 0) return passed('Node', bare);
  return failed(
    'Node',
    `${bare} is too old: tandem needs ${minimumNodeVersion} or newer`,
    `install Node ${minimumNodeVersion} or newer (\`nvm install 22\`, \`brew install node\`, or https://nodejs.org), then run \`npm install\` again`,
  );
}

/** `git`: `git --version` runs (the worker's checkouts, and the console's local repository). */
export async function checkGit(context: DoctorContext): Promise<DoctorCheck> {
  try {
    const { stdout } = await context.exec(context.gitBinary, ['--version'], { env: context.environment, timeoutMs: context.timeoutMs });
    return passed('git', stdout.trim().replace(/^git version\s*/, '') || 'found');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return failed(
      'git',
      missing ? `\`${context.gitBinary}\` is not on the PATH` : `\`${context.gitBinary} --version\` failed (${reasonOf(error, context.timeoutMs)})`,
      'install git: `xcode-select --install` or `brew install git` (macOS), `sudo apt-get install git` (Debian/Ubuntu)',
    );
  }
}
