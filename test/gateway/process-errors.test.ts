import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLinesOf } from '../kit/recording-logger.ts';
import { spawnTandem } from '../kit/worker-process.ts';

const cli = new URL('../../src/cli.ts', import.meta.url).href;
const logger = new URL('../../src/logger.ts', import.meta.url).href;

/** A process with tandem's handler installed that loses a promise, then throws where nothing catches it. */
const script = `
import { handleProcessErrors } from '${cli}';
import { createLogger } from '${logger}';
handleProcessErrors(createLogger({ name: 'tandem' }));
void Promise.reject(new Error('a lost promise'));
setTimeout(() => { throw new Error('nothing caught this'); }, 200);
setTimeout(() => process.stdout.write('still running\\n'), 10_000);
`;

interface LogLine {
  level: number;
  msg: string;
  err?: { message?: string };
  origin?: string;
}

test('an uncaught exception is logged and exits non-zero; an unhandled rejection is logged and the process goes on', async () => {
  const spawned = spawnTandem([], {}, { entry: ['--import', 'tsx', '--input-type=module', '--eval', script] });
  const code = await spawned.exited;
  const lines = logLinesOf(spawned.output()) as LogLine[];
  assert.equal(code, 1, spawned.output());
  assert.doesNotMatch(spawned.output(), /still running/, 'it exited at once');

  const rejection = lines.find((line) => line.msg === 'unhandled promise rejection');
  assert.equal(rejection?.level, 50, 'logged as an error');
  assert.equal(rejection?.err?.message, 'a lost promise');

  const uncaught = lines.find((line) => line.msg === 'uncaught exception: exiting');
  assert.equal(uncaught?.level, 60, 'logged as fatal');
  assert.equal(uncaught?.err?.message, 'nothing caught this');
  assert.equal(uncaught?.origin, 'uncaughtException');
  assert.ok(lines.indexOf(rejection!) < lines.indexOf(uncaught!), 'the rejection did not end the process');
});
