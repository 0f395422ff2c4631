import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';

export type PathKind = 'missing' | 'file' | 'directory' | 'symlink' | 'other';

/** Where a repo-relative path leads, once every symlink on the way is known to stay inside. */
export interface ConfinedPath {
  status: 'ok';
  /** The normalized repo-relative path. */
  relativePath: string;
  /** The path itself (its parents resolved): for a symlink, the link. */
  linkPath: string;
  /** What reading or writing touches: the link's target for a symlink, else `linkPath`. */
  targetPath: string;
  /** What sits at `linkPath` (a symlink is reported as `symlink`). */
  kind: PathKind;
  /** What sits at `targetPath`. */
  targetKind: PathKind;
}

export type PathResolution = ConfinedPath | { status: 'refused' | 'failed'; reason: string };

/** Characters HFS+ ignores in names, so `.g\u200cit` is `.git` on a Mac (as git itself checks). */
const ignorableCodePoints = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** `.git` in any case and any HFS+-equivalent spelling. */
export function isDotGit(segment: string): boolean {
  return segment.replace(ignorableCodePoints, '').normalize('NFC').toLowerCase() === '.git';
}

function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root + sep);
}

function leavesRepository(repoRoot: string, candidate: string): string | undefined {
  if (!isInside(repoRoot, candidate)) return 'outside the repository';
  if (relative(repoRoot, candidate).split(sep).some(isDotGit)) return 'inside .git';
  return undefined;
}

function kindOf(path: string): PathKind {
  try {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) return 'symlink';
    if (stats.isFile()) return 'file';
    if (stats.isDirectory()) return 'directory';
    return 'other';
  } catch {
    return 'missing';
  }
}

/** Where a symlink points: its real path, or for a dangling link the lexical target. */
function symlinkTarget(linkPath: string): { path: string; dangling: boolean } {
  try {
    return { path: realpathSync.native(linkPath), dangling: false };
  } catch {
    return { path: resolve(dirname(linkPath), readlinkSync(linkPath)), dangling: true };
  }
}

/** Checks a repo-relative path from the Coder without touching anything. */
export function checkRelativePath(path: unknown): { relativePath: string } | { reason: string } {
  if (typeof path !== 'string' || path.trim() === '') return { reason: 'the path is empty' };
  if (path.includes('\0')) return { reason: 'the path contains a NUL byte' };
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path)) return { reason: 'absolute paths are not allowed; use a repo-relative path' };
  const relativePath = posix.normalize(path).replace(/\/+$/, '');
  if (relativePath === '.' || relativePath === '') return { reason: 'the path names the repository root, not a file' };
  if (relativePath === '..' || relativePath.startsWith('../')) return { reason: 'the path leads outside the repository' };
  if (relativePath.split('/').some(isDotGit)) return { reason: 'paths inside .git are not allowed' };
  return { relativePath };
}

/**
 * Resolves `path` inside `repoDir`, refusing absolute paths, `..` escapes, `.git`, and any
 * symlink (in a parent directory or at the path itself) that leads outside the repository
 * or into `.git`, dangling links included. The file system is asked synchronously: a path
 * takes an lstat or two per segment, each a few microseconds, where a round trip through
 * libuv's thread pool costs a tenth of a millisecond or more.
 */
export function resolveRepoPath(repoDir: string, path: unknown): PathResolution {
  const checked = checkRelativePath(path);
  if ('reason' in checked) return { status: 'refused', reason: checked.reason };
  const repoRoot = realpathSync.native(repoDir);
  const segments = checked.relativePath.split('/');
  let current = repoRoot;
  for (const [index, segment] of segments.entries()) {
    const next = join(current, segment);
    const kind = kindOf(next);
    const isLast = index === segments.length - 1;
    // Missing parents will be created as plain directories inside `current`.
    if (kind === 'missing') return confined(checked.relativePath, join(next, ...segments.slice(index + 1)), 'missing');
    let currentKind: PathKind = kind;
    if (kind === 'symlink') {
      const target = symlinkTarget(next);
      const escape = leavesRepository(repoRoot, target.path);
      if (escape) return { status: 'refused', reason: `${segments.slice(0, index + 1).join('/')} is a symlink that leads ${escape}` };
      if (isLast) {
        return { ...confined(checked.relativePath, next, 'symlink'), targetPath: target.path, targetKind: target.dangling ? 'missing' : kindOf(target.path) };
      }
      if (target.dangling) return { status: 'failed', reason: `${segments.slice(0, index + 1).join('/')} is a broken symlink` };
      current = target.path;
      currentKind = kindOf(current);
    } else {
      current = next;
    }
    if (isLast) return confined(checked.relativePath, current, kind);
    if (currentKind !== 'directory') {
      return { status: 'failed', reason: `${segments.slice(0, index + 1).join('/')} is not a directory` };
    }
  }
  throw new Error('unreachable: a normalized path has at least one segment');
}

function confined(relativePath: string, path: string, kind: PathKind): ConfinedPath {
  return { status: 'ok', relativePath, linkPath: path, targetPath: path, kind, targetKind: kind };
}
