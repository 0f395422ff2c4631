import { spawn } from 'node:child_process';
import { gitAuthEnvironment, redactToken, type Environment } from './git-auth.ts';
import { defaultGitTimeoutMs, gitChildEnvironment } from './git-client.ts';
import { GitCommandError, gitCommandFailure } from './git-errors.ts';

/** Runs one git command in a repository and returns its raw stdout; a failure rejects with `git_command_failed`. */
export type GitRunner = (args: readonly string[], input?: string) => Promise<Buffer>;

export interface GitRunnerOptions {
  /** Inherited environment (guarded git variables are dropped, as for every tandem git child). */
  baseEnv?: Environment;
  /**
   * The remote this runner talks to and its token: an http(s) remote gets the token as an
   * `http.extraHeader` through the child's environment only (`gitAuthEnvironment`), and the
   * token is redacted from every failure.
   */
  auth?: { remoteUrl: string; token?: string };
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Settings for every command of this runner, given as `-c <name>=<value>`. */
  settings?: Readonly<Record<string, string>>;
}

/** Makes the runner of one repository: `createGitRunner`, or one wrapped around it (to time or count git's children). */
export type GitRunnerFactory = (repoDir: string, options?: GitRunnerOptions) => GitRunner;

/**
 * The one way tandem runs git on a task's repositories: `spawn`, binary-safe (blobs may hold
 * NUL bytes), stdin for e.g. `cat-file --batch-check`, every child bounded by `timeoutMs` and
 * `signal`. It resolves when git exits 0 and rejects otherwise, whether or not git printed
 * anything: a quiet "no" (`rev-parse --verify --quiet`) is read with `gitLookup`.
 */
export function createGitRunner(repoDir: string, options: GitRunnerOptions = {}): GitRunner {
  const token = options.auth?.token;
  const extraEnv = options.auth ? gitAuthEnvironment(options.auth.remoteUrl, token) : {};
  const environment = gitChildEnvironment(options.baseEnv ?? process.env, extraEnv);
  const timeoutMs = options.timeoutMs ?? defaultGitTimeoutMs;
  const settings = Object.entries({ 'core.quotePath': 'false', ...options.settings }).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  return (args, input) =>
    new Promise((resolve, reject) => {
      const child = spawn('git', [...settings, ...args], {
        cwd: repoDir,
        env: environment,
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: options.signal,
      });
      // Our own time limit rather than spawn's `timeout`: spawn keeps that timer running when
      // the child never starts (git missing), holding the process open for the whole limit.
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGTERM');
      }, timeoutMs);
      timer.unref();
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      const aborted = () => options.signal?.aborted === true;
      const safeArgs = args.map((arg) => redactToken(arg, token));
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (spawnError === undefined && code === 0) return resolve(Buffer.concat(stdout));
        // A killed git may leave a helper (git-remote-http) holding the pipes: stop reading them.
        child.stdout.destroy();
        child.stderr.destroy();
        const written = Buffer.concat(stderr).toString('utf8').trim() || Buffer.concat(stdout).toString('utf8').trim();
        const output = redactToken(written, token).slice(0, 2000);
        const cause = spawnError ?? new Error(`git ${safeArgs.join(' ')} ended with ${signal ?? `exit ${code}`}: ${output}`);
        reject(gitCommandFailure({ args: safeArgs, exitCode: code, signal, output: spawnError ? '' : output, cause, aborted: aborted(), timedOut }));
      };
      child.on('error', (error) => finish(null, null, error));
      // 'close' waits for the pipes too; a killed git does not wait for its helpers' pipes.
      child.on('exit', (code, signal) => {
        if (signal !== null) finish(code, signal);
      });
      child.on('close', (code, signal) => finish(code, signal));
      child.stdin.on('error', () => undefined); // a child that exits early closes its stdin
      child.stdin.end(input ?? '');
    });
}

/** git's stdout as UTF-8 text. */
export async function gitText(git: GitRunner, args: readonly string[]): Promise<string> {
  return (await git(args)).toString('utf8');
}

/**
 * A lookup whose "none" is a quiet exit 1: `rev-parse --verify --quiet` of a missing ref,
 * `symbolic-ref -q` of a plain ref, `merge-base` of unrelated histories. Undefined then;
 * any other failure (a fatal error, a time limit) still rejects.
 */
export async function gitLookup(git: GitRunner, args: readonly string[]): Promise<string | undefined> {
  try {
    return (await gitText(git, args)).trim();
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1 && error.output === '') return undefined;
    throw error;
  }
}

/** The entries of git's `-z` output (NUL-separated), empty ones dropped. */
export function splitNul(output: string): string[] {
  return output.split('\0').filter((entry) => entry !== '');
}
