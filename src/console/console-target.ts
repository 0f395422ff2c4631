import { execFile } from 'node:child_process';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseRepo } from '../conversation/access-policy.ts';
import { TandemError } from '../errors.ts';
import type { Repo } from '../queue/work-job.ts';

const execFileAsync = promisify(execFile);

/** What the console works on: a local git repository, or a GitHub repository with a token. */
export type ConsoleTarget =
  | { kind: 'local'; path: string; repo: Repo; remoteUrlTemplate: string }
  | { kind: 'github'; repo: Repo };

/** `--repo <path>`, `owner/repo`, or the git repository around the working directory. */
export async function resolveConsoleTarget(args: string[], options: { cwd: string; githubToken: string | undefined }): Promise<ConsoleTarget> {
  const pathFlag = args.indexOf('--repo');
  const named = args.find((arg, index) => !arg.startsWith('-') && args[index - 1] !== '--repo');
  if (pathFlag === -1 && named && parseRepo(named) && !/^[./~]/.test(named)) {
    if (!options.githubToken) {
      throw new TandemError('console_no_token', `working on ${named} on GitHub needs GITHUB_TOKEN; without one, use a local clone: \`tandem console --repo <path>\`.`);
    }
    return { kind: 'github', repo: parseRepo(named)! };
  }
  const asked = pathFlag === -1 ? options.cwd : args[pathFlag + 1];
  if (!asked) throw new TandemError('console_no_repo', '`--repo` needs a path to a git repository.');
  let root: string;
  try {
    const { stdout } = await execFileAsync('git', ['rev-parse', '--show-toplevel'], { cwd: resolve(options.cwd, asked) });
    root = stdout.trim();
  } catch (error) {
    throw new TandemError(
      'console_no_repo',
      `${resolve(options.cwd, asked)} is not a git repository. Run tandem console inside one, pass \`--repo <path>\`, or \`owner/repo\` with GITHUB_TOKEN.`,
      { cause: error },
    );
  }
  const name = basename(root);
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new TandemError('console_no_repo', `the repository's folder name "${name}" may use only letters, digits, dot, dash and underscore.`);
  }
  // The worker clones and pushes through this URL: the task branch lands in the repository itself.
  return { kind: 'local', path: root, repo: { owner: 'local', name }, remoteUrlTemplate: join(dirname(root), '{repo}') };
}
