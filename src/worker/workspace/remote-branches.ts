import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TandemError } from '../../errors.ts';
import { gitLookup, gitText, type GitRunner } from './git-runner.ts';

/** A branch of the remote as the working copy's remote-tracking refs have it. */
export interface RemoteBranch {
  /** The commit the branch points at (an annotated tag peeled). */
  commit: string;
  /** What the ref points to when it is symbolic (`origin/HEAD`), e.g. `refs/remotes/origin/main`. */
  symref: string;
}

/** Where a working copy keeps the remote's branches (a clone's refspec, and tandem's fetches). */
export const remotePrefix = 'refs/remotes/origin/';

/**
 * The clone's `origin/<name>` refs among `names` that point at a commit, read with one
 * `for-each-ref` (a pattern also matches refs below it, so only exact names are kept).
 */
export async function remoteBranches(git: GitRunner, names: readonly string[]): Promise<Map<string, RemoteBranch>> {
  const format = '%(refname)%00%(symref)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)';
  const output = await gitText(git, ['for-each-ref', `--format=${format}`, ...names.map((name) => `${remotePrefix}${name}`)]);
  const wanted = new Set(names.map((name) => `${remotePrefix}${name}`));
  const branches = new Map<string, RemoteBranch>();
  for (const line of output.split('\n')) {
    const [refname = '', symref = '', type, sha = '', peeledType, peeledSha = ''] = line.split('\0');
    if (!wanted.has(refname)) continue;
    const commit = type === 'commit' ? sha : peeledType === 'commit' ? peeledSha : undefined;
    if (commit) branches.set(refname.slice(remotePrefix.length), { commit, symref });
  }
  return branches;
}

/** The branch `origin/HEAD` names (its symref); a clone of an empty repository has none. */
export function defaultBranch(originHead: string | undefined, repoLabel: string): string {
  if (!originHead?.startsWith(remotePrefix)) {
    throw new TandemError('base_branch_missing', `could not tell the default branch of ${repoLabel}; is the repository empty?`);
  }
  return originHead.slice(remotePrefix.length);
}

/**
 * The branches among `names` that the fetch just made in `dir` found on the remote, read
 * from the `FETCH_HEAD` it wrote (git's record of a fetch for the commands that follow it,
 * `git pull`'s merge among them): one line per fetched ref, `<sha>\t<flag>\t<what> of <url>`,
 * where a branch is `branch '<name>'`. A branch name holds no space, so the name ends at
 * the first `' of `. The fetch must write the file (`--write-fetch-head`) and have
 * succeeded; a branch it did not find (or pruned) is not in the map.
 */
export async function fetchedBranches(dir: string, names: readonly string[]): Promise<Map<string, RemoteBranch>> {
  const wanted = new Set(names);
  const branches = new Map<string, RemoteBranch>();
  for (const line of (await readFile(join(dir, '.git', 'FETCH_HEAD'), 'utf8')).split('\n')) {
    const [sha = '', , description = ''] = line.split('\t');
    if (!description.startsWith("branch '")) continue;
    const end = description.indexOf("' of ");
    const name = description.slice("branch '".length, end === -1 ? undefined : end);
    if (wanted.has(name) && /^[0-9a-f]{40,64}$/.test(sha)) branches.set(name, { commit: sha, symref: '' });
  }
  return branches;
}

/** A symbolic ref as git's files backend writes it: `ref: <target>`. */
const symbolicRefFile = /^ref: (refs\/[^\s]+)\n?$/;

/**
 * What `origin/HEAD` points to as the clone set it (a fetch leaves it alone), e.g.
 * `refs/remotes/origin/main`: read from its file in `dir`'s `.git`, where git keeps a
 * symbolic ref (git never packs one), so that no git child is spawned for it; `git
 * symbolic-ref` when the file is not there or says something else (another ref storage,
 * an `origin/HEAD` that is not symbolic, none at all).
 */
export async function originHead(dir: string, git: GitRunner): Promise<string | undefined> {
  const text = await readFile(join(dir, '.git', ...`${remotePrefix}HEAD`.split('/')), 'utf8').catch(() => '');
  return symbolicRefFile.exec(text)?.[1] ?? gitLookup(git, ['symbolic-ref', '--quiet', `${remotePrefix}HEAD`]);
}
