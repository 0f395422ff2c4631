import { TandemError } from '../../errors.ts';
import { gitText, type GitRunner } from './git-runner.ts';

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

/** The branch `origin/HEAD` names; a clone of an empty repository has none. */
export function defaultBranch(refs: ReadonlyMap<string, RemoteBranch>, repoLabel: string): string {
  const head = refs.get('HEAD')?.symref ?? '';
  if (!head.startsWith(remotePrefix)) {
    throw new TandemError('base_branch_missing', `could not tell the default branch of ${repoLabel}; is the repository empty?`);
  }
  return head.slice(remotePrefix.length);
}
