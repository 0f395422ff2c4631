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

/** The oldest git tandem runs on: the output guardrail reads merges with `git log --diff-merges=first-parent` (2.31). */
export const minimumGitVersion = '2.31';

const installGit = 'install git: `xcode-select --install` or `brew install git` (macOS), `sudo apt-get install git` (Debian/Ubuntu)';

/** `git`: `git --version` runs and is 2.31 or newer (the worker's checkouts, and the console's local repository). */
export async function checkGit(context: DoctorContext): Promise<DoctorCheck> {
  let version: string;
  try {
    const { stdout } = await context.exec(context.gitBinary, ['--version'], { env: context.environment, timeoutMs: context.timeoutMs });
    version = stdout.trim().replace(/^git version\s*/, '');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return failed(
      'git',
      missing ? `\`${context.gitBinary}\` is not on the PATH` : `\`${context.gitBinary} --version\` failed (${reasonOf(error, context.timeoutMs)})`,
      installGit,
    );
  }
  const number = /^\d+(\.\d+)+/.exec(version)?.[0];
  if (number !== undefined && compareVersions(number, minimumGitVersion) < 0) {
    return failed('git', `${version} is too old: tandem needs git ${minimumGitVersion} or newer`, installGit);
  }
  return passed('git', version || 'found');
}
