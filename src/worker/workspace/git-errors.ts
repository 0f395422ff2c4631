import { TandemError } from '../../errors.ts';
import { redactToken } from './git-auth.ts';

/** Failures that will fail the same way again: missing repository, refused credentials. */
const permanentFailure =
  /not found|does not appear to be a git repository|does not exist|authentication failed|could not read username|terminal prompts disabled|invalid username or password|permission denied|returned error: 40[0-4]/i;

/** Failures of the network or the server that may pass on a later attempt. */
const transientFailure =
  /could not resolve host|connection (refused|reset|timed out)|timed out|early eof|rpc failed|remote end hung up|unable to access|network is unreachable|temporary failure|ssl|tls|gnutls|returned error: (429|5\d\d)|could not read from remote/i;

/** What git (or whatever failed) said: a git child's output, any other error's message. */
function failureText(error: unknown): string {
  if (error instanceof GitCommandError) return error.output;
  return error instanceof Error ? error.message : String(error);
}

/** Whether a git failure looks like the network or the server rather than the request. */
export function isTransientGitFailure(error: unknown): boolean {
  if (error instanceof GitCommandError && error.stopped !== undefined) return error.stopped !== 'not-started';
  const text = failureText(error);
  return !permanentFailure.test(text) && transientFailure.test(text);
}

/**
 * Whether a failure concerns the remote (the network, the server, the repository or the
 * credentials) rather than the local repository, which cloning again could mend.
 */
export function isRemoteGitFailure(error: unknown): boolean {
  return isTransientGitFailure(error) || permanentFailure.test(failureText(error));
}

/** git's own words, one line, without the token, short enough for a log line or a Slack reply. */
export function gitFailureText(error: unknown, token: string | undefined): string {
  if (error instanceof GitCommandError && error.stopped !== undefined) return stoppedText[error.stopped];
  const text = error instanceof GitCommandError ? error.output : error instanceof Error ? error.message : String(error);
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

/** How one local git child ended when it did not succeed. */
export interface GitCommandEnd {
  args: readonly string[];
  /** Its exit code, or null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it (a time limit's kill), if one did. */
  signal: string | null;
  /** What it wrote to stderr (or stdout when stderr was empty). */
  output: string;
  cause: unknown;
  /** The run was stopped on purpose (the task was cancelled): not worth another try. */
  aborted?: boolean;
  /** The runner's time limit killed it. */
  timedOut?: boolean;
}

/** Why git ended without an exit code of its own. */
export type GitStop = 'aborted' | 'timeout' | 'killed' | 'not-started';

const stoppedText: Record<GitStop, string> = {
  aborted: 'git was stopped (the task was aborted)',
  timeout: 'git was stopped (timeout)',
  killed: 'git was stopped (killed by a signal)',
  'not-started': 'git could not start: it is not installed or not on PATH',
};

/** `git_command_failed`: how one git child ended, with git's own output for callers that classify it. */
export class GitCommandError extends TandemError {
  readonly exitCode: number | null;
  /** What git wrote to stderr (or stdout when stderr was empty), trimmed. */
  readonly output: string;
  /** Set when git did not end by itself: cancelled, its time limit, another signal, or never started. */
  readonly stopped: GitStop | undefined;

  constructor(end: GitCommandEnd, message: string, retryable: boolean) {
    super('git_command_failed', message, { cause: end.cause, retryable });
    this.name = 'GitCommandError';
    this.exitCode = end.exitCode;
    this.output = end.output;
    this.stopped = stopOf(end);
  }
}

function stopOf(end: GitCommandEnd): GitStop | undefined {
  if (end.aborted) return 'aborted';
  if ((end.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return 'not-started';
  if (end.timedOut) return 'timeout';
  if (end.signal !== null) return 'killed';
  return undefined;
}

/** Another git process holds a lock in the repository: the same command may pass shortly. */
const lockContention = /unable to create '[^']*\.lock'|another git process seems to be running|cannot lock ref/i;

/**
 * `git_command_failed` for a local git command (no network involved): git's own words, one
 * line. Retryable when a signal ended it (its time limit) or another git process held a
 * lock; not when git refused (a missing ref, a corrupt object): the same repository would
 * refuse again. A git that cannot be started at all (not installed) is not retryable either.
 */
export function gitCommandFailure(end: GitCommandEnd): GitCommandError {
  const command = `git ${subcommand(end.args)}`.trim();
  const spawnCode = (end.cause as NodeJS.ErrnoException | undefined)?.code;
  let how: string;
  if (end.aborted) how = 'was stopped (the task was cancelled)';
  else if (spawnCode === 'ENOENT') how = 'could not start: git is not installed or not on PATH';
  else if (end.signal) how = `was killed (${end.signal}), most likely by its time limit`;
  else how = `exited ${end.exitCode}`;
  const detail = gitFailureText(new Error(end.output), undefined);
  const retryable = !end.aborted && spawnCode !== 'ENOENT' && (end.signal !== null || lockContention.test(end.output));
  return new GitCommandError(end, `${command} ${how}${detail ? `: ${detail}` : ''}`, retryable);
}

/** The git subcommand in `args`, past options such as `-c name=value`. */
function subcommand(args: readonly string[]): string {
  for (let index = 0; index < args.length; index += 1) {
    if (args[index] === '-c' || args[index] === '-C') index += 1;
    else if (!args[index]!.startsWith('-')) return args[index]!;
  }
  return '';
}
