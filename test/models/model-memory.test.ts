import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, test } from 'node:test';
import { ModelMemory, estimateModelBytes } from '../../src/models/model-memory.ts';
import { OllamaModelClient } from '../../src/models/ollama-model-client.ts';
import { OllamaResidency } from '../../src/models/ollama-residency.ts';
import { startOllamaServer, type LoopbackOllama } from '../kit/ollama-server.ts';

const gigabyte = 1024 ** 3;
let ollama: LoopbackOllama;
let client: OllamaModelClient;
let residency: OllamaResidency;

before(async () => {
  ollama = await startOllamaServer({ respond: () => ({ content: 'ok', delayMs: 150 }) });
  client = new OllamaModelClient({ host: ollama.url });
  residency = new OllamaResidency({ host: ollama.url });
});
after(() => ollama.close());
beforeEach(() => {
  ollama.loaded.clear();
  ollama.loads.length = 0;
  ollama.models = [
    { name: 'big:a', size: 30 * gigabyte, loadMs: 50 },
    { name: 'big:b', size: 30 * gigabyte, loadMs: 50 },
    { name: 'small:c', size: 4 * gigabyte, loadMs: 10 },
  ];
});

const chat = (model: string) => client.chat({ model, messages: [{ role: 'user', content: 'hi' }], numCtx: 4096, keepAlive: '10m' });

test('the memory estimate is the weights plus an f16 KV cache when /api/show gives the shape, else 15% more', async () => {
  assert.equal(estimateModelBytes({ weightBytes: 1000 }, 8192), 1150);
  // 2 (K and V) × 28 layers × 4 KV heads × 128 wide × 2 bytes × 8192 tokens
  assert.equal(estimateModelBytes({ weightBytes: 1000, layers: 28, kvHeads: 4, headWidth: 128 }, 8192), 1000 + 2 * 28 * 4 * 128 * 2 * 8192);
  const footprint = await residency.footprint('small:c');
  assert.equal(footprint.weightBytes, 4 * gigabyte);
  await assert.rejects(residency.footprint('missing:model'), { code: 'model_not_found' });
});

test('a second model that does not fit waits for the running call, then the first is unloaded', async () => {
  const memory = new ModelMemory({ residency, budgetBytes: 40 * gigabyte, residentModel: 'big:a', maxContext: 4096 });
  const first = memory.use('big:a', () => chat('big:a'));
  await sleep(20);
  const second = memory.use('big:b', () => chat('big:b'));
  await Promise.all([first, second]);
  assert.deepEqual(ollama.loads.map((load) => load.model), ['big:a', 'big:b']);
  assert.ok(ollama.peakResidentBytes() <= 40 * gigabyte, 'never both at once');
  assert.ok(!ollama.loaded.has('big:a') && ollama.loaded.has('big:b'));
});

test('models that fit together stay together; release unloads one unless a call still uses it', async () => {
  const memory = new ModelMemory({ residency, budgetBytes: 40 * gigabyte, residentModel: 'big:a', maxContext: 4096 });
  await memory.use('big:a', () => chat('big:a'));
  const running = memory.use('small:c', () => chat('small:c'));
  await sleep(80);
  await memory.release('small:c'); // still in use: kept
  await running;
  assert.ok(ollama.loaded.has('big:a') && ollama.loaded.has('small:c'), 'both fit: nothing was unloaded');
  await memory.release('small:c');
  assert.ok(!ollama.loaded.has('small:c'));
  assert.equal(ollama.loads.length, 2);
});

test('the worker model is unloaded last: another model goes first when one must', async () => {
  ollama.models.push({ name: 'mid:d', size: 8 * gigabyte, loadMs: 10 });
  const memory = new ModelMemory({ residency, budgetBytes: 42 * gigabyte, residentModel: 'big:a', maxContext: 4096 });
  await memory.use('big:a', () => chat('big:a'));
  await memory.use('small:c', () => chat('small:c'));
  await memory.use('mid:d', () => chat('mid:d')); // 30 + 4 + 9.2 > 42 → small:c goes, big:a stays
  assert.ok(ollama.loaded.has('big:a') && ollama.loaded.has('mid:d') && !ollama.loaded.has('small:c'));
});

test('a cancelled call never loads its model', async () => {
  const memory = new ModelMemory({ residency, budgetBytes: 40 * gigabyte, residentModel: 'big:a', maxContext: 4096 });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(memory.use('big:b', () => chat('big:b'), controller.signal));
  assert.equal(ollama.loads.length, 0);
});
