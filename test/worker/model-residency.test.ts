import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { addWorkJob } from '../../src/queue/queues.ts';
import { usageTotal } from '../../src/conversation/report-facts.ts';
import { createWorkerHarness, type WorkerHarness } from '../kit/worker-harness.ts';
import { calculatorRepo, happyTeam } from '../kit/scripted-team.ts';

/**
 * DESIGN §4 through the real worker: the loopback Ollama takes time to load a model and
 * reports what it holds in `/api/ps`, so residency shows in its record of loads.
 */
const coderModel = 'qwen3-coder-next:q4_K_M';
const gigabyte = 1024 ** 3;

let harness: WorkerHarness;

before(async () => {
  harness = await createWorkerHarness('residency');
  await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
});
after(() => harness.close());

beforeEach(async () => {
  await harness.closeWorkers();
  harness.ollama.loaded.clear();
  harness.ollama.loads.length = 0;
  harness.ollama.models = [
    { name: coderModel, size: 48 * gigabyte, loadMs: 300, family: 'qwen3next' },
    { name: 'architect:14b', size: 9 * gigabyte, loadMs: 100, family: 'qwen2' },
    { name: 'planner:30b', size: 20 * gigabyte, loadMs: 100, family: 'qwen3moe' },
  ];
  harness.ollama.setResponder(happyTeam());
});

async function runTasks(label: string, count: number) {
  const reports = [];
  for (let index = 1; index <= count; index += 1) {
    const taskId = `${label}-${index}`;
    await addWorkJob(harness.workQueue, { taskId, repo: { owner: 'acme', name: 'calc' }, request: 'fix add', difficulty: 'low', reflection: false });
    const report = await harness.waitForReport(taskId);
    assert.equal(report.status, 'passed', report.error?.message);
    reports.push(report);
  }
  return reports;
}

const loadsOf = (model: string) => harness.ollama.loads.filter((load) => load.model === model);
const unloadRequests = (model: string) =>
  harness.ollama.requests.filter((request) => request.path === '/api/generate' && (request.body as { model?: string; keep_alive?: unknown }).model === model && (request.body as { keep_alive?: unknown }).keep_alive === 0);

test('a run of tasks on one model loads it once; the load time is in the first report only', async () => {
  await harness.startWorker({ WORKER_MEMORY_GB: '56' });
  const reports = await runTasks('same-model', 3);
  assert.equal(loadsOf(coderModel).length, 1, 'the worker model was loaded once for all three tasks');
  assert.ok(harness.ollama.loaded.has(coderModel), 'and it stays resident for WORKER_IDLE_RELEASE');
  const loadMs = reports.map((report) => usageTotal(report.usage).loadMs);
  assert.ok(loadMs[0]! >= 300, `the first task paid the load (${loadMs[0]} ms)`);
  assert.ok(loadMs[1]! < 100 && loadMs[2]! < 100, `later tasks did not (${loadMs.join(', ')} ms)`);
  assert.ok(reports.every((report) => (report.testMs ?? 0) > 0), 'every report counts its test time');
});

test('a Planner on another model is loaded for its step and released after it, every task', async () => {
  await harness.startWorker({ WORKER_MEMORY_GB: '64', PLANNER_MODEL: 'architect:14b' });
  await runTasks('planner-model', 3);
  assert.equal(loadsOf('architect:14b').length, 3, 'the Planner model was loaded for each task');
  assert.equal(unloadRequests('architect:14b').length, 3, 'and released after each Planner step');
  assert.ok(!harness.ollama.loaded.has('architect:14b'));
  assert.equal(loadsOf(coderModel).length, 1, 'both fit in 64 GB, so the worker model stayed loaded');
  const plannerCalls = harness.ollama.chatRequests().filter((chat) => chat.model === 'architect:14b');
  assert.ok(plannerCalls.every((chat) => chat.keepAlive !== 0), 'a repair retry would find the Planner model still loaded');
});

test('two big models are never resident together over the memory budget: the worker unloads first', async () => {
  const budget = 60 * gigabyte;
  await harness.startWorker({ WORKER_MEMORY_GB: '60', PLANNER_MODEL: 'planner:30b' });
  await runTasks('over-budget', 3);
  assert.ok(harness.ollama.peakResidentBytes() <= budget, `at most ${harness.ollama.peakResidentBytes() / gigabyte} GB held at once`);
  assert.equal(loadsOf('planner:30b').length, 3);
  // 48 GB + 20 GB do not fit in 60: each later task's Planner needs the worker model unloaded first.
  assert.equal(loadsOf(coderModel).length, 3, 'the worker model was reloaded after each Planner step');
  assert.ok(unloadRequests(coderModel).length >= 2, 'the worker model was unloaded to make room');
  for (const load of harness.ollama.loads) assert.ok(load.residentBytes <= budget, `${load.model} loaded with ${load.residentBytes / gigabyte} GB held`);
});

test('a model larger than the whole budget fails the task with what to change', async () => {
  await harness.startWorker({ WORKER_MEMORY_GB: '40' });
  await addWorkJob(harness.workQueue, { taskId: 'too-big-1', repo: { owner: 'acme', name: 'calc' }, request: 'fix add', difficulty: 'low', reflection: false });
  const report = await harness.waitForReport('too-big-1');
  assert.equal(report.status, 'failed');
  assert.equal(report.error?.code, 'model_over_budget');
  assert.match(report.error!.message, /qwen3-coder-next:q4_K_M needs about 5\d\.\d GB .*WORKER_MEMORY_GB/);
  assert.equal(loadsOf(coderModel).length, 0, 'nothing was loaded');
});
