import { TandemError } from '../../errors.ts';
import { repoSchema, type Repo } from '../../queue/work-job.ts';

export interface RemoteUrl {
  /** The repository's remote URL, never carrying a password or (for http/https) a user name. */
  url: string;
  /** True when the template carried credentials and they were removed. */
  removedCredentials: boolean;
}

/** Throws `invalid_repo` unless `repo` is a safe `owner/name` pair (no `.` or `..` segments). */
export function assertRepo(repo: Repo): void {
  const parsed = repoSchema.safeParse(repo);
  const dotSegment = [repo.owner, repo.name].some((part) => part === '.' || part === '..');
  if (!parsed.success || dotSegment) {
    throw new TandemError('invalid_repo', `"${repo.owner}/${repo.name}" is not a valid owner/name repository`);
  }
}

/**
 * The remote URL of `repo` from a `GIT_REMOTE_URL` template (`{owner}` and `{repo}` are
 * replaced). Credentials never leave this function: userinfo is removed from http(s) URLs
 * and a password is removed from any other URL (ssh://git@host keeps its user name), so the
 * URL can go into argv, `.git/config` and logs. Authenticate with a token instead.
 */
export function remoteUrlFor(template: string, repo: Repo): RemoteUrl {
  assertRepo(repo);
  const substituted = template.replaceAll('{owner}', repo.owner).replaceAll('{repo}', repo.name);
  let parsed: URL;
  try {
    parsed = new URL(substituted);
  } catch {
    // scp-like `git@host:owner/repo.git` or a plain path: no place for a password.
    return { url: substituted, removedCredentials: false };
  }
  const http = isHttpRemote(substituted);
  const hasCredentials = parsed.password !== '' || (http && parsed.username !== '');
  if (!hasCredentials) return { url: substituted, removedCredentials: false };
  parsed.password = '';
  if (http) parsed.username = '';
  return { url: parsed.toString(), removedCredentials: true };
}

/** Whether git talks to this remote over http(s), the only transport the token applies to. */
export function isHttpRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}
