import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { channel, developer } from '../kit/gateway-harness.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { documenterProse, fullTeam } from '../kit/scripted-team.ts';
import { useCalculatorTeam } from './calculator-team.ts';

const koreanSummary = '이 변경으로 `add` 함수가 두 인수의 합을 돌려주고, 음수 덧셈 테스트가 추가되었습니다.';
const koreanProse = `${koreanSummary}\n\n## 변경 내용\n\n- \`src/add.js\`: 빼기를 더하기로 고쳤습니다.\n- \`test/add-negative.test.js\`: 음수 시나리오를 다룹니다.`;

/** A Documenter that writes in the language its prompt asks for, as a model would. */
const team = fullTeam({
  documenter: (chat) => ({ content: /in Korean \(ko\)/.test(JSON.stringify(chat.messages)) ? koreanProse : documenterProse }),
});

/**
 * A request in Korean: the report (the PR body, its facts and the thread's summary) is in
 * Korean. The thread's own text around it — header, status line, headline, milestones,
 * buttons — stays in tandem's one interface language, which the human leads who approve
 * read whoever asked (and which the worker's milestones are written in).
 */
describe('a Korean request through Bolt', () => {
  const running = useCalculatorTeam('korean', team);

  test('gets a Korean report: the Documenter is told Korean, the PR body has the Korean facts, the thread the Korean summary', async () => {
    const harness = running();
    const request = 'add 함수가 두 수를 빼지 말고 더하도록 고쳐 주세요';
    await harness.driver.slashCommand({ text: `acme/calc ${request}`, userId: developer, channelId: channel });
    const task = await harness.waitForTask((record) => record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined, 'the report', 90_000);
    assert.equal(task.request, request);

    const documenter = harness.ollama.chatRequests().find((chat) => personaOf(chat) === 'documenter');
    assert.match(JSON.stringify(documenter?.messages), /Write the whole description in Korean \(ko\)\./, 'the Documenter was told Korean');

    const pull = harness.github.pulls('acme/calc')[0]!;
    const body = pull.body ?? '';
    assert.ok(body.startsWith(koreanProse), 'the body opens with the Korean prose');
    const facts = ['## 세부 정보', '- **브랜치:** `tandem/', '- **상태:** ✅ 통과 · 1번째 반복', '- **변경:** 파일 2개 변경', '- **테스트:** `npm test` → 통과', '2개 통과, 0개 실패'];
    for (const line of [...facts, '- **시도:** 코더 시도 1회', '### 토큰과 시간', '| **합계** |']) {
      assert.ok(body.includes(line), `the facts have “${line}”`);
    }
    assert.doesNotMatch(body, /## Facts|\*\*Branch:\*\*/, 'no English facts');
    assert.match(body, /💬 \[이 작업의 Slack 스레드\]\(https:\/\/[^)]+\/archives\/CDEV1\/p\d+\)$/, 'the link back to the thread, in Korean');
    assert.equal(pull.title, 'Add 함수가 두 수를 빼지 말고 더하도록 고쳐 주세요', 'the title is the request, not the English plan');

    const thread = harness.slack.thread(channel, task.threadTs!);
    const decision = thread.find((message) => message.ts === task.decisionMessageTs)!;
    const [headline, summary] = decision.text.split('\n');
    assert.equal(summary, koreanSummary, 'the thread’s summary is the Korean prose');
    assert.equal(headline, `📝 *Report* — PR <${task.prUrl}|#${pull.number}> is ready · tests 2/2`, 'the headline is tandem’s own text');
    assert.match(JSON.stringify(decision.blocks), /"text":"Approve"/);
    const status = () => harness.slack.messages(channel).find((message) => message.ts === task.statusMessageTs)!.text;
    await harness.slack.waitFor(() => /^✅ Done — waiting for a human lead · iteration 1 · \d+s$/.test(status()), 5000, 'the status line, in tandem’s own words');
    assert.match(thread[0]!.text, /^🧭 \*acme\/calc\* · add 함수가 두 수를 빼지 말고 더하도록 고쳐 주세요 · low, reflection off · task/);
  });
});
