import { GitPluginError } from 'simple-git';
import { TandemError } from '../../errors.ts';
import { redactToken } from './git-auth.ts';

/** Failures that will fail the same way again: missing repository, refused credentials. */
const permanentFailure =
  /not found|does not appear to be a git repository|does not exist|authentication failed|could not read username|terminal prompts disabled|invalid username or password|permission denied|returned error: 40[0-4]/i;

/** Failures of the network or the server that may pass on a later attempt. */
const transientFailure =
  /could not resolve host|connection (refused|reset|timed out)|timed out|early eof|rpc failed|remote end hung up|unable to access|network is unreachable|temporary failure|ssl|tls|gnutls|returned error: (429|5\d\d)|could not read from remote/i;

/** Whether a git failure looks like the network or the server rather than the request. */
export function isTransientGitFailure(error: unknown): boolean {
  if (error instanceof GitPluginError) return error.plugin === 'timeout' || error.plugin === 'abort';
  const text = error instanceof Error ? error.message : String(error);
  if (permanentFailure.test(text)) return false;
  return transientFailure.test(text);
}

/** git's own words, one line, without the token, short enough for a log line or a Slack reply. */
export function gitFailureText(error: unknown, token: string | undefined): string {
  if (error instanceof GitPluginError) {
    return error.plugin === 'abort' ? 'git was stopped (the task was aborted)' : `git was stopped (${error.plugin})`;
  }
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('hint:'));
  return redactToken(lines.slice(0, 4).join(' / '), token).slice(0, 500);
}

/**
 * A TandemError for a failed git step: `what` names the step and the repository (never the
 * URL with credentials or the token), git's message follows, then `hint` (what to check);
 * the cause is sanitized too.
 */
export function gitFailure(code: string, what: string, error: unknown, token: string | undefined, hint?: string): TandemError {
  const detail = gitFailureText(error, token);
  return new TandemError(code, `${what}: ${detail}${hint ? `. ${hint}` : ''}`, {
    cause: new Error(detail),
    retryable: isTransientGitFailure(error),
  });
}
