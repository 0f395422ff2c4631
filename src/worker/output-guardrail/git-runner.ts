import { spawn } from 'node:child_process';
import type { Environment } from '../workspace/git-auth.ts';
import { defaultGitTimeoutMs, gitChildEnvironment } from '../workspace/git-client.ts';
import { gitCommandFailure } from '../workspace/git-errors.ts';

/** Runs one git command in a repository and returns its raw stdout; a failure rejects with `git_command_failed`. */
export type GitRunner = (args: readonly string[], input?: string) => Promise<Buffer>;

export interface GitRunnerOptions {
  /** Inherited environment (guarded git variables are dropped, as for every tandem git child). */
  baseEnv?: Environment;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A binary-safe git runner for `repoDir` (blobs may hold NUL bytes) that can feed stdin,
 * e.g. to `cat-file --batch-check`. Every child is bounded by `timeoutMs` and `signal`.
 */
export function createGitRunner(repoDir: string, options: GitRunnerOptions = {}): GitRunner {
  const environment = gitChildEnvironment(options.baseEnv ?? process.env);
  const timeoutMs = options.timeoutMs ?? defaultGitTimeoutMs;
  return (args, input) =>
    new Promise((resolve, reject) => {
      const child = spawn('git', ['-c', 'core.quotePath=false', ...args], {
        cwd: repoDir,
        env: environment,
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: options.signal,
      });
      // Our own time limit rather than spawn's `timeout`: spawn keeps that timer running when
      // the child never starts (git missing), holding the process open for the whole limit.
      const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
      timer.unref();
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      const aborted = () => options.signal?.aborted === true;
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(gitCommandFailure({ args, exitCode: null, signal: null, output: '', cause: error, aborted: aborted() }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(Buffer.concat(stdout));
        const output = Buffer.concat(stderr).toString('utf8').trim().slice(0, 2000);
        const cause = new Error(`git ${args.join(' ')} ended with ${signal ?? `exit ${code}`}: ${output}`);
        reject(gitCommandFailure({ args, exitCode: code, signal, output, cause, aborted: aborted() }));
      });
      child.stdin.on('error', () => undefined); // a child that exits early closes its stdin
      child.stdin.end(input ?? '');
    });
}
