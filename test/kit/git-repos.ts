import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const gitEnvironment = {
  ...process.env,
  GIT_AUTHOR_NAME: 'tandem test',
  GIT_AUTHOR_EMAIL: 'test@tandem.invalid',
  GIT_COMMITTER_NAME: 'tandem test',
  GIT_COMMITTER_EMAIL: 'test@tandem.invalid',
};

/** Runs git and returns its trimmed stdout. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: gitEnvironment, maxBuffer: 32 * 1024 * 1024 });
  return stdout.trim();
}

/** A normal (non-bare) repository at `path` on `main`, holding `files` in one commit. */
export async function createWorkingCopy(path: string, files: Record<string, string>): Promise<string> {
  await mkdir(path, { recursive: true });
  await git(path, 'init', '--initial-branch=main');
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(path, file)), { recursive: true });
    await writeFile(join(path, file), content);
  }
  await git(path, 'add', '--all');
  await git(path, 'commit', '-m', 'initial commit');
  return path;
}

export interface RemoteRoot {
  /** Directory holding `<owner>/<repo>.git` bare repositories. */
  root: string;
  /** A `GIT_REMOTE_URL` template pointing at `root`. */
  urlTemplate: string;
  /** Creates `owner/name` as a bare repo whose `main` holds `files`; returns its file:// URL. */
  createRepo(owner: string, name: string, files: Record<string, string>): Promise<string>;
  /** A fresh clone of `owner/name` at `branch`, in a new temporary directory. */
  clone(owner: string, name: string, branch?: string): Promise<string>;
  /** The branches of `owner/name` on the remote. */
  branches(owner: string, name: string): Promise<string[]>;
  remove(): Promise<void>;
}

/** A directory of bare git repositories served as file:// remotes. */
export async function createRemoteRoot(): Promise<RemoteRoot> {
  const root = await mkdtemp(join(tmpdir(), 'tandem-remotes-'));
  const scratch: string[] = [];
  const urlOf = (owner: string, name: string) => `file://${join(root, owner, `${name}.git`)}`;

  return {
    root,
    urlTemplate: `file://${root}/{owner}/{repo}.git`,
    async createRepo(owner, name, files) {
      const bare = join(root, owner, `${name}.git`);
      await mkdir(bare, { recursive: true });
      await git(bare, 'init', '--bare', '--initial-branch=main');
      const seed = await createWorkingCopy(await mkdtemp(join(tmpdir(), 'tandem-seed-')), files);
      scratch.push(seed);
      await git(seed, 'push', urlOf(owner, name), 'main');
      return urlOf(owner, name);
    },
    async clone(owner, name, branch = 'main') {
      const target = await mkdtemp(join(tmpdir(), 'tandem-clone-'));
      scratch.push(target);
      await git(target, 'clone', '--branch', branch, urlOf(owner, name), '.');
      return target;
    },
    async branches(owner, name) {
      const output = await git(root, 'ls-remote', '--heads', urlOf(owner, name));
      return output
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t')[1]!.replace('refs/heads/', ''));
    },
    async remove() {
      await Promise.all([root, ...scratch].map((path) => rm(path, { recursive: true, force: true })));
    },
  };
}
