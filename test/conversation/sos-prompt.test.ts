import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxSosCharacters, sosPrompt } from '../../src/conversation/sos-prompt.ts';
import type { ReportJob } from '../../src/queue/report-job.ts';

const fakeSlackToken = ['xoxb', '2048', '4096', 'Zq9XvB3mK7tR1pL5nW8yC2dF'].join('-');

function stuckReport(overrides: Partial<ReportJob> = {}): ReportJob {
  return {
    taskId: 'sos-unit',
    iteration: 1,
    status: 'stuck',
    repo: { owner: 'acme', name: 'api' },
    request: 'add pagination to GET /users',
    branch: 'tandem/sos-unit-add-pagination',
    baseBranch: 'main',
    plan: { summary: 'Paginate the users list', steps: ['Add limit and cursor to the handler'], tests: [{ name: 'pages', scenario: 'given 30 users, limit 10 returns 10 and a cursor' }] },
    changeSummary: ['Add a limit parameter', 'Add a cursor'],
    diffStat: { files: 1, insertions: 3, deletions: 1, text: ' src/users.ts | 4 +++-' },
    diff: `diff --git a/src/users.ts b/src/users.ts\n+const limit = 10;\n+const slackToken = "${fakeSlackToken}";\n`,
    test: { command: 'npm test', exitCode: 1, passed: false, timedOut: false, durationMs: 900, outputTail: `not ok 1 - pages\n  token ${fakeSlackToken}\n` },
    review: { approved: false, rounds: 1, notes: [{ round: 1, path: 'src/users.ts', comment: 'the cursor is never decoded' }] },
    attempts: 2,
    usage: {},
    wallMs: 60_000,
    error: { code: 'tests_failing', persona: 'coder', message: 'the tests still fail after 2 Coder attempts (npm test exited 1)' },
    ...overrides,
  };
}

test('the SOS prompt holds the request, the plan, what was tried, the diff and the failing output', () => {
  const prompt = sosPrompt(stuckReport());
  assert.match(prompt, /worked on acme\/api, branch `tandem\/sos-unit-add-pagination` from `main`, and got stuck: the tests still fail after 2 Coder attempts/);
  assert.match(prompt, /## The request\n\nadd pagination to GET \/users/);
  assert.match(prompt, /## The plan\n\nPaginate the users list\n\n1\. Add limit and cursor to the handler\n\nTest scenarios:\n- pages: given 30 users/);
  assert.match(prompt, /## What was tried \(2 Coder attempts, 1 review rounds\)\n\n- Coder attempt 1: Add a limit parameter\n- Coder attempt 2: Add a cursor\n- Reviewer \(round 1\) on src\/users\.ts: the cursor is never decoded/);
  assert.match(prompt, /```diff\ndiff --git a\/src\/users\.ts/);
  assert.match(prompt, /`npm test` exited 1:\n\n```text\nnot ok 1 - pages/);
  assert.match(prompt, /## What would help/);
});

test('secrets are redacted from every part of it', () => {
  const prompt = sosPrompt(stuckReport());
  assert.ok(!prompt.includes(fakeSlackToken));
  assert.equal(prompt.match(/\[redacted Slack token\]/g)?.length, 2, 'in the diff and in the output');
});

test('a huge diff is cut, and the prompt stays within what a chat accepts', () => {
  const prompt = sosPrompt(stuckReport({ diff: `+${'x'.repeat(99_000)}` }));
  assert.ok(prompt.length <= maxSosCharacters);
  assert.match(prompt, /more characters cut/);
  assert.match(prompt, /## The failing test run/, 'what follows the diff survives');
});

test('a task stopped by the Planner says what it does not know, and needs no diff or test run', () => {
  const prompt = sosPrompt(
    stuckReport({
      plan: { summary: 'Call the billing API', steps: ['Post the totals'], tests: [], missingKnowledge: ['the billing API contract'] },
      diff: undefined,
      test: undefined,
      changeSummary: [],
      review: { approved: false, rounds: 0, notes: [] },
      attempts: 0,
      error: { code: 'needs_knowledge', persona: 'planner', message: 'the Planner needs knowledge it lacks: the billing API contract' },
    }),
  );
  assert.match(prompt, /## What the Planner says it does not know\n\n- the billing API contract/);
  assert.doesNotMatch(prompt, /## The current change|## The failing test run|## What was tried/);
});

test('a change stuck in review says its last test run passes', () => {
  const prompt = sosPrompt(
    stuckReport({
      test: { command: 'npm test', exitCode: 0, passed: true, timedOut: false, durationMs: 900, outputTail: 'ok 1 - pages\n' },
      error: { code: 'review_not_approved', persona: 'reviewer', message: 'the Reviewer did not approve the change after 3 review rounds' },
    }),
  );
  assert.match(prompt, /## The last test run \(it passes; the review did not\)\n\n`npm test` exited 0/);
  assert.doesNotMatch(prompt, /## The failing test run/);
});
