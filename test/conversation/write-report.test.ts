import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectLanguage, languageName, renderReportFacts, writeReport, type WriteReportInput } from '../../src/conversation/write-report.ts';
import { accountingLine } from '../../src/conversation/report-message.ts';
import { TandemError } from '../../src/errors.ts';
import { OllamaModelClient } from '../../src/models/ollama-model-client.ts';
import type { ReportJob } from '../../src/queue/report-job.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { useLoopbackModel } from '../kit/loopback-model.ts';

const loopback = useLoopbackModel();
const chats = () => loopback.chats();

function report(overrides: Partial<ReportJob> = {}): ReportJob {
  return {
    taskId: 'task-7f3a',
    iteration: 1,
    status: 'passed',
    repo: { owner: 'acme', name: 'api' },
    request: 'add pagination to GET /users',
    requester: 'U123',
    branch: 'tandem/task-7f3a-add-pagination',
    baseBranch: 'main',
    headSha: '1a2b3c4d5e6f708192a3b4c5d6e7f80912345678',
    plan: { summary: 'Add limit/offset pagination to GET /users.', steps: ['Parse limit and offset in src/users/list-users.ts'], tests: [{ name: 'pages', scenario: 'given 30 users when limit=10 then 10 users' }] },
    changeSummary: ['Added limit/offset parsing and a next link'],
    diffStat: { files: 3, insertions: 84, deletions: 12, text: ' src/users/list-users.ts | 60 +++++--\n test/users.test.ts | 36 ++++\n 2 files changed' },
    test: { command: 'npm test', exitCode: 0, passed: true, timedOut: false, durationMs: 8100, outputTail: 'ok 12 - pages\n# pass 12', counts: { passed: 12, failed: 0 } },
    review: { approved: true, rounds: 2, notes: [{ round: 1, path: 'src/users/list-users.ts', comment: 'validate a negative offset' }] },
    tester: { passed: true, summary: 'All scenarios are covered.', uncovered: [] },
    attempts: 3,
    usage: {
      planner: { calls: 1, promptTokens: 1200, outputTokens: 300, durationMs: 12_300, loadMs: 10 },
      coder: { calls: 3, promptTokens: 24_000, outputTokens: 5_000, durationMs: 190_000, loadMs: 10 },
    },
    wallMs: 252_000,
    ...overrides,
  };
}

const write = (job: ReportJob, extra: Partial<WriteReportInput> = {}) =>
  writeReport({ report: job, client: loopback.client, model: 'qwen2.5:7b', maxContext: 16_384, keepAlive: -1, ...extra });

const prose = 'This adds limit/offset pagination to GET /users, with a next link.\n\n## What changed and why\n- `src/users/list-users.ts` parses `limit` and `offset`.';

test('detectLanguage and languageName go by script', () => {
  assert.equal(detectLanguage('GET /users에 페이지네이션을 추가해줘'), 'ko');
  assert.equal(detectLanguage('ユーザー一覧にページネーションを追加'), 'ja');
  assert.equal(detectLanguage('为用户列表添加分页'), 'zh');
  assert.equal(detectLanguage('add pagination'), 'en');
  assert.equal(detectLanguage('fix the 안녕 greeting in src/greetings/messages.ts for every locale'), 'en');
  assert.equal(languageName('ko'), 'Korean');
});

