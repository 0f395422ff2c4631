import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OpenAiCompatibleClient } from '../../src/models/openai-compatible-client.ts';
import { startOpenAiServer, type LoopbackOpenAi } from '../kit/openai-server.ts';

let server: LoopbackOpenAi;
let client: OpenAiCompatibleClient;

before(async () => {
  server = await startOpenAiServer();
  client = new OpenAiCompatibleClient({ apiUrl: `${server.url}/`, apiKey: server.apiKey });
});
after(() => server.close());

const request = (extra: Partial<Parameters<OpenAiCompatibleClient['chat']>[0]> = {}) => ({
  model: 'frontier-large',
  messages: [
    { role: 'system' as const, content: 'You are a coder.' },
    { role: 'user' as const, content: 'Fix it.' },
  ],
  numCtx: 8192,
  keepAlive: 0,
  ...extra,
});

test('a JSON-schema format becomes the response_format; the answer and its usage come back', async () => {
  server.setResponder(() => ({ content: '{"ok":true}', promptTokens: 120, completionTokens: 7 }));
  const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
  const answer = await client.chat(request({ format: schema, temperature: 0.2 }));
  assert.equal(answer.content, '{"ok":true}');
  assert.equal(answer.promptTokens, 120);
  assert.equal(answer.outputTokens, 7);
  assert.equal(answer.loadMs, 0);
  const sent = server.requests.at(-1)!;
  assert.equal(sent.authorization, `Bearer ${server.apiKey}`);
  assert.deepEqual(sent.body.response_format, { type: 'json_schema', json_schema: { name: 'answer', schema, strict: false } });
  assert.equal(sent.body.temperature, 0.2);
  assert.equal((sent.body as Record<string, unknown>).num_ctx, undefined, 'Ollama-only options stay home');
  assert.equal(client.endpoint, `${server.url}/chat/completions`);
});

test('a wrong key is a non-retryable error naming FRONTIER_API_KEY', async () => {
  const wrong = new OpenAiCompatibleClient({ apiUrl: server.url, apiKey: 'sk-wrong' });
  await assert.rejects(wrong.chat(request()), (error: Error & { code?: string; retryable?: boolean }) => {
    assert.equal(error.code, 'frontier_rejected');
    assert.equal(error.retryable, false);
    assert.match(error.message, /401: Incorrect API key provided\. Check FRONTIER_API_KEY/);
    assert.doesNotMatch(error.message, /sk-wrong/, 'the key is never echoed');
    return true;
  });
});

test('429 and 5xx are retryable; a body that is not a completion is a clear error', async () => {
  for (const status of [429, 500, 503]) {
    server.setResponder(() => ({ status, message: 'busy' }));
    await assert.rejects(client.chat(request()), { code: 'model_error', retryable: true });
  }
  server.setResponder(() => ({ status: 400, message: 'bad schema' }));
  await assert.rejects(client.chat(request()), { code: 'model_error', retryable: false });
  const notCompletion = new OpenAiCompatibleClient({
    apiUrl: server.url,
    apiKey: server.apiKey,
    fetch: async () => new Response(JSON.stringify({ choices: [] }), { status: 200 }),
  });
  await assert.rejects(notCompletion.chat(request()), { code: 'model_error', message: /not a chat completion/ });
});

test('unreachable, timed out and cancelled calls say which', async () => {
  const nowhere = new OpenAiCompatibleClient({ apiUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-x' });
  await assert.rejects(nowhere.chat(request()), { code: 'model_unreachable', retryable: true, message: /FRONTIER_API_URL/ });
  const hanging: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
  const slow = new OpenAiCompatibleClient({ apiUrl: server.url, apiKey: 'sk-x', fetch: hanging, timeoutMs: 50 });
  await assert.rejects(slow.chat(request()), { code: 'model_timeout', retryable: true });
  const controller = new AbortController();
  const pending = new OpenAiCompatibleClient({ apiUrl: server.url, apiKey: 'sk-x', fetch: hanging }).chat(request({ signal: controller.signal }));
  controller.abort();
  await assert.rejects(pending, { code: 'task_cancelled' });
});
