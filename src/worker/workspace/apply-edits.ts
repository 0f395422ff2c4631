import { constants } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EditResult, FileEdit } from './workspace.ts';
import { resolveRepoPath, type ConfinedPath } from './repo-path.ts';

type Outcome = { status: 'applied' } | { status: 'refused' | 'failed'; reason: string };

const actions = new Set<string>(['write', 'replace', 'delete']);

/**
 * Applies the Coder's edits in order (DESIGN §3). Each edit is confined to the repository
 * (see `resolveRepoPath`); a refused or failed edit has a reason and does not stop the rest.
 */
export async function applyEdits(repoDir: string, edits: readonly FileEdit[]): Promise<EditResult[]> {
  const results: EditResult[] = [];
  for (const edit of edits) {
    const outcome = await applyEdit(repoDir, edit);
    const base = { path: String(edit.path ?? ''), action: edit.action };
    results.push(outcome.status === 'applied' ? { ...base, status: 'applied' } : { ...base, ...outcome });
  }
  return results;
}

async function applyEdit(repoDir: string, edit: FileEdit): Promise<Outcome> {
  if (!actions.has(edit.action)) return failed(`unknown action "${String(edit.action)}"; use write, replace or delete`);
  const resolved = await resolveRepoPath(repoDir, edit.path);
  if (resolved.status !== 'ok') return resolved;
  try {
    if (edit.action === 'write') return await write(resolved, edit);
    if (edit.action === 'replace') return await replace(resolved, edit);
    return await remove(resolved);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return failed(`could not ${edit.action} ${resolved.relativePath} (${code})`);
  }
}

async function write(path: ConfinedPath, edit: FileEdit): Promise<Outcome> {
  if (typeof edit.content !== 'string') return failed('write needs the whole file as content');
  if (path.kind === 'symlink' && path.targetKind === 'missing') return refused(`${path.relativePath} is a symlink to a missing file`);
  if (path.targetKind === 'directory') return failed(`${path.relativePath} is a directory`);
  if (path.targetKind === 'other') return failed(`${path.relativePath} is not a regular file`);
  await mkdir(dirname(path.targetPath), { recursive: true });
  await writeWithoutFollowing(path.targetPath, edit.content);
  return { status: 'applied' };
}

async function replace(path: ConfinedPath, edit: FileEdit): Promise<Outcome> {
  if (typeof edit.search !== 'string' || edit.search === '') return failed('replace needs a non-empty search text');
  if (typeof edit.replace !== 'string') return failed('replace needs a replace text (it may be empty)');
  if (path.targetKind === 'missing') return failed(`${path.relativePath} does not exist; use write to create it`);
  if (path.targetKind !== 'file') return failed(`${path.relativePath} is not a regular file`);
  const text = await readFile(path.targetPath, 'utf8');
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
  await writeWithoutFollowing(path.targetPath, updated);
  return { status: 'applied' };
}

async function remove(path: ConfinedPath): Promise<Outcome> {
  if (path.kind === 'missing') return failed(`${path.relativePath} does not exist`);
  if (path.kind === 'directory') return failed(`${path.relativePath} is a directory; delete its files one by one`);
  // For a symlink this removes the link (whose target was checked to be inside), never the target.
  await unlink(path.linkPath);
  return { status: 'applied' };
}

/** Writes a file, refusing to follow a symlink that appeared at the final component meanwhile. */
async function writeWithoutFollowing(path: string, content: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const handle = await open(path, flags, 0o644);
  try {
    await handle.writeFile(content, 'utf8');
  } finally {
    await handle.close();
  }
}

function failed(reason: string): Outcome {
  return { status: 'failed', reason };
}

function refused(reason: string): Outcome {
  return { status: 'refused', reason };
}
