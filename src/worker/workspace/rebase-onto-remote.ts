import { TandemError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { gitFailure, gitFailureText } from './git-errors.ts';
import { gitText, splitNul, type GitRunner } from './git-runner.ts';

export interface RebaseOntoRemoteInput {
  /** Runs git in the working copy. */
  git: GitRunner;
  /** Runs git in the working copy, authenticated for the remote. */
  remoteGit: GitRunner;
  /** The remote itself, without credentials. */
  remoteUrl: string;
  branch: string;
  /** Where the task's own commits start: what it last pushed, or where it started. */
  ownBase: string;
  repoLabel: string;
  token?: string;
  logger: Logger;
}

/**
 * Fetches the task branch as the remote has it now and rebases the task's own commits
 * (`ownBase..HEAD`) onto it; resolves to the remote head they now sit on. When they
 * conflict, the rebase is undone and `git_push_rejected` names the files.
 */
export async function rebaseOntoRemote(input: RebaseOntoRemoteInput): Promise<string> {
  const { git, branch, repoLabel, token, logger } = input;
  const remoteRef = `refs/remotes/origin/${branch}`;
  // Read before the fetch, which moves the remote-tracking ref `ownBase` may name.
  const ownBase = (await gitText(git, ['rev-parse', '--verify', `${input.ownBase}^{commit}`])).trim();
  try {
    await input.remoteGit(['fetch', '--quiet', input.remoteUrl, `+refs/heads/${branch}:${remoteRef}`]);
  } catch (error) {
    throw gitFailure('git_fetch_failed', `fetching ${branch} of ${repoLabel} after a rejected push failed`, error, token);
  }
  const remoteHead = (await gitText(git, ['rev-parse', '--verify', `${remoteRef}^{commit}`])).trim();
  try {
    await git(['rebase', '--quiet', '--autostash', '--onto', remoteHead, ownBase]);
  } catch (error) {
    const conflicts = splitNul(await gitText(git, ['diff', '--name-only', '--diff-filter=U', '-z']).catch(() => ''));
    await git(['rebase', '--abort']).catch(() => undefined);
    const where = conflicts.length > 0 ? `conflict in ${conflicts.slice(0, 10).join(', ')}` : gitFailureText(error, token);
    logger.warn({ repo: repoLabel, branch, conflicts }, 'rebase onto the moved task branch failed');
    throw new TandemError(
      'git_push_rejected',
      `pushing ${branch} to ${repoLabel} was rejected: someone else pushed to it, and rebasing the task's commits onto theirs failed (${where}). Merge ${branch} by hand, or reply in this thread to try again from the new branch head`,
      { cause: error, retryable: false },
    );
  }
  logger.info({ repo: repoLabel, branch, onto: remoteHead }, 'task commits rebased onto the moved branch');
  return remoteHead;
}
