import { posix } from 'node:path';

/**
 * Where a committed symlink at `linkPath` (repo-relative) pointing at `target` leads, when
 * that is somewhere a task's symlink must not point: outside the repository (an absolute
 * path, a Windows drive or share, or `..` climbing above the root) or into `.git`. Returns
 * undefined for a link that stays inside the working tree. Resolved lexically, as git
 * stores it; a link through another link is judged by that other link, which is checked
 * on its own when it is part of the change.
 */
export function symlinkEscape(linkPath: string, target: string): string | undefined {
  const slashed = target.replace(/\\/g, '/');
  if (slashed.trim() === '') return 'has an empty target';
  if (slashed.startsWith('/') || /^[a-z]:/i.test(slashed)) return 'points to an absolute path outside the repository';
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath.replace(/\\/g, '/')), slashed));
  if (resolved === '..' || resolved.startsWith('../')) return 'points outside the repository';
  const lower = resolved.toLowerCase();
  if (lower === '.git' || lower.startsWith('.git/')) return 'points into .git';
  return undefined;
}
