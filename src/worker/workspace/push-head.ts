import { TandemError } from '../../errors.ts';
import { GitCommandError, gitFailure } from './git-errors.ts';
import type { GitRunner } from './git-runner.ts';

export interface PushHeadInput {
  /** Runs git in the working copy, authenticated for the remote. */
  remoteGit: GitRunner;
  /** The remote itself, without credentials. */
  remoteUrl: string;
  /** The commit to push (checked before, so nothing committed meanwhile slips through). */
  head: string;
  branch: string;
  repoLabel: string;
  token?: string;
  /** Called once the push's git has started: local work can run while it sends. */
  started?: () => void;
}

/** What git says when the remote branch moved under the push. */
const movedOnRemote = /\[rejected\]|non-fast-forward|fetch first|stale info/i;

/**
 * Pushes `head` to the task branch on the remote, by URL (a kept working copy's `origin` is
 * the URL it was cloned from). A branch that moved on the remote is `git_push_rejected`
 * (not retryable as it is: the caller rebases); any other failure is `git_push_failed`.
 */
export async function pushHead(input: PushHeadInput): Promise<void> {
  const { branch, repoLabel, token } = input;
  try {
    const pushed = input.remoteGit(['push', '--no-verify', input.remoteUrl, `${input.head}:refs/heads/${branch}`]);
    input.started?.();
    await pushed;
  } catch (error) {
    const text = error instanceof GitCommandError ? error.output : String(error);
    if (movedOnRemote.test(text)) {
      throw new TandemError('git_push_rejected', `pushing ${branch} to ${repoLabel} was rejected: the branch moved on the remote (someone else pushed to it)`, {
        cause: gitFailure('git_push_rejected', 'push', error, token),
        retryable: false,
      });
    }
    throw gitFailure('git_push_failed', `pushing ${branch} to ${repoLabel} failed`, error, token);
  }
}
