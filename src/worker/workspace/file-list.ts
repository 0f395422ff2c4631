import { gitText, splitNul, type GitRunner } from './git-runner.ts';

/**
 * The working tree's files as a persona sees them: tracked ones still present and untracked
 * ones not ignored, sorted, read with one `ls-files`.
 */
export async function workingTreeFiles(git: GitRunner): Promise<string[]> {
  // `-t` tags each entry: `R` marks a tracked file deleted from the working tree, listed again as cached.
  const entries = splitNul(await gitText(git, ['ls-files', '-z', '-t', '--cached', '--deleted', '--others', '--exclude-standard']));
  const listed = new Set<string>();
  const deleted = new Set<string>();
  for (const entry of entries) (entry.startsWith('R ') ? deleted : listed).add(entry.slice(2));
  return [...listed].filter((path) => !deleted.has(path)).sort();
}

/**
 * The files of `commit`, sorted: what `workingTreeFiles` says of a working copy just checked
 * out at it with nothing untracked (`checkout --force` after `clean -ffdx`, or a fresh
 * clone). It needs no working tree, so it runs beside the checkout.
 */
export async function commitFiles(git: GitRunner, commit: string): Promise<string[]> {
  return splitNul(await gitText(git, ['ls-tree', '-r', '-z', '--name-only', '--full-tree', commit])).sort();
}

/**
 * The files of the commit each repository's last task started from: a commit's files never
 * change, so a task that starts where the last one did (its base branch has not moved since)
 * reads them from here instead of from another `ls-tree`.
 */
export class CommitFileLists {
  readonly #last = new Map<string, { commit: string; files: readonly string[] }>();

  /** `commit`'s files, sorted; `repo` names the repository (one commit kept for each). */
  async read(repo: string, git: GitRunner, commit: string): Promise<string[]> {
    const known = this.#last.get(repo);
    if (known?.commit === commit) return [...known.files];
    const files = await commitFiles(git, commit);
    this.#last.set(repo, { commit, files: [...files] });
    return files;
  }
}
