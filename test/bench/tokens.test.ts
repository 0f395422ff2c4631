import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens, runTokens, type PersonaTokens } from '../../bench/token-bench.ts';
import { estimateMessagesTokens } from '../../src/models/context-window.ts';
import type { RecordedChat } from '../kit/ollama-server.ts';

const chatOf = (persona: string, user: string): RecordedChat => ({
  path: '/api/chat',
  model: 'm',
  messages: [
    { role: 'system', content: `You are tandem's ${persona}.` },
    { role: 'user', content: user },
  ],
  format: undefined,
  options: undefined,
  keepAlive: undefined,
  stream: false,
  aborted: false,
});

test('the full-history replay carries every earlier user message and answer, not earlier system prompts', () => {
  const first = chatOf('Planner', 'plan this');
  const second = chatOf('Coder', 'code this');
  const rows = countTokens([first, second], new Map([[first, '{"steps":[]}'], [second, '{"edits":[]}']]));
  const [planner, coder] = rows as [PersonaTokens, PersonaTokens];
  assert.equal(planner.fullHistory, planner.stateless, 'the first call has no history');
  const replayed = estimateMessagesTokens([
    { role: 'system', content: "You are tandem's Coder." },
    { role: 'user', content: 'plan this' },
    { role: 'assistant', content: '{"steps":[]}' },
    { role: 'user', content: 'code this' },
  ]);
  assert.equal(coder.fullHistory, replayed);
  assert.equal(coder.stateless, estimateMessagesTokens(second.messages as never));
});

// Issue 8, benchmark 4: the task is small, so this is the full benchmark.
test('tokens: the 3-iteration task makes the expected calls; stateless personas send fewer tokens than full history', async () => {
  const result = await runTokens();
  const details = result.details as { rows: PersonaTokens[]; stateless: number; fullHistory: number; ratio: number; personas: string[] };
  assert.deepEqual(details.personas, ['guardrail', 'router', 'planner', 'coder', 'reviewer', 'coder', 'reviewer', 'coder', 'reviewer', 'tester', 'documenter']);
  assert.equal(details.stateless, details.rows.reduce((total, row) => total + row.stateless, 0));
  assert.ok(details.stateless > 0 && details.stateless < details.fullHistory);
  assert.ok(details.ratio > 0 && details.ratio < 1, String(details.ratio));
});
