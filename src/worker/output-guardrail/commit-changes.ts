import type { GitRunner } from '../workspace/git-runner.ts';

/** One commit about to be pushed and the parent it is compared with (none for a root commit). */
export interface OutgoingCommit {
  sha: string;
  parent: string | undefined;
}

/** One path a commit adds, modifies, deletes or retypes (renames appear as a delete and an add). */
export interface ChangedEntry {
  path: string;
  /** `A`, `M`, `D` or `T`. */
  status: string;
  /** The new mode: `100644`/`100755` a file, `120000` a symlink, `160000` a submodule, `000000` deleted. */
  mode: string;
  /** The new blob's id (all zeros when deleted). */
  blob: string;
}

/** The added lines of one file in one commit, with their line numbers in the new file. */
export interface AddedLines {
  path: string;
  lines: { number: number; text: string }[];
}

const commonDiffOptions = ['-r', '--no-renames', '--no-ext-diff', '--no-textconv', '--no-commit-id'];

function range(commit: OutgoingCommit): string[] {
  return commit.parent ? [commit.parent, commit.sha] : ['--root', commit.sha];
}

/** The commits in `baseRef..headRef`, oldest first, each with its first parent. */
export async function outgoingCommits(git: GitRunner, baseRef: string, headRef: string): Promise<OutgoingCommit[]> {
  const output = (await git(['rev-list', '--reverse', '--topo-order', '--parents', `${baseRef}..${headRef}`])).toString('utf8');
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, parent] = line.split(' ');
      return { sha: sha!, parent };
    });
}

/** What one commit changed: its entries, and the paths git itself treats as binary. */
export interface CommitChanges {
  entries: ChangedEntry[];
  /** Paths whose numstat shows `-` (git treats them as binary). */
  binary: Set<string>;
}

/**
 * What `commit` changed compared with its first parent, read with one `diff-tree --raw
 * --numstat -z`: raw records (`:<modes> <blobs> <status>`, then the path) come first,
 * numstat records (`<added>\t<removed>\t<path>`) after them.
 */
export async function commitChanges(git: GitRunner, commit: OutgoingCommit): Promise<CommitChanges> {
  const fields = (await git(['diff-tree', ...commonDiffOptions, '-z', '--raw', '--numstat', ...range(commit)])).toString('utf8').split('\0');
  const entries: ChangedEntry[] = [];
  let index = 0;
  // A raw record and its path come in pairs, so a path starting with `:` is never mistaken for a record.
  for (; index + 1 < fields.length && fields[index]!.startsWith(':'); index += 2) {
    const [, mode, , blob, status] = fields[index]!.slice(1).split(' ');
    entries.push({ path: fields[index + 1]!, status: status ?? '', mode: mode ?? '', blob: blob ?? '' });
  }
  const binary = new Set(fields.slice(index).filter((record) => record.startsWith('-\t-\t')).map((record) => record.slice(4)));
  return { entries, binary };
}

/** Object sizes in bytes, by blob id. */
export async function blobSizes(git: GitRunner, blobs: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (blobs.length === 0) return sizes;
  const output = await git(['cat-file', '--batch-check=%(objectname) %(objectsize)'], `${[...new Set(blobs)].join('\n')}\n`);
  for (const line of output.toString('utf8').split('\n')) {
    const [blob, size] = line.split(' ');
    if (blob && size && /^\d+$/.test(size)) sizes.set(blob, Number(size));
  }
  return sizes;
}

export async function readBlob(git: GitRunner, blob: string): Promise<Buffer> {
  return git(['cat-file', 'blob', blob]);
}

/**
 * The lines `commit` adds (never the removed ones), file by file. Binary files are diffed
 * as text (`-a`), so a secret hidden in a file with a NUL byte is still seen. `paths`
 * limits the diff to those files; undefined means every file.
 */
export async function addedLines(git: GitRunner, commit: OutgoingCommit, paths?: readonly string[]): Promise<AddedLines[]> {
  const pathspecs = paths ? ['--', ...paths.map((path) => `:(literal)${path}`)] : [];
  const patch = await git([
    'diff-tree', ...commonDiffOptions, '-p', '-a', '-U0', '--no-color', '--src-prefix=a/', '--dst-prefix=b/', ...range(commit), ...pathspecs,
  ]);
  return parseAddedLines(patch.toString('utf8'));
}

/** Reads a `-U0` patch: `+++ b/<path>` names the file, `@@ … +<start>` numbers its added lines. */
export function parseAddedLines(patch: string): AddedLines[] {
  const files: AddedLines[] = [];
  let current: AddedLines | undefined;
  let inHunk = false;
  let next = 0;
  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = undefined;
      inHunk = false;
    } else if (!inHunk && line.startsWith('+++ ')) {
      const name = line.slice(4).replace(/\t$/, '');
      const path = name.startsWith('"') ? unquote(name) : name;
      current = path === '/dev/null' ? undefined : { path: path.replace(/^b\//, ''), lines: [] };
      if (current) files.push(current);
    } else if (line.startsWith('@@ ')) {
      inHunk = true;
      next = Number(/\+(\d+)/.exec(line)?.[1] ?? 0);
    } else if (inHunk && line.startsWith('+') && current) {
      current.lines.push({ number: next, text: line.slice(1) });
      next += 1;
    }
  }
  return files.filter((file) => file.lines.length > 0);
}

const escapes: Record<string, string> = { a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r' };

/** Undoes git's C-style quoting of a path (`"b/a\"b"`); octal escapes are bytes of UTF-8. */
function unquote(quoted: string): string {
  const parts: Buffer[] = [];
  const body = quoted.replace(/^"|"$/g, '');
  let last = 0;
  for (const match of body.matchAll(/\\([0-7]{3}|.)/g)) {
    const escaped = match[1]!;
    parts.push(Buffer.from(body.slice(last, match.index), 'utf8'));
    parts.push(/^[0-7]{3}$/.test(escaped) ? Buffer.from([Number.parseInt(escaped, 8) & 0xff]) : Buffer.from(escapes[escaped] ?? escaped, 'utf8'));
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(Buffer.from(body.slice(last), 'utf8'));
  return Buffer.concat(parts).toString('utf8');
}
