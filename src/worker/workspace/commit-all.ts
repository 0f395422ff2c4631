import { TandemError } from '../../errors.ts';
import { GitCommandError } from './git-errors.ts';
import { gitText, type GitRunner } from './git-runner.ts';
import type { GitAuthor } from './workspace.ts';

/** What git prints, in English (LC_ALL=C) with exit 1, when nothing is staged. */
const nothingToCommit = /nothing (added )?to commit|no changes added to commit/;

/** git's summary line of a commit made with `core.abbrev=no`: `[<branch> <sha>] <subject>`. */
const summaryLine = /^\[[^\]\n]* ([0-9a-f]{40}|[0-9a-f]{64})\] /;

/**
 * Stages everything in the work tree and commits it as `author`, hooks and signing off.
 * Resolves to the new commit, its sha as git's summary line names it (undefined when the
 * line does not say), or to undefined when there was nothing to commit.
 */
export async function commitAll(git: GitRunner, message: string, author: GitAuthor): Promise<{ sha: string | undefined } | undefined> {
  if (message.trim() === '') throw new TandemError('invalid_commit', 'the commit message is empty');
  const identity = [author.name, author.email];
  if (identity.some((part) => part.trim() === '' || /[<>\n\r\0]/.test(part))) {
    throw new TandemError('invalid_commit', 'the commit author needs a name and an email without <, > or line breaks');
  }
  await git(['add', '--all']);
  let summary: string;
  try {
    summary = await gitText(git, ['-c', 'core.abbrev=no', 'commit', '--no-verify', '--no-gpg-sign', `--author=${author.name} <${author.email}>`, '-m', message]);
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1 && nothingToCommit.test(error.output)) return undefined;
    throw error;
  }
  return { sha: summaryLine.exec(summary)?.[1] };
}
