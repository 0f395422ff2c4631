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

/** What one commit changed: its entries, and the paths git itself treats as binary. */
export interface CommitChanges {
  entries: ChangedEntry[];
  /** Paths whose numstat shows `-` (git treats them as binary). */
  binary: Set<string>;
}

/** One commit about to be pushed and what it changed. */
export interface OutgoingCommitChanges extends CommitChanges {
  commit: OutgoingCommit;
}

/**
 * The commits in `baseRef..headRef`, oldest first, each with what it changed, read with one
 * `git log --raw --numstat -z`. Per commit: the header (`<marker><sha> <parents>`), raw
 * records (`:<modes> <blobs> <status>`, then the path), numstat records
 * (`<added>\t<removed>\t<path>`). A raw record's path is taken whatever it holds, so a path
 * that looks like a header or a record is never mistaken for one.
 */
export async function outgoingChanges(git: GitRunner, baseRef: string, headRef: string): Promise<OutgoingCommitChanges[]> {
  const output = await git([...logSettings, 'log', ...rangeOptions, '--raw', '--numstat', '-z', '--no-abbrev', `--format=${recordMarker}%H %P`, `${baseRef}..${headRef}`, '--']);
  const fields = output.toString('utf8').split('\0');
  const commits: OutgoingCommitChanges[] = [];
  let current: OutgoingCommitChanges | undefined;
  for (let index = 0; index < fields.length; index += 1) {
    const field = fields[index]!.replace(/^\n/, '');
    if (field.startsWith(recordMarker)) {
      current = { commit: parseHeader(field.slice(recordMarker.length)), entries: [], binary: new Set() };
      commits.push(current);
    } else if (current && field.startsWith(':')) {
      const [, mode, , blob, status] = field.slice(1).split(' ');
      index += 1;
      current.entries.push({ path: fields[index] ?? '', status: status ?? '', mode: mode ?? '', blob: blob ?? '' });
    } else if (current && field.startsWith('-\t-\t')) {
      current.binary.add(field.slice(4));
    }
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
 * The lines each commit in `baseRef..headRef` adds (never the removed ones), file by file,
 * by commit, read with one `git log -p -U0`. Binary files are diffed as text (`-a`), so a
 * secret hidden in a file with a NUL byte is still seen. `paths` limits the diff to those
 * files; undefined means every file.
 */
export async function addedLinesByCommit(git: GitRunner, baseRef: string, headRef: string, paths?: readonly string[]): Promise<Map<string, AddedLines[]>> {
  const pathspecs = paths ? paths.map((path) => `:(literal)${path}`) : [];
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
