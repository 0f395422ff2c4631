import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { startOllamaServer, type LoopbackOllama } from '../kit/ollama-server.ts';
import { startTestRedis, type TestRedis } from '../kit/redis.ts';
import { startTandemProcess } from '../kit/worker-process.ts';

let redis: TestRedis;
let ollama: LoopbackOllama;
before(async () => {
  redis = await startTestRedis();
  ollama = await startOllamaServer();
});
after(async () => {
  await ollama.close();
  await redis.close();
});

async function doctor(environment: Record<string, string>) {
  const running = startTandemProcess('doctor', environment);
  const [code] = await once(running.child, 'exit');
  return { code: code as number, output: running.output() };
}

test('`tandem doctor` exits 0 with every check passed on a good console setup', async () => {
  // The loopback's 52 GB coder model would not fit this machine: the worker uses the small one here.
  const result = await doctor({ REDIS_URL: redis.url, ROUTER_OLLAMA_URL: ollama.url, WORKER_OLLAMA_URL: ollama.url, WORKER_MODEL: 'qwen2.5:7b' });
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /All \d+ checks passed/);
  assert.doesNotMatch(result.output, /✗/);
});

test('`tandem doctor` exits 1 and names the fix when Ollama is down', async () => {
  const result = await doctor({ REDIS_URL: redis.url, ROUTER_OLLAMA_URL: 'http://127.0.0.1:9', WORKER_OLLAMA_URL: ollama.url });
  assert.equal(result.code, 1, result.output);
  assert.match(result.output, /✗ Ollama at http:\/\/127\.0\.0\.1:9: unreachable .* fix: start it with `ollama serve`/);
});
