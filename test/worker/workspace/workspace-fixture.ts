import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { createRemoteRoot, git, type RemoteRoot } from '../../kit/git-repos.ts';
import { GitWorkspace, type GitWorkspaceOptions } from '../../../src/worker/workspace/git-workspace.ts';
import { createGitRunner, type GitRunnerFactory } from '../../../src/worker/workspace/git-runner.ts';

export const repo = { owner: 'acme', name: 'api' };

export const seedFiles = {
  'README.md': '# api\n',
  'src/users.ts': 'export function listUsers() {\n  return [];\n}\n',
  '.gitignore': 'dist/\n',
};

export interface WorkspaceFixture {
  remotes: RemoteRoot;
  root: string;
  workspace: GitWorkspace;
}

/** A bare `acme/api` remote and a workspace root, both removed after the test. */
export async function createWorkspaceFixture(
  t: TestContext,
  options: Partial<GitWorkspaceOptions> = {},
): Promise<WorkspaceFixture> {
  const remotes = await createRemoteRoot();
  await remotes.createRepo(repo.owner, repo.name, seedFiles);
  const root = await mkdtemp(join(tmpdir(), 'tandem-workspace-'));
  t.after(async () => {
    await remotes.remove();
    await rm(root, { recursive: true, force: true });
  });
  const workspace = new GitWorkspace({ root, remoteUrlTemplate: remotes.urlTemplate, ...options });
  return { remotes, root, workspace };
}

/** Commits `files` on `branch` of the remote from a separate clone, as someone else would. */
export async function pushFromElsewhere(
  remotes: RemoteRoot,
  branch: string,
  files: Record<string, string>,
  message = 'change from elsewhere',
): Promise<string> {
  const clone = await remotes.clone(repo.owner, repo.name, branch);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(clone, path)), { recursive: true });
    await writeFile(join(clone, path), content);
  }
  await git(clone, 'add', '--all');
  await git(clone, 'commit', '-m', message);
  await git(clone, 'push', 'origin', `HEAD:refs/heads/${branch}`);
  return git(clone, 'rev-parse', 'HEAD');
}

/** The packs in a working copy's object store. */
export async function packCount(dir: string): Promise<number> {
  return (await readdir(join(dir, '.git', 'objects', 'pack'))).filter((name) => name.endsWith('.pack')).length;
}

/** Every regular file under `dir`, recursively (symlinks are not followed). */
export async function listFilesRecursively(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listFilesRecursively(path);
      return entry.isFile() ? [path] : [];
    }),
  );
  return nested.flat();
}

/** Files under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const path of await listFilesRecursively(dir)) {
    if ((await readFile(path)).includes(needle)) hits.push(path);
  }
  return hits;
}

/** A git runner factory that records the arguments of every command run through it. */
export function recordingGit(): { createGit: GitRunnerFactory; commands: string[][] } {
  const commands: string[][] = [];
  const createGit: GitRunnerFactory = (repoDir, options) => {
    const run = createGitRunner(repoDir, options);
    return (args, input) => (commands.push([...args]), run(args, input));
  };
  return { createGit, commands };
}
