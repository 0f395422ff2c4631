import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { TandemError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import type { TestResult } from '../../queue/work-job.ts';
import { detectSandbox } from './detect-sandbox.ts';
import { parseTestCounts } from './parse-test-counts.ts';
import { isProcessGroupRunning, stopProcessGroup } from './process-group.ts';
import { describePolicy, type Sandbox, type SandboxChoice, type SandboxedCommand, type SandboxPolicy } from './sandbox.ts';
import { TailBuffer } from './tail-buffer.ts';
import { testEnvironment, type Environment } from './test-environment.ts';
import type { RunTestsInput, TestRunner } from './test-runner.ts';

/** Characters of output a TestResult carries. */
export const outputTailChars = 4000;

export interface ProcessTestRunnerOptions {
  /** Where the allow-listed variables come from (default `process.env`). */
  baseEnv?: Environment;
  /** Output kept in memory, as a tail (default 64 KiB). */
  outputLimitBytes?: number;
  /** SIGTERM → SIGKILL grace when a run is stopped (default 2 s). */
  killGraceMs?: number;
  /**
   * `TEST_SANDBOX`: `auto` (default, the strongest this machine has), `bwrap`, `unshare`,
   * `sandbox-exec` or `none`; or a ready Sandbox.
   */
  sandbox?: SandboxChoice | Sandbox;
  logger?: Logger;
  now?: () => number;
}

type StopReason = 'timeout' | 'abort';

/**
 * Runs `sh -c <command>` in the task's directory, in its own process group, with an
 * allow-listed environment, inside the configured sandbox (test runs without network,
 * writes confined to the workspace where the sandbox can); on timeout or abort the whole
 * group is killed and the run reports `timedOut: true`. Processes a finished run leaves
 * behind are killed as well.
 */
export class ProcessTestRunner implements TestRunner {
  readonly #baseEnv: Environment;
  readonly #outputLimitBytes: number;
  readonly #killGraceMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #sandboxChoice: SandboxChoice | Sandbox;
  #sandbox: Promise<Sandbox> | undefined;

  constructor(options: ProcessTestRunnerOptions = {}) {
    this.#baseEnv = options.baseEnv ?? process.env;
    this.#outputLimitBytes = options.outputLimitBytes ?? 64 * 1024;
    this.#killGraceMs = options.killGraceMs ?? 2000;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#sandboxChoice = options.sandbox ?? 'auto';
  }

  /**
   * The sandbox runs use, detected once (call it at startup to fail fast and log it).
   * Rejects with `sandbox_unavailable` when an explicit choice does not work here.
   */
  sandbox(): Promise<Sandbox> {
    this.#sandbox ??= this.#detectSandbox();
    return this.#sandbox;
  }

  async #detectSandbox(): Promise<Sandbox> {
    const choice = this.#sandboxChoice;
    if (typeof choice === 'object') return choice;
    const { sandbox, unavailable } = await detectSandbox({ choice, env: this.#baseEnv });
    const details = { sandbox: sandbox.name, tests: sandbox.describe('tests'), install: sandbox.describe('install'), unavailable };
    if (sandbox.name === 'none' && choice === 'auto') this.#logger.warn(details, 'no sandbox available: tests run with network and unrestricted writes');
    else this.#logger.info(details, 'test sandbox selected');
    return sandbox;
  }

  async run(input: RunTestsInput): Promise<TestResult> {
    const startedAt = this.#now();
    const output = new TailBuffer(this.#outputLimitBytes);
    if (input.signal?.aborted) {
      output.push('[tandem: the run was aborted before it started]\n');
      return this.#result(input, output, { exitCode: null, stopReason: 'abort', startedAt });
    }
    const purpose = input.purpose ?? 'tests';
    const sandbox = await this.sandbox();
    const policy = sandbox.describe(purpose);
    let wrapped: SandboxedCommand;
    try {
      wrapped = await sandbox.wrap({ dir: input.dir, command: input.command, purpose });
    } catch (error) {
      throw new TandemError('test_run_failed', `could not prepare the ${sandbox.name} sandbox in ${input.dir}: ${(error as Error).message}`, { cause: error });
    }
    try {
      return await this.#runWrapped(input, wrapped, policy, output, startedAt);
    } finally {
      await wrapped.cleanup().catch((error: unknown) => this.#logger.warn({ err: error }, 'could not remove the sandbox scratch directory'));
    }
  }

  async #runWrapped(
    input: RunTestsInput,
    wrapped: SandboxedCommand,
    policy: SandboxPolicy,
    output: TailBuffer,
    startedAt: number,
  ): Promise<TestResult> {
    // bwrap: the group is bwrap's; killing it takes down the sandbox's PID namespace with it.
    const child = spawn(wrapped.file, wrapped.args, {
      cwd: input.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...testEnvironment(this.#baseEnv), ...wrapped.env },
    });
    const closed = once(child, 'close').catch(() => undefined);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    exited.catch(() => undefined); // a failed spawn is reported below
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    let exit: [number | null, NodeJS.Signals | null];
    try {
      await once(child, 'spawn');
    } catch (error) {
      throw new TandemError('test_run_failed', `could not start the tests in ${input.dir}: ${(error as Error).message}`, { cause: error });
    }
    const groupId = child.pid!;
    let stopReason: StopReason | undefined;
    let stopping: Promise<boolean> | undefined;
    const stop = (reason: StopReason) => {
      if (stopReason) return;
      stopReason = reason;
      stopping = stopProcessGroup(groupId, { graceMs: this.#killGraceMs, killWaitMs: 5000 });
    };
    const timer = setTimeout(() => stop('timeout'), input.timeoutMs);
    const onAbort = () => stop('abort');
    input.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      exit = await exited;
    } finally {
      clearTimeout(timer);
      input.signal?.removeEventListener('abort', onAbort);
    }
    if (!stopping && (await isProcessGroupRunning(groupId))) {
      // The command finished but left processes behind (servers, watchers): none may outlive the run.
      output.push('\n[tandem: stopped processes the tests left running]\n');
      stopping = stopProcessGroup(groupId, { graceMs: this.#killGraceMs, killWaitMs: 5000 });
    }
    const gone = (await stopping) ?? true;
    if (!gone) this.#logger.warn({ groupId, command: input.command }, 'test process group did not exit after SIGKILL');
    // A process that left the group may still hold the pipes: do not wait for it forever.
    await Promise.race([closed, sleep(1000)]);
    child.stdout.destroy();
    child.stderr.destroy();
    if (stopReason === 'timeout') output.push(`\n[tandem: timed out after ${input.timeoutMs} ms; the process group was killed]\n`);
    if (stopReason === 'abort') output.push('\n[tandem: the run was aborted; the process group was killed]\n');
    const exitCode = stopReason ? null : exit[0];
    if (exitCode !== 0 && policy.sandbox !== 'none') output.push(`\n[tandem: ran in ${describePolicy(policy)}]\n`);
    return this.#result(input, output, { exitCode, stopReason, startedAt, policy });
  }

  #result(
    input: RunTestsInput,
    output: TailBuffer,
    outcome: { exitCode: number | null; stopReason: StopReason | undefined; startedAt: number; policy?: SandboxPolicy },
  ): TestResult {
    const timedOut = outcome.stopReason !== undefined;
    const counts = parseTestCounts(output.text());
    const result: TestResult = {
      command: input.command,
      exitCode: outcome.exitCode,
      passed: outcome.exitCode === 0 && !timedOut,
      timedOut,
      durationMs: Math.max(0, this.#now() - outcome.startedAt),
      outputTail: output.text(outputTailChars),
      ...(counts ? { counts } : {}),
    };
    this.#logger.info(
      {
        command: input.command,
        purpose: input.purpose ?? 'tests',
        sandbox: outcome.policy,
        exitCode: result.exitCode,
        timedOut,
        stopReason: outcome.stopReason,
        durationMs: result.durationMs,
        counts,
      },
      'tests ran',
    );
    return result;
  }
}
