import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../../src/logger.ts';
import { estimateMessagesTokens } from '../../../src/models/context-window.ts';
import { OllamaModelClient } from '../../../src/models/ollama-model-client.ts';
import { coderAnswerSchema, coderSystemPrompt, coderUserPrompt, type CoderContext } from '../../../src/personas/coder.ts';
import { plannerAnswerSchema, plannerSystemPrompt, plannerUserPrompt } from '../../../src/personas/planner.ts';
import type { UsageByPersona } from '../../../src/queue/work-job.ts';
import { PersonaCaller } from '../../../src/worker/pipeline/persona-caller.ts';
import { startOllamaServer, type LoopbackOllama } from '../../kit/ollama-server.ts';
import { calculatorFix, calculatorPlan, json, scriptedTeam } from '../../kit/scripted-team.ts';

let ollama: LoopbackOllama;
let personas: PersonaCaller;

before(async () => {
  ollama = await startOllamaServer();
  ollama.setResponder(scriptedTeam({ planner: () => json(calculatorPlan), coder: () => json(calculatorFix) }));
  personas = new PersonaCaller({
    client: new OllamaModelClient({ host: ollama.url }),
    models: { planner: 'architect:14b', coder: 'coder:big', reviewer: 'coder:big', tester: 'coder:big' },
    residentModel: 'coder:big',
    idleRelease: '10m',
    maxContext: 16_384,
    logger: silentLogger,
  });
});
after(() => ollama.close());

/** A repository far larger than any context window: 400 files of 3,000 characters. */
const bigTree = Array.from({ length: 400 }, (_, index) => `src/module-${index}/handler.ts`);
const bigFiles = bigTree.slice(0, 60).map((path) => ({ path, content: 'x'.repeat(3000) }));

/** One Coder call on the big repository, with these parts of its context. */
function askCoder(context: Partial<CoderContext>) {
  return personas.call({
    persona: 'coder',
    schema: coderAnswerSchema,
    usage: {},
    system: coderSystemPrompt,
    user: (budget) =>
      coderUserPrompt({ request: 'fix every handler', plan: calculatorPlan, testCommand: 'npm test', files: [], tree: bigTree, reviewComments: [], editProblems: [], feedback: [], ...context }, budget),
  });
}

test('the resident model stays loaded for the idle period; another persona model is released after its step', async () => {
  const usage: UsageByPersona = {};
  const before = ollama.chatRequests().length;
  await personas.call({
    persona: 'planner',
    schema: plannerAnswerSchema,
    usage,
    system: plannerSystemPrompt,
    user: (budget) => plannerUserPrompt({ request: 'fix add', feedback: [], tree: ['src/add.js'], files: [], testCommand: 'npm test' }, budget),
  });
  await personas.call({
    persona: 'coder',
    schema: coderAnswerSchema,
    usage,
    system: coderSystemPrompt,
    user: (budget) => coderUserPrompt({ request: 'fix add', plan: calculatorPlan, testCommand: 'npm test', files: [], tree: [], reviewComments: [], editProblems: [], feedback: [] }, budget),
  });
  const [planner, coder] = ollama.chatRequests().slice(before);
  assert.equal(planner!.model, 'architect:14b');
  assert.equal(planner!.keepAlive, 0);
  assert.equal(coder!.model, 'coder:big');
  assert.equal(coder!.keepAlive, '10m');
  assert.equal(usage.planner?.calls, 1);
  assert.equal(usage.coder?.calls, 1);
  assert.ok(!ollama.loaded.has('architect:14b'), 'the Planner model was unloaded');
  assert.ok(ollama.loaded.has('coder:big'));
});

test('a large repository never produces a request larger than its num_ctx', async () => {
  const before = ollama.chatRequests().length;
  await personas.call({
    persona: 'planner',
    schema: plannerAnswerSchema,
    usage: {},
    system: plannerSystemPrompt,
    user: (budget) => plannerUserPrompt({ request: 'fix every handler', feedback: [], tree: bigTree, files: bigFiles, testCommand: 'npm test' }, budget),
  });
  await askCoder({ files: bigFiles, failingOutput: 'not ok\n'.repeat(20_000) });
  for (const chat of ollama.chatRequests().slice(before)) {
    const numCtx = Number(chat.options?.num_ctx);
    assert.ok(numCtx <= 16_384, `num_ctx ${numCtx} stays within the maximum`);
    const promptTokens = estimateMessagesTokens(chat.messages.map((message) => ({ role: 'user', content: message.content })));
    assert.ok(promptTokens < numCtx, `${promptTokens} estimated prompt tokens fit in num_ctx ${numCtx}`);
    // What had to be cut says so, and the highest-priority sections survive.
    assert.match(chat.messages[1]!.content, /characters cut|omitted/);
    assert.match(chat.messages[1]!.content, /## Request\nfix every handler/);
  }
});

test('trimming keeps the plan, the failing output and the files being changed before other files; the repair retry fits too', async () => {
  const changing = [
    { path: 'src/module-1/handler.ts', content: 'export const changedOne = 1;\n' },
    { path: 'src/module-2/handler.ts', content: 'export const changedTwo = 2;\n' },
  ];
  let calls = 0;
  ollama.setResponder(() => {
    calls += 1;
    // First a long answer that is not JSON, as a confused model gives: quoted back, it must still fit.
    return calls === 1 ? { content: 'Sure! Here is the fix: '.padEnd(60_000, 'x') } : json(calculatorFix);
  });
  const before = ollama.chatRequests().length;
  await askCoder({
    files: [...bigFiles, ...changing],
    changing: changing.map((file) => file.path),
    failingOutput: `${'noise\n'.repeat(30_000)}not ok 1 - the handler test`,
  });
  const [first, repair] = ollama.chatRequests().slice(before);
  assert.ok(first && repair, 'one call and its repair retry');
  for (const chat of [first, repair]) {
    const numCtx = Number(chat.options?.num_ctx);
    assert.ok(numCtx <= 16_384);
    const promptTokens = estimateMessagesTokens(chat.messages.map((message) => ({ role: 'user', content: message.content })));
    assert.ok(promptTokens + 1024 <= numCtx, `${promptTokens} estimated prompt tokens leave room for an answer in num_ctx ${numCtx}`);
  }
  const user = first.messages[1]!.content;
  assert.match(user, /## Plan\nMake add\(\) return the sum/);
  assert.match(user, /not ok 1 - the handler test/, 'the end of the failing output survives');
  assert.match(user, /export const changedOne = 1;[\s\S]*export const changedTwo = 2;/, 'the files being changed are whole');
  assert.match(user, /## Other relevant files\n[\s\S]*(characters cut|omitted)/, 'other files give way first');
  assert.match(user, /## File tree\n\(omitted/, 'and the tree last of all');
  assert.match(repair.messages[2]!.content, /characters cut/, 'the rejected answer is quoted cut to fit');
});
