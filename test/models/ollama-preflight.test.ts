import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensureOllamaModels, overBudgetModels, progressLine } from '../../src/models/ollama-preflight.ts';
import { OllamaResidency } from '../../src/models/ollama-residency.ts';
import { startOllamaServer, type LoopbackOllama } from '../kit/ollama-server.ts';

let ollama: LoopbackOllama;
before(async () => {
  ollama = await startOllamaServer();
});
after(() => ollama.close());

test('present models pass without a question', async () => {
  let asked = 0;
  await ensureOllamaModels({ host: ollama.url, setting: 'ROUTER_OLLAMA_URL', models: ['qwen2.5:7b'], ask: async () => (asked += 1) > 0 });
  assert.equal(asked, 0);
});

test('a missing model is pulled with a progress bar once the person agrees', async () => {
  const written: string[] = [];
  const questions: string[] = [];
  await ensureOllamaModels({
    host: ollama.url,
    setting: 'WORKER_OLLAMA_URL',
    models: ['llama3.2:1b'],
    ask: async (question) => (questions.push(question), true),
    write: (text) => written.push(text),
  });
  assert.match(questions[0]!, /llama3\.2:1b is not installed .* Pull it now\? \[Y\/n\]/);
  assert.ok(written.some((line) => /pulling llama3\.2:1b: downloading ▰+▱* 50%/.test(line)), written.join('|'));
  assert.ok(written.some((line) => /pulled llama3\.2:1b/.test(line)));
  assert.ok(ollama.models.some((model) => model.name === 'llama3.2:1b'), 'the loopback has it now');
});

test('declining, or nobody to ask, names the command', async () => {
  await assert.rejects(
    ensureOllamaModels({ host: ollama.url, setting: 'ROUTER_OLLAMA_URL', models: ['phi4:14b'], ask: async () => false }),
    (error: Error & { code?: string }) => error.code === 'model_missing' && /ollama pull phi4:14b/.test(error.message),
  );
  await assert.rejects(
    ensureOllamaModels({ host: ollama.url, setting: 'ROUTER_OLLAMA_URL', models: ['phi4:14b'] }),
    (error: Error & { code?: string }) => error.code === 'model_missing',
  );
});

test('an unreachable Ollama names its URL, its setting and how to start it', async () => {
  await assert.rejects(
    ensureOllamaModels({ host: 'http://127.0.0.1:9', setting: 'WORKER_OLLAMA_URL', models: ['x'] }),
    (error: Error & { code?: string }) =>
      error.code === 'ollama_unreachable' && /http:\/\/127\.0\.0\.1:9 \(WORKER_OLLAMA_URL\)/.test(error.message) && /ollama serve/.test(error.message),
  );
});

test('the progress line', () => {
  assert.equal(progressLine(0, 0), `${'▱'.repeat(20)} 0% (0.0 GB/0.0 GB)`);
  assert.match(progressLine(2 * 1024 ** 3, 4 * 1024 ** 3), /^▰{10}▱{10} 50% \(2\.0 GB\/4\.0 GB\)$/);
});

test('models over the memory budget are named with what to change; those that fit, or that Ollama cannot describe, are not', async () => {
  const residency = new OllamaResidency({ host: ollama.url });
  const gigabyte = 1024 ** 3;
  const problems = await overBudgetModels({
    residency,
    models: ['qwen3-coder-next:q4_K_M', 'qwen2.5:7b', 'qwen3-coder-next:q4_K_M', 'not-installed:1b'],
    budgetBytes: 24 * gigabyte,
    maxContext: 32_768,
  });
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^qwen3-coder-next:q4_K_M needs about [\d.]+ GB with a 32768-token context, more than the worker's memory budget of 24(\.0)? GB \(WORKER_MEMORY_GB\): use a smaller model/);
  assert.deepEqual(await overBudgetModels({ residency, models: ['qwen3-coder-next:q4_K_M'], budgetBytes: 64 * gigabyte, maxContext: 32_768 }), []);
});
