import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { TandemError } from '../../errors.ts';
import { silentLogger, type Logger } from '../../logger.ts';
import type { TestResult } from '../../queue/work-job.ts';
import { parseTestCounts } from './parse-test-counts.ts';
import { isProcessGroupRunning, stopProcessGroup } from './process-group.ts';
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
  logger?: Logger;
  now?: () => number;
}

type StopReason = 'timeout' | 'abort';

/**
 * Runs `sh -c <command>` in the task's directory, in its own process group, with an
 * allow-listed environment; on timeout or abort the whole group is killed and the run
 * reports `timedOut: true`. Processes a finished run leaves behind are killed as well.
 */
export class ProcessTestRunner implements TestRunner {
  readonly #baseEnv: Environment;
  readonly #outputLimitBytes: number;
  readonly #killGraceMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;

  constructor(options: ProcessTestRunnerOptions = {}) {
    this.#baseEnv = options.baseEnv ?? process.env;
    this.#outputLimitBytes = options.outputLimitBytes ?? 64 * 1024;
    this.#killGraceMs = options.killGraceMs ?? 2000;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  async run(input: RunTestsInput): Promise<TestResult> {
    const startedAt = this.#now();
    const output = new TailBuffer(this.#outputLimitBytes);
    if (input.signal?.aborted) {
      output.push('[tandem: the run was aborted before it started]\n');
      return this.#result(input, output, { exitCode: null, stopReason: 'abort', startedAt });
    }
    const child = spawn('sh', ['-c', input.command], {
      cwd: input.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: testEnvironment(this.#baseEnv),
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
    return this.#result(input, output, { exitCode: stopReason ? null : exit[0], stopReason, startedAt });
  }

  #result(
    input: RunTestsInput,
    output: TailBuffer,
    outcome: { exitCode: number | null; stopReason: StopReason | undefined; startedAt: number },
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
      { command: input.command, exitCode: result.exitCode, timedOut, stopReason: outcome.stopReason, durationMs: result.durationMs, counts },
      'tests ran',
    );
    return result;
  }
}
