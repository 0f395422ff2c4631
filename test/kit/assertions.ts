import assert from 'node:assert/strict';
import { isTandemError, type TandemError } from '../../src/errors.ts';

/** Asserts `promise` rejects with a TandemError of `code` and returns it for further checks. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<TandemError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isTandemError(error), `expected a TandemError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}
