import type { ChatReply, ChatResponder, RecordedChat } from './ollama-server.ts';
import { personaOf } from './ollama-server.ts';

export type PersonaScript = (chat: RecordedChat, call: number) => ChatReply | Promise<ChatReply>;

/**
 * A loopback Ollama responder that answers as tandem's personas would: each persona's
 * script gets its own call counter (1 for its first call), so a test can say "the
 * Reviewer comments once, then approves".
 */
export function scriptedTeam(scripts: Partial<Record<string, PersonaScript>>): ChatResponder & { calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const responder = (chat: RecordedChat) => {
    const persona = personaOf(chat) ?? 'unknown';
    const call = (calls.get(persona) ?? 0) + 1;
    calls.set(persona, call);
    const script = scripts[persona];
    if (!script) return { status: 500, error: `no script for persona "${persona}"` };
    return script(chat, call);
  };
  return Object.assign(responder, { calls });
}

export const json = (value: unknown): ChatReply => ({ content: JSON.stringify(value) });

/** A small Node repository whose test fails: `add` subtracts. */
export const calculatorRepo: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'calc', type: 'module', scripts: { test: 'node --test' } }, null, 2),
  'README.md': '# calc\n\nTiny arithmetic helpers.\n',
  'src/add.js': 'export function add(a, b) {\n  return a - b;\n}\n',
  'test/add.test.js':
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/add.js';\n\ntest('adds two numbers', () => {\n  assert.equal(add(2, 3), 5);\n});\n",
};

export const fixedAdd = 'export function add(a, b) {\n  return a + b;\n}\n';
export const negativeTest =
  "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/add.js';\n\ntest('adds negative numbers', () => {\n  assert.equal(add(-2, -3), -5);\n});\n";

export const calculatorPlan = {
  summary: 'Make add() return the sum of its arguments',
  steps: ['Fix src/add.js to add instead of subtract', 'Cover negative numbers in test/add-negative.test.js'],
  tests: [
    { name: 'adds two numbers', scenario: 'given 2 and 3, add returns 5' },
    { name: 'adds negative numbers', scenario: 'given -2 and -3, add returns -5' },
  ],
};

/** The Coder's fix for the calculator repo, test first. */
export const calculatorFix = {
  summary: 'Fix add() to return the sum and test negative numbers',
  edits: [
    { path: 'test/add-negative.test.js', action: 'write', content: negativeTest },
    { path: 'src/add.js', action: 'replace', search: 'return a - b;', replace: 'return a + b;' },
  ],
};

/** A team that fixes the calculator at once and approves it. */
export function happyTeam(): ReturnType<typeof scriptedTeam> {
  return scriptedTeam({
    planner: () => json(calculatorPlan),
    coder: () => json(calculatorFix),
    reviewer: () => json({ approved: true, comments: [] }),
    tester: () => json({ passed: true, summary: 'Both scenarios are covered and pass.', uncovered: [] }),
  });
}

export const documenterProse = 'This change makes `add` return the sum of its arguments, with tests for negative numbers.';

/** A zero-case test the Coder writes when the thread asks for it (a follow-up iteration). */
export const zeroTest =
  "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add } from '../src/add.js';\n\ntest('adds zero', () => {\n  assert.equal(add(0, 7), 7);\n});\n";

/**
 * Gateway and worker personas together: the Guardrail allows, the Router is confident,
 * the team fixes the calculator (and, when the feedback asks for zero, adds that test),
 * the Documenter writes a paragraph. `overrides` replaces any persona's script.
 */
export function fullTeam(overrides: Partial<Record<string, PersonaScript>> = {}): ReturnType<typeof scriptedTeam> {
  const lastUser = (chat: RecordedChat) => chat.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
  return scriptedTeam({
    guardrail: () => json({ verdict: 'allow', category: 'none', reason: 'an ordinary coding request' }),
    router: () => json({ difficulty: 'low', reflection: false, confident: true, reason: 'a one-file fix' }),
    planner: () => json(calculatorPlan),
    coder: (chat) =>
      /adding zero/.test(lastUser(chat))
        ? json({ summary: 'Cover adding zero', edits: [{ path: 'test/add-zero.test.js', action: 'write', content: zeroTest }] })
        : json(calculatorFix),
    reviewer: () => json({ approved: true, comments: [] }),
    tester: () => json({ passed: true, summary: 'All scenarios are covered and pass.', uncovered: [] }),
    documenter: () => ({ content: documenterProse }),
    ...overrides,
  });
}
