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

/**
 * Settings a user's git config could turn against the reads below: a root commit's files
 * must show, and no signature check may print between the records.
 */
const logSettings = ['-c', 'log.showRoot=true', '-c', 'log.showSignature=false'];

/**
 * How every read of the outgoing commits walks and diffs them: each commit once (oldest
 * first), compared with its first parent (a merge too; a root commit with nothing), without
 * rename detection, external diff drivers or text conversion.
 */
const rangeOptions = ['--reverse', '--topo-order', '-r', '--no-renames', '--diff-merges=first-parent', '--no-ext-diff', '--no-textconv', '--no-color'];

/** Starts each commit's record: the marker, then `%H %P`. No path or patch line starts with it. */
const recordMarker = '\x01';

/** A record's header after its marker: `<sha> <parents>`. */
function parseHeader(header: string): OutgoingCommit {
  const [sha = '', parent] = header.trim().split(' ');
  return { sha, parent: parent || undefined };
}

/** What one commit changed: its entries, the paths git treats as binary, and the lines it adds to the others. */
export interface CommitChanges {
  entries: ChangedEntry[];
  /** Paths whose numstat shows `-`: git did not diff them (binary on either side, or over the size threshold). */
  binary: Set<string>;
  /** The added lines of every file git diffed as text. */
  added: AddedLines[];
}

/** One commit about to be pushed and what it changed. */
export interface OutgoingCommitChanges extends CommitChanges {
  commit: OutgoingCommit;
}

/**
 * The commits in `baseRef..headRef`, oldest first, each with its entries, its binary paths
 * and its added lines, read with one `git log --raw --numstat -p -U0`. `git` must run in the
 * repository's git directory (`.git`), where git reads no `.gitattributes` of the work tree
 * or the index, and the user's attributes file is set aside: no attribute can make git call
 * a file text (and diff it whole, whatever its size) or binary. A file over
 * `bigFileThreshold` bytes is never read: git counts it binary.
 *
 * Per commit: the header (`<marker><sha> <parents>`), raw records
 * (`:<modes> <blobs> <status>\t<path>`), numstat records (`<added>\t<removed>\t<path>`), then
 * the patch from its first `diff --git` line. Paths git must quote are C-quoted, so no path
 * holds a line break; patch lines start with a diff marker, never with the record's.
 */
export async function outgoingCommits(git: GitRunner, baseRef: string, headRef: string, bigFileThreshold: number): Promise<OutgoingCommitChanges[]> {
  const output = await git([
    '-c', `core.bigFileThreshold=${bigFileThreshold}`, '-c', 'core.attributesFile=/dev/null', ...logSettings,
    'log', ...rangeOptions, '--raw', '--numstat', '-p', '-U0', '--no-abbrev', '--src-prefix=a/', '--dst-prefix=b/', `--format=${recordMarker}%H %P`, `${baseRef}..${headRef}`, '--',
  ]);
  const commits: OutgoingCommitChanges[] = [];
  for (const record of `\n${output.toString('utf8')}`.split(`\n${recordMarker}`).slice(1)) {
    const lines = record.split('\n');
    const changes: OutgoingCommitChanges = { commit: parseHeader(lines[0] ?? ''), entries: [], binary: new Set(), added: [] };
    const patchStart = lines.findIndex((line) => line.startsWith('diff --git '));
    for (const line of lines.slice(1, patchStart === -1 ? undefined : patchStart)) {
      const tab = line.indexOf('\t');
      if (line.startsWith(':') && tab !== -1) {
        const [, mode, , blob, status] = line.slice(1, tab).split(' ');
        changes.entries.push({ path: unquotePath(line.slice(tab + 1)), status: status ?? '', mode: mode ?? '', blob: blob ?? '' });
      } else if (line.startsWith('-\t-\t')) {
        changes.binary.add(unquotePath(line.slice(4)));
      }
    }
    if (patchStart !== -1) changes.added = parseAddedLines(lines.slice(patchStart).join('\n'));
    commits.push(changes);
  }
  return commits;
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
 * The lines each commit in `baseRef..headRef` adds to `paths` (never the removed ones), file
 * by file, by commit, read with one `git log -p -a -U0`: the files are diffed as text, so a
 * secret hidden in a file with a NUL byte is still seen.
 */
export async function addedLinesByCommit(git: GitRunner, baseRef: string, headRef: string, paths: readonly string[]): Promise<Map<string, AddedLines[]>> {
  const pathspecs = paths.map((path) => `:(literal)${path}`);
  const output = await git([
    ...logSettings, 'log', ...rangeOptions, '-p', '-a', '-U0', '--src-prefix=a/', '--dst-prefix=b/', `--format=${recordMarker}%H %P`, `${baseRef}..${headRef}`, '--', ...pathspecs,
  ]);
  const byCommit = new Map<string, AddedLines[]>();
  // Every record starts on a line of its own; patch lines start with a diff marker, never with the record's.
  for (const record of `\n${output.toString('utf8')}`.split(`\n${recordMarker}`).slice(1)) {
    const lineEnd = record.indexOf('\n');
    const { sha } = parseHeader(lineEnd === -1 ? record : record.slice(0, lineEnd));
    byCommit.set(sha, parseAddedLines(lineEnd === -1 ? '' : record.slice(lineEnd + 1)));
  }
  return byCommit;
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
      const path = unquotePath(line.slice(4).replace(/\t$/, ''));
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

/** A path as git prints it, C-quoted (`"b/a\\"b"`) when it holds special characters. */
function unquotePath(path: string): string {
  return path.startsWith('"') ? unquote(path) : path;
}

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