test('the Documenter writes the prose; the facts are appended; title and summary are derived', async () => {
  loopback.ollama.setResponder(() => ({ content: `<think>plan the text</think>\n${prose}`, promptTokens: 900, outputTokens: 120 }));
  const result = await write(report());
  assert.equal(result.fromModel, true);
  assert.equal(result.language, 'en');
  assert.ok(result.markdown.startsWith('This adds limit/offset pagination'));
  assert.doesNotMatch(result.markdown, /<think>/);
  assert.match(result.markdown, /## Facts/);
  assert.match(result.markdown, /\*\*Branch:\*\* `tandem\/task-7f3a-add-pagination` → `main`/);
  assert.match(result.markdown, /\*\*Commit:\*\* `1a2b3c4`/);
  assert.match(result.markdown, /\*\*Tests:\*\* `npm test` → passed \(exit 0\) · 12 passed, 0 failed · 8\.1s/);
  assert.match(result.markdown, /\*\*Review:\*\* 2 review rounds · approved/);
  assert.match(result.markdown, /\| Coder \| 3 \| 24,000 \| 5,000 \| 3m10s \|/);
  assert.doesNotMatch(result.markdown, /What failed/);
  assert.equal(result.title, 'Add limit/offset pagination to GET /users');
  assert.equal(result.summary, 'This adds limit/offset pagination to GET /users, with a next link.');
  assert.deepEqual(result.usage, { calls: 1, promptTokens: 900, outputTokens: 120, durationMs: result.usage.durationMs, loadMs: result.usage.loadMs });

  const [chat] = chats();
  assert.ok(chat);
  assert.equal(personaOf(chat), 'documenter');
  assert.equal(chat.format, undefined, 'prose, not JSON');
  assert.equal(typeof chat.options?.num_ctx, 'number');
  assert.ok((chat.options?.num_ctx as number) <= 16_384);
  assert.equal(chat.keepAlive, -1);
  assert.match(chat.messages[1]!.content, /Write the whole description in English \(en\)/);
});

test('a Korean request: the Documenter is told Korean and the facts are in Korean', async () => {
  loopback.ollama.setResponder(() => ({ content: 'GET /users에 페이지네이션을 추가했습니다.\n\n## 변경 내용\n- 목록 API' }));
  const result = await write(report({ request: 'GET /users에 페이지네이션을 추가해줘' }));
  assert.equal(result.language, 'ko');
  assert.match(chats()[0]!.messages[1]!.content, /Write the whole description in Korean \(ko\)/);
  assert.match(result.markdown, /## 세부 정보/);
  assert.match(result.markdown, /\*\*브랜치:\*\* `tandem\/task-7f3a-add-pagination`/);
  assert.match(result.markdown, /\*\*테스트:\*\* `npm test` → 통과 \(exit 0\) · 12개 통과, 0개 실패/);
  assert.match(result.markdown, /### 토큰과 시간/);
  assert.equal(result.title, 'GET /users에 페이지네이션을 추가해줘', 'the English plan summary does not become a Korean title');
  assert.equal(result.summary, 'GET /users에 페이지네이션을 추가했습니다.');
});

test('the model down: a deterministic summary with branch, test result and diff stat; the PR still opens', async () => {
  const offline = new OllamaModelClient({ host: 'http://127.0.0.1:9' });
  const result = await write(report(), { client: offline });
  assert.equal(result.fromModel, false);
  assert.equal(result.usage.calls, 0);
  assert.match(result.summary, /^tandem made the change requested in acme\/api: “add pagination to GET \/users”\. 3 files changed, \+84 −12; tests: `npm test` → passed/);
  assert.match(result.markdown, /Documenter model was unavailable/);
  assert.match(result.markdown, /`tandem\/task-7f3a-add-pagination`/);
  assert.match(result.markdown, /<details><summary>Diff stat<\/summary>\n\n```text\n src\/users\/list-users\.ts \| 60/);
});

test('an empty or rambling answer falls back too', async () => {
  loopback.ollama.setResponder(() => ({ content: '   ' }));
  assert.equal((await write(report())).fromModel, false);
  loopback.ollama.setResponder(() => ({ content: 'word '.repeat(5_000) }));
  const rambling = await write(report());
  assert.equal(rambling.fromModel, false);
  assert.equal(rambling.usage.calls, 1);
  assert.ok(rambling.markdown.length < 5_000);
});

test('a stuck report says what failed, with the end of the failing output', async () => {
  const output = Array.from({ length: 200 }, (_, index) => `line ${index + 1}`).join('\n') + '\nnot ok 12 - rejects a negative offset\n```\nAssertionError: expected 400';
  const stuck = report({
    status: 'stuck',
    review: { approved: false, rounds: 3, notes: [] },
    test: { command: 'npm test', exitCode: 1, passed: false, timedOut: false, durationMs: 9_000, outputTail: output, counts: { passed: 11, failed: 1 } },
    error: { code: 'iteration_bound', message: 'the Reviewer did not approve after 3 rounds', persona: 'reviewer' },
  });
  const offline = new OllamaModelClient({ host: 'http://127.0.0.1:9' });
  const result = await write(stuck, { client: offline });
  assert.match(result.summary, /could not finish “add pagination to GET \/users” in acme\/api: the Reviewer did not approve after 3 rounds/);
  assert.match(result.markdown, /⚠️ stuck/);
  assert.match(result.markdown, /### What failed\n\n`iteration_bound` \(reviewer\): the Reviewer did not approve after 3 rounds/);
  assert.match(result.markdown, /#### Last test output\n\n````text\n\[… 143 earlier lines cut …\]\nline 144\n/);
  assert.match(result.markdown, /not ok 12 - rejects a negative offset\n```\nAssertionError: expected 400\n````/);
  assert.doesNotMatch(result.markdown, /\nline 143\n/);
});

test('a failed report in Korean has Korean failure headings', () => {
  const facts = renderReportFacts(
    report({ status: 'failed', request: '테스트 고쳐줘', test: undefined, error: { code: 'model_unreachable', message: 'cannot reach Ollama' } }),
    'ko',
  );
  assert.match(facts, /❌ 실패/);
  assert.match(facts, /### 실패 원인\n\n`model_unreachable`: cannot reach Ollama/);
  assert.match(facts, /\*\*테스트:\*\* 실행되지 않음/);
});

test('length limits: title ≤ 72 on one line, summary ≤ 600, markdown ≤ 60,000', async () => {
  const longLine = 'x'.repeat(400);
  const huge = report({
    request: `refactor the whole users module so that every handler ${'validates its input and '.repeat(20)}returns typed errors\nsecond line`,
    plan: undefined,
    diffStat: { files: 900, insertions: 90_000, deletions: 80_000, text: Array.from({ length: 900 }, (_, index) => ` src/file-${index}.ts | 100 ${'+'.repeat(250)}`).join('\n') },
    status: 'failed',
    test: { command: 'npm test', exitCode: 1, passed: false, timedOut: true, durationMs: 600_000, outputTail: Array.from({ length: 5_000 }, () => longLine).join('\n') },
  });
  loopback.ollama.setResponder(() => ({ content: `${'A long first paragraph. '.repeat(60)}\n\n${'more text '.repeat(1_850)}` }));
  const result = await write(huge);
  assert.equal(result.fromModel, true);
  assert.ok(result.title.length <= 72 && !result.title.includes('\n'), result.title);
  assert.match(result.title, /^Refactor the whole users module/);
  assert.ok(result.summary.length <= 600);
  assert.ok(result.markdown.length <= 60_000, `${result.markdown.length}`);
  assert.match(result.markdown, /\[… \d{3} more lines …\]/);
  assert.match(result.markdown, /### What failed[\s\S]*#### Last test output\n\n```text\n\[… 4940 earlier lines cut …\]\n/);
  assert.ok(result.markdown.endsWith('```'), 'the facts are whole, not cut');
  assert.match(result.markdown, /timed out/);
});

test('secrets that slipped into a report are redacted in the PR body', async () => {
  const token = `ghp_${'A1b2C3d4E5'.repeat(3)}abcdef`;
  loopback.ollama.setResponder(() => ({ content: `Done. The test printed ${token}.` }));
  const leaky = report({ status: 'stuck', test: { command: 'npm test', exitCode: 1, passed: false, timedOut: false, durationMs: 1, outputTail: `Error: bad credentials password=hunter22!` } });
  const result = await write(leaky);
  assert.ok(!result.markdown.includes(token) && !result.markdown.includes('hunter22'));
  assert.match(result.markdown, /\[redacted GitHub token\]/);
});

test('cancellation is passed on', async () => {
  loopback.ollama.setResponder(async (_chat, { signal }) => {
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    return { content: prose };
  });
  const controller = new AbortController();
  const pending = write(report(), { signal: controller.signal });
  while (chats().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  await assert.rejects(pending, (error: unknown) => error instanceof TandemError && error.code === 'task_cancelled');
});

test('the facts and the thread footnote account for tokens, model time, model loading, test time and wall time', async () => {
  const job = report({ testMs: 40_200, usage: { coder: { calls: 3, promptTokens: 24_000, outputTokens: 5_000, durationMs: 190_000, loadMs: 12_000 } } });
  const facts = renderReportFacts(job, 'en');
  assert.match(facts, /\| Persona \| Calls \| Prompt tokens \| Output tokens \| Time \| Loading \|/);
  assert.match(facts, /\| Coder \| 3 \| 24,000 \| 5,000 \| 3m10s \| 12\.0s \|/);
  assert.match(facts, /- \*\*Time:\*\* 4m12s in all: models 3m10s \(loading 12\.0s\), tests 40\.2s/);
  assert.equal(accountingLine(job), '4m12s · models 3m10s (loading 12.0s) · tests 40.2s · 24,000 tokens in, 5,000 out');
  assert.match(renderReportFacts(job, 'ko'), /전체 4m12s: 모델 3m10s \(로딩 12\.0s\), 테스트 40\.2s/);
  const escalated = renderReportFacts({ ...job, frontier: { model: 'frontier-large', origin: 'https://api.example.com' } }, 'en');
  assert.match(escalated, /- \*\*Coder:\*\* the Coder ran on frontier-large at https:\/\/api\.example\.com \(escalated\)/);
});
