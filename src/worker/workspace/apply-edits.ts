import { closeSync, constants, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EditResult, FileEdit } from './workspace.ts';
import { resolveRepoPath, type ConfinedPath } from './repo-path.ts';

type Outcome = { status: 'applied' } | { status: 'refused' | 'failed'; reason: string };

const actions = new Set<string>(['write', 'replace', 'delete']);

/**
 * Applies the Coder's edits in order (DESIGN §3). Each edit is confined to the repository
 * (see `resolveRepoPath`); a refused or failed edit has a reason and does not stop the rest.
 * The files are read and written synchronously: one answer's edits are at most the size of
 * the answer (some kilobytes), each a few system calls that take microseconds, where each
 * round trip through libuv's thread pool costs a tenth of a millisecond or more.
 */
export async function applyEdits(repoDir: string, edits: readonly FileEdit[]): Promise<EditResult[]> {
  const results: EditResult[] = [];
  for (const edit of edits) {
    const outcome = applyEdit(repoDir, edit);
    const base = { path: String(edit.path ?? ''), action: edit.action };
    results.push(outcome.status === 'applied' ? { ...base, status: 'applied' } : { ...base, ...outcome });
  }
  return results;
}

function applyEdit(repoDir: string, edit: FileEdit): Outcome {
  if (!actions.has(edit.action)) return failed(`unknown action "${String(edit.action)}"; use write, replace or delete`);
  const resolved = resolveRepoPath(repoDir, edit.path);
  if (resolved.status !== 'ok') return resolved;
  try {
    if (edit.action === 'write') return write(resolved, edit);
    if (edit.action === 'replace') return replace(resolved, edit);
    return remove(resolved);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return failed(`could not ${edit.action} ${resolved.relativePath} (${code})`);
  }
}

function write(path: ConfinedPath, edit: FileEdit): Outcome {
  if (typeof edit.content !== 'string') return failed('write needs the whole file as content');
  if (path.kind === 'symlink' && path.targetKind === 'missing') return refused(`${path.relativePath} is a symlink to a missing file`);
  if (path.targetKind === 'directory') return failed(`${path.relativePath} is a directory`);
  if (path.targetKind === 'other') return failed(`${path.relativePath} is not a regular file`);
  mkdirSync(dirname(path.targetPath), { recursive: true });
  writeWithoutFollowing(path.targetPath, edit.content);
  return { status: 'applied' };
}

function replace(path: ConfinedPath, edit: FileEdit): Outcome {
  if (typeof edit.search !== 'string' || edit.search === '') return failed('replace needs a non-empty search text');
  if (typeof edit.replace !== 'string') return failed('replace needs a replace text (it may be empty)');
  if (path.targetKind === 'missing') return failed(`${path.relativePath} does not exist; use write to create it`);
  if (path.targetKind !== 'file') return failed(`${path.relativePath} is not a regular file`);
  const text = readFileSync(path.targetPath, 'utf8');
  const first = text.indexOf(edit.search);
  if (first === -1) {
    return failed(`the search text occurs 0 times in ${path.relativePath}; it must match exactly once (copy it verbatim, or use write)`);
  }
  if (text.indexOf(edit.search, first + 1) !== -1) {
    const count = text.split(edit.search).length - 1;
    return failed(
      `the search text occurs ${Math.max(count, 2)} times in ${path.relativePath}; it must match exactly once (include more surrounding lines)`,
    );
  }
  // Slicing, not String.replace, so `$&` and friends in the replacement stay literal.
  const updated = text.slice(0, first) + edit.replace + text.slice(first + edit.search.length);
  writeWithoutFollowing(path.targetPath, updated);
  return { status: 'applied' };
}

function remove(path: ConfinedPath): Outcome {
  if (path.kind === 'missing') return failed(`${path.relativePath} does not exist`);
  if (path.kind === 'directory') return failed(`${path.relativePath} is a directory; delete its files one by one`);
  // For a symlink this removes the link (whose target was checked to be inside), never the target.
  unlinkSync(path.linkPath);
  return { status: 'applied' };
}

/** Writes a file, refusing to follow a symlink that appeared at the final component meanwhile. */
function writeWithoutFollowing(path: string, content: string): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const descriptor = openSync(path, flags, 0o644);
  try {
    writeFileSync(descriptor, content, 'utf8');
  } finally {
    closeSync(descriptor);
  }
}

function failed(reason: string): Outcome {
  return { status: 'failed', reason };
}

function refused(reason: string): Outcome {
  return { status: 'refused', reason };
}
