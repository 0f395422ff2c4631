import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Ollama } from 'ollama';
import { personaOf, startOllamaServer, type LoopbackOllama, type RecordedChat } from './ollama-server.ts';

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const planner = [
  { role: 'system', content: "You are tandem's Planner. Answer with JSON." },
  { role: 'user', content: 'add pagination to GET /users' },
];

describe('loopback Ollama', () => {
  let server: LoopbackOllama;
  let client: Ollama;

  before(async () => {
    server = await startOllamaServer();
    client = new Ollama({ host: server.url });
  });

  after(() => server.close());

  test('chat answers like Ollama and records what the client sent', async () => {
    const seen: number[] = [];
    server.setResponder((chat, context) => {
      seen.push(context.index);
      return { content: `{"persona":"${personaOf(chat)}"}`, promptTokens: 321 };
    });
    const format = { type: 'object', properties: { persona: { type: 'string' } } };
    const response = await client.chat({
      model: 'qwen3-coder-next:q4_K_M',
      messages: planner,
      format,
      options: { num_ctx: 32_768, temperature: 0 },
      keep_alive: '10m',
      stream: false,
    });
    assert.equal(response.model, 'qwen3-coder-next:q4_K_M');
    assert.deepEqual(response.message, { role: 'assistant', content: '{"persona":"planner"}' });
    assert.equal(response.done, true);
    assert.equal(response.done_reason, 'stop');
    assert.equal(response.prompt_eval_count, 321);
    assert.equal(response.eval_count, Math.ceil('{"persona":"planner"}'.length / 4));
    assert.ok(response.eval_duration > 0 && response.total_duration >= response.eval_duration);
    assert.ok(!Number.isNaN(Date.parse(String(response.created_at))));

    const chat = server.chatRequests().at(-1)!;
    assert.deepEqual(chat.messages, planner);
    assert.deepEqual(chat.format, format);
    assert.deepEqual(chat.options, { num_ctx: 32_768, temperature: 0 });
    assert.equal(chat.keepAlive, '10m');
    assert.equal(chat.stream, false);
    assert.equal(chat.aborted, false);
    assert.equal(seen.at(-1), server.chatRequests().length - 1);
    const recorded = server.requests.at(-1)!;
    assert.equal(recorded.path, '/api/chat');
    assert.equal(recorded.method, 'POST');
    assert.equal((recorded.body as { model: string }).model, 'qwen3-coder-next:q4_K_M');
  });

  test('the default prompt token count is estimated from the messages', async () => {
    server.setResponder(() => ({ content: 'ok' }));
    const response = await client.chat({ model: 'qwen2.5:7b', messages: [{ role: 'user', content: 'x'.repeat(41) }] });
    assert.equal(response.prompt_eval_count, 11);
    assert.equal(response.eval_count, 1);
  });

  test('chat streams NDJSON chunks and a final done chunk', async () => {
    const content = 'The plan has four steps and three test scenarios.';
    server.setResponder(() => ({ content, outputTokens: 12 }));
    const stream = await client.chat({ model: 'qwen2.5:7b', messages: planner, stream: true });
    const parts: { content: string; done: boolean; eval_count?: number }[] = [];
    for await (const part of stream) parts.push({ content: part.message.content, done: part.done, eval_count: part.eval_count });
    assert.ok(parts.length >= 3, `got ${parts.length} chunks`);
    assert.equal(parts.map((part) => part.content).join(''), content);
    assert.ok(parts.slice(0, -1).every((part) => !part.done));
    assert.equal(parts.at(-1)!.done, true);
    assert.equal(parts.at(-1)!.eval_count, 12);
    assert.equal(server.chatRequests().at(-1)!.stream, true);
  });

  test('an error reply surfaces as the client error with its message and status', async () => {
    server.setResponder(() => ({ status: 500, error: 'llama runner process has terminated' }));
    await assert.rejects(client.chat({ model: 'qwen2.5:7b', messages: planner }), (error: Error & { status_code?: number }) => {
      assert.equal(error.name, 'ResponseError');
      assert.equal(error.message, 'llama runner process has terminated');
      assert.equal(error.status_code, 500);
      return true;
    });
  });

  test('a chat without messages is refused with 400', async () => {
    const response = await fetch(`${server.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'qwen2.5:7b' }) });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: 'messages is required' });
  });

  test('keep_alive loads and unloads models, visible in ps', async () => {
    server.loaded.clear();
    server.setResponder(() => ({ content: '{}' }));
    await client.chat({ model: 'qwen2.5:7b', messages: planner, keep_alive: -1 });
    await client.chat({ model: 'qwen3-coder-next:q4_K_M', messages: planner, keep_alive: '30s' });
    let running = await client.ps();
    assert.deepEqual(running.models.map((model) => model.name).sort(), ['qwen2.5:7b', 'qwen3-coder-next:q4_K_M']);
    const coder = running.models.find((model) => model.name === 'qwen3-coder-next:q4_K_M')!;
    assert.equal(coder.size, 51_975_423_104);
    const expiresIn = Date.parse(String(coder.expires_at)) - Date.now();
    assert.ok(expiresIn > 20_000 && expiresIn <= 30_000, `expires in ${expiresIn} ms`);
    assert.equal(server.loaded.get('qwen2.5:7b')!.expiresAt, undefined);

    await client.chat({ model: 'qwen3-coder-next:q4_K_M', messages: planner, keep_alive: 0 });
    assert.equal(server.chatRequests().at(-1)!.keepAlive, 0);
    const unload = await client.generate({ model: 'qwen2.5:7b', prompt: '', keep_alive: 0 });
    assert.equal(unload.done_reason, 'unload');
    assert.equal(unload.response, '');
    running = await client.ps();
    assert.deepEqual(running.models, []);

    const load = await client.generate({ model: 'qwen2.5:7b', prompt: '' });
    assert.equal(load.done_reason, 'load');
    assert.ok(server.loaded.has('qwen2.5:7b'));
  });

  test('generate records system and prompt as messages and answers in response', async () => {
    server.setResponder((chat) => ({ content: `${personaOf(chat)}:${chat.messages.at(-1)!.content}` }));
    const response = await client.generate({
      model: 'qwen2.5:7b',
      system: "You are tandem's Documenter.",
      prompt: 'summarise',
      options: { num_ctx: 8192 },
    });
    assert.equal(response.response, 'documenter:summarise');
    assert.equal(response.done, true);
    const chat = server.chatRequests().at(-1)!;
    assert.equal(chat.path, '/api/generate');
    assert.deepEqual(chat.options, { num_ctx: 8192 });
    assert.deepEqual(chat.messages, [
      { role: 'system', content: "You are tandem's Documenter." },
      { role: 'user', content: 'summarise' },
    ]);
  });

  test('tags, show and version describe the installed models', async () => {
    const tags = await client.list();
    assert.deepEqual(tags.models.map((model) => model.name), ['qwen2.5:7b', 'qwen3-coder-next:q4_K_M']);
    assert.equal(tags.models[0]!.size, 4_683_087_332);
    assert.match(tags.models[0]!.digest, /^[0-9a-f]{64}$/);
    assert.equal(tags.models[1]!.details.quantization_level, 'Q4_K_M');

    const shown = await client.show({ model: 'qwen3-coder-next:q4_K_M' });
    const info = shown.model_info as unknown as Record<string, unknown>;
    assert.equal(info['general.architecture'], 'qwen3next');
    assert.equal(info['qwen3next.context_length'], 262_144);
    assert.match(shown.modelfile, /FROM qwen3-coder-next:q4_K_M/);
    assert.ok(shown.capabilities.includes('completion'));

    await assert.rejects(client.show({ model: 'llama3:70b' }), /model 'llama3:70b' not found/);
    assert.deepEqual(await client.version(), { version: '0.12.0' });
  });

  test('pull streams progress and installs the model', async () => {
    const progress = await client.pull({ model: 'nomic-embed-text:latest', stream: true });
    const statuses: string[] = [];
    for await (const line of progress) statuses.push(line.status);
    assert.equal(statuses[0], 'pulling manifest');
    assert.ok(statuses.includes('downloading'));
    assert.equal(statuses.at(-1), 'success');
    assert.ok(server.models.some((model) => model.name === 'nomic-embed-text:latest'));
    assert.deepEqual(await client.pull({ model: 'tinyllama:latest' }), { status: 'success' });
    assert.ok((await client.list()).models.some((model) => model.name === 'tinyllama:latest'));
  });

  test('unknown paths answer 404', async () => {
    const response = await fetch(`${server.url}/api/nothing-here`);
    assert.equal(response.status, 404);
    const missing = await fetch(`${server.url}/api/tags`, { method: 'DELETE' });
    assert.equal(missing.status, 404);
  });

  test('a client that hangs up is recorded as aborted and the responder is told', async () => {
    const controller = new AbortController();
    const hangingUp = new Ollama({
      host: server.url,
      fetch: (url, init) => fetch(url, { ...init, signal: controller.signal }),
    });
    let responderSignal: AbortSignal | undefined;
    server.setResponder(async (_chat, context) => {
      responderSignal = context.signal;
      await once(context.signal, 'abort');
      return { content: 'too late' };
    });
    const answer = hangingUp.chat({ model: 'qwen2.5:7b', messages: planner });
    const before = server.chatRequests().length;
    await waitFor(() => server.chatRequests().length > before);
    const chat: RecordedChat = server.chatRequests().at(-1)!;
    assert.equal(chat.aborted, false);
    controller.abort();
    await assert.rejects(answer, { name: 'AbortError' });
    await waitFor(() => chat.aborted);
    assert.equal(responderSignal?.aborted, true);
  });
});

describe('loopback Ollama lifecycle', () => {
  test('a responder can hold a request open until the test releases it', async () => {
    let release: (() => void) | undefined;
    const server = await startOllamaServer({
      respond: () => new Promise((resolve) => (release = () => resolve({ content: 'released' }))),
      models: [{ name: 'tiny:1b', size: 1_000_000, contextLength: 2048, family: 'llama' }],
    });
    try {
      const client = new Ollama({ host: server.url });
      const answer = client.chat({ model: 'tiny:1b', messages: [{ role: 'user', content: 'hi' }] });
      await waitFor(() => release !== undefined);
      release!();
      assert.equal((await answer).message.content, 'released');
      assert.deepEqual((await client.list()).models.map((model) => model.name), ['tiny:1b']);
    } finally {
      await server.close();
    }
  });

  test('close destroys open connections and is idempotent', async () => {
    let responderSignal: AbortSignal | undefined;
    const server = await startOllamaServer({
      respond: async (_chat, context) => {
        responderSignal = context.signal;
        await once(context.signal, 'abort');
        return { content: 'never sent' };
      },
    });
    const client = new Ollama({ host: server.url });
    const answer = client.chat({ model: 'qwen2.5:7b', messages: planner });
    await waitFor(() => server.chatRequests().length === 1);
    const started = Date.now();
    await Promise.all([server.close(), server.close()]);
    await server.close();
    assert.ok(Date.now() - started < 2000);
    await assert.rejects(answer);
    await waitFor(() => responderSignal?.aborted === true);
    await assert.rejects(fetch(`${server.url}/api/version`));
  });

  test('personaOf reads the persona from the system prompt', () => {
    const chat = (content: string): RecordedChat => ({
      path: '/api/chat',
      model: 'm',
      messages: [{ role: 'system', content }, { role: 'user', content: "You are tandem's Coder" }],
      format: undefined,
      options: undefined,
      keepAlive: undefined,
      stream: false,
      aborted: false,
    });
    assert.equal(personaOf(chat("You are tandem's Reviewer. Check the diff.")), 'reviewer');
    assert.equal(personaOf(chat('You are tandem’s Tester.')), 'tester');
    assert.equal(personaOf(chat('You are a helpful assistant.')), undefined);
    assert.equal(personaOf({ ...chat(''), messages: [{ role: 'user', content: "You are tandem's Coder" }] }), undefined);
  });
});
