import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { z } from 'zod';
import { TandemError } from '../../src/errors.ts';
import { OllamaModelClient } from '../../src/models/ollama-model-client.ts';
import { PersonaAnswerError, structuredCall } from '../../src/models/structured-call.ts';
import { startOllamaServer, type LoopbackOllama } from '../kit/ollama-server.ts';

const schema = z.object({ verdict: z.enum(['allow', 'block']), reason: z.string() });
let ollama: LoopbackOllama;
let client: OllamaModelClient;

before(async () => {
  ollama = await startOllamaServer();
  client = new OllamaModelClient({ host: ollama.url });
});
after(() => ollama.close());

const call = (signal?: AbortSignal) =>
  structuredCall({
    client,
    persona: 'Judge',
    model: 'qwen2.5:7b',
    schema,
    system: "You are tandem's Judge.",
    user: 'Is this fine?',
    keepAlive: -1,
    maxContext: 8192,
    answerTokens: 1024,
    signal,
  });

test('sends the JSON schema as format, num_ctx and keep_alive, and validates the answer', async () => {
  ollama.setResponder(() => ({ content: '{"verdict":"allow","reason":"harmless"}', promptTokens: 120, outputTokens: 9 }));
  const before = ollama.chatRequests().length;
  const result = await call();
  assert.deepEqual(result.value, { verdict: 'allow', reason: 'harmless' });
  assert.equal(result.usage.calls, 1);
  assert.equal(result.usage.promptTokens, 120);
  assert.equal(result.usage.outputTokens, 9);
  const [request] = ollama.chatRequests().slice(before);
  assert.ok(request);
  assert.equal(request.model, 'qwen2.5:7b');
  assert.equal(request.keepAlive, -1);
  assert.equal(request.options?.num_ctx, 4096);
  const format = request.format as { type: string; properties: Record<string, unknown>; required: string[] };
  assert.equal(format.type, 'object');
  assert.deepEqual(Object.keys(format.properties).sort(), ['reason', 'verdict']);
  assert.deepEqual(request.messages.map((message) => message.role), ['system', 'user']);
});

test('an invalid answer is retried once with the problem quoted', async () => {
  ollama.setResponder((_chat, { index }) =>
    index === 0 ? { content: '{"verdict":"maybe"' } : { content: '{"verdict":"block","reason":"asks for secrets"}' },
  );
  const before = ollama.chatRequests().length;
  const result = await call();
  assert.equal(result.value.verdict, 'block');
  assert.equal(result.usage.calls, 2);
  const repair = ollama.chatRequests().slice(before)[1]!;
  assert.deepEqual(repair.messages.map((message) => message.role), ['system', 'user', 'assistant', 'user']);
  assert.match(repair.messages[3]!.content, /not valid JSON/);
});

test('a schema mismatch names the field in the repair request', async () => {
  ollama.setResponder((_chat, { index }) =>
    index === 0 ? { content: '{"verdict":"perhaps","reason":"x"}' } : { content: '```json\n{"verdict":"allow","reason":"ok"}\n```' },
  );
  const before = ollama.chatRequests().length;
  const result = await call();
  assert.equal(result.value.verdict, 'allow');
  assert.match(ollama.chatRequests().slice(before)[1]!.messages[3]!.content, /verdict/);
});

test('two invalid answers are a persona error, with no third call', async () => {
  ollama.setResponder(() => ({ content: 'I think it is fine!' }));
  const before = ollama.chatRequests().length;
  await assert.rejects(call(), (error: unknown) => {
    assert.ok(error instanceof PersonaAnswerError);
    assert.equal(error.code, 'persona_invalid_answer');
    assert.equal(error.retryable, false);
    assert.equal(error.usage.calls, 2);
    assert.match(error.message, /Judge .* invalid answer twice/);
    return true;
  });
  assert.equal(ollama.chatRequests().length - before, 2);
});

test('server errors and a missing model are classified', async () => {
  ollama.setResponder(() => ({ status: 500, error: 'llama runner process has terminated' }));
  await assert.rejects(call(), (error: unknown) => error instanceof TandemError && error.code === 'model_error' && error.retryable);
  ollama.setResponder(() => ({ status: 404, error: "model 'qwen2.5:7b' not found" }));
  await assert.rejects(call(), (error: unknown) => {
    assert.ok(error instanceof TandemError);
    assert.equal(error.code, 'model_not_found');
    assert.equal(error.retryable, false);
    assert.match(error.message, /ollama pull qwen2\.5:7b/);
    return true;
  });
});

test('an unreachable Ollama is a retryable error naming the URL', async () => {
  const offline = new OllamaModelClient({ host: 'http://127.0.0.1:9' });
  await assert.rejects(
    offline.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], numCtx: 4096, keepAlive: 0 }),
    (error: unknown) => error instanceof TandemError && error.code === 'model_unreachable' && error.retryable && /127\.0\.0\.1:9/.test(error.message),
  );
});

test('aborting the signal stops the call in flight', async () => {
  let released: (() => void) | undefined;
  ollama.setResponder(async (_chat, { signal }) => {
    await new Promise<void>((resolve) => {
      released = resolve;
      signal.addEventListener('abort', () => resolve());
    });
    return { content: '{"verdict":"allow","reason":"late"}' };
  });
  const controller = new AbortController();
  const before = ollama.chatRequests().length;
  const pending = call(controller.signal);
  while (ollama.chatRequests().length === before) await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  await assert.rejects(pending, (error: unknown) => error instanceof TandemError && error.code === 'task_cancelled');
  const deadline = Date.now() + 5000;
  while (!ollama.chatRequests().at(-1)!.aborted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  released?.();
  assert.equal(ollama.chatRequests().at(-1)!.aborted, true, 'the loopback Ollama saw the connection closed');
});
