import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TandemError } from '../../src/errors.ts';
import type { ChatAnswer, ChatRequest, ModelClient } from '../../src/models/model-client.ts';
import { RetryingModelClient } from '../../src/models/retrying-model-client.ts';

const answer: ChatAnswer = { content: '{}', promptTokens: 1, outputTokens: 1, durationMs: 1, loadMs: 0 };
const request = (signal?: AbortSignal): ChatRequest => ({ model: 'coder:big', messages: [], numCtx: 2048, keepAlive: 0, signal });

/** A client failing with each of `errors` in turn, then answering. */
function flaky(errors: TandemError[]): ModelClient & { calls: number } {
  const client = {
    calls: 0,
    async chat() {
      client.calls += 1;
      const error = errors[client.calls - 1];
      if (error) throw error;
      return answer;
    },
  };
  return client;
}

const serverError = () => new TandemError('model_error', 'coder:big at http://ollama answered 500: boom', { retryable: true });

test('5xx and unreachable are retried with doubling waits, then the answer comes through', async () => {
  const inner = flaky([serverError(), new TandemError('model_unreachable', 'cannot reach Ollama', { retryable: true })]);
  const started = Date.now();
  assert.deepEqual(await new RetryingModelClient(inner, { baseDelayMs: 40 }).chat(request()), answer);
  assert.equal(inner.calls, 3);
  assert.ok(Date.now() - started >= 40 + 80 - 5, 'waited 40 ms, then 80 ms');
});

test('the tries are bounded; the last error says how many there were and stays retryable for the job', async () => {
  const inner = flaky([serverError(), serverError(), serverError(), serverError()]);
  await assert.rejects(new RetryingModelClient(inner, { attempts: 3, baseDelayMs: 1 }).chat(request()), (error: unknown) => {
    assert.ok(error instanceof TandemError);
    assert.equal(error.code, 'model_error');
    assert.equal(error.retryable, true);
    assert.match(error.message, /answered 500: boom \(3 tries\)$/);
    return true;
  });
  assert.equal(inner.calls, 3);
});

test('timeouts, persona errors and other non-retryable errors are not retried here', async () => {
  for (const error of [
    new TandemError('model_timeout', 'did not answer within 900 s', { retryable: true }),
    new TandemError('model_not_found', 'run: ollama pull coder:big'),
    new TandemError('model_error', 'answered 400: bad request', { retryable: false }),
  ]) {
    const inner = flaky([error]);
    await assert.rejects(new RetryingModelClient(inner, { baseDelayMs: 1 }).chat(request()), (thrown) => thrown === error);
    assert.equal(inner.calls, 1, error.code);
  }
});

test('cancelling during the backoff wait ends it at once as task_cancelled, without another call', async () => {
  const inner = flaky([serverError(), serverError()]);
  const controller = new AbortController();
  setTimeout(() => controller.abort('cancelled'), 50);
  const started = Date.now();
  await assert.rejects(
    new RetryingModelClient(inner, { baseDelayMs: 10_000 }).chat(request(controller.signal)),
    (error: unknown) => error instanceof TandemError && error.code === 'task_cancelled',
  );
  assert.ok(Date.now() - started < 2_000);
  assert.equal(inner.calls, 1);
});
