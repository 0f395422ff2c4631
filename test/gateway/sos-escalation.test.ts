import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { channel, createGatewayHarness, developer, lead, type GatewayHarness } from '../kit/gateway-harness.ts';
import { git } from '../kit/git-repos.ts';
import { personaOf } from '../kit/ollama-server.ts';
import { startOpenAiServer, type LoopbackOpenAi } from '../kit/openai-server.ts';
import { calculatorFix, calculatorPlan, calculatorRepo, fullTeam, json } from '../kit/scripted-team.ts';
import { waitFor } from '../kit/wait-for.ts';

/** A token-shaped string in the repository's README: it must never reach the cloud. */
const readmeToken = `ghp_${'A1b2'.repeat(9)}`;
const frontierModel = 'frontier-large';

/** A local Coder that never makes the tests pass: the task gets stuck after one attempt. */
const hopelessCoder = () => json({ summary: 'Write down some thoughts', edits: [{ path: 'NOTES.md', action: 'write', content: 'thinking about add\n' }] });

describe('SOS: a stuck task gets a ready-to-paste prompt, and a lead can escalate it to a frontier Coder', () => {
  let harness: GatewayHarness;
  let frontier: LoopbackOpenAi;

  before(async () => {
    frontier = await startOpenAiServer();
    harness = await createGatewayHarness('sos', 'http', {
      CODER_MAX_ATTEMPTS: '1',
      FRONTIER_API_URL: frontier.url,
      FRONTIER_API_KEY: frontier.apiKey,
      FRONTIER_MODEL: frontierModel,
    });
    await harness.remotes.createRepo('acme', 'calc', { ...calculatorRepo, 'README.md': `# calc\n\nDeploy token (rotate me): ${readmeToken}\n` });
    harness.ollama.setResponder(fullTeam({ coder: hopelessCoder }));
    frontier.setResponder(() => ({ content: JSON.stringify(calculatorFix) }));
    await harness.startWorker();
    await harness.startGateway();
  });
  after(async () => {
    await harness.close();
    await frontier.close();
  });

  test('stuck → SOS prompt file and Escalate; a non-lead cannot; a lead’s double click queues one frontier iteration', async () => {
    await harness.driver.slashCommand({ text: 'acme/calc fix add so that it adds', userId: developer, channelId: channel });
    const stuck = await harness.waitForTask((record) => record.status === 'stuck' && record.decisionMessageTs !== undefined, 'the stuck task', 90_000);

    const file = await harness.slack.waitFor(() => harness.slack.files().find((candidate) => candidate.filename === `tandem-${stuck.taskId}-sos.md`), 5000, 'the SOS prompt file');
    const prompt = String(file.content);
    assert.match(prompt, /## The request\n\nfix add so that it adds/);
    assert.ok(prompt.includes(calculatorPlan.summary), 'the plan');
    assert.match(prompt, /Coder attempt 1: Write down some thoughts/, 'what was tried');
    assert.match(prompt, /```diff\n[\s\S]*\+thinking about add/, 'the current diff');
    assert.match(prompt, /`npm test` exited 1[\s\S]*adds two numbers/, 'the failing output');
    assert.match(prompt, /## What would help/);

    const decision = harness.slack.thread(channel, stuck.threadTs!).find((message) => message.ts === stuck.decisionMessageTs)!;
    const buttons = JSON.stringify(decision.blocks);
    assert.match(buttons, /tandem_escalate/);
    assert.match(buttons, /tandem_reject/);
    assert.doesNotMatch(buttons, /tandem_approve/);

    const click = (userId: string) =>
      harness.driver.blockAction({ actionId: 'tandem_escalate', value: `${stuck.taskId}:1`, userId, channelId: channel, messageTs: stuck.decisionMessageTs!, threadTs: stuck.threadTs });
    await click(developer);
    await harness.slack.waitFor(() => harness.slack.responses().some((response) => /Only human leads can escalate/.test(JSON.stringify(response.body))), 5000, 'the refusal');
    assert.equal((await harness.tasks.get(stuck.taskId))!.status, 'stuck');
    assert.equal(frontier.requests.length, 0);

    const localCoderCalls = harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'coder').length;
    await Promise.all([click(lead), click(lead)]);
    const done = await harness.waitForTask(
      (record) => record.taskId === stuck.taskId && record.status === 'awaiting_approval' && record.decisionMessageTs !== undefined,
      'the escalated iteration to finish',
      90_000,
    );
    assert.equal(done.iteration, 2, 'one iteration for two clicks');
    assert.equal(harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'coder').length, localCoderCalls, 'no local Coder call in the escalated iteration');
    assert.ok(harness.ollama.chatRequests().some((chat) => personaOf(chat) === 'reviewer'), 'the Reviewer stayed local');

    assert.ok(frontier.requests.length >= 1);
    for (const request of frontier.requests) {
      assert.equal(request.authorization, `Bearer ${frontier.apiKey}`);
      assert.equal(request.body.model, frontierModel);
      assert.equal(request.body.response_format?.type, 'json_schema');
      assert.match(JSON.stringify(request.body.response_format?.json_schema?.schema), /"edits"/);
      assert.match(request.body.messages[0]!.content, /You are tandem's Coder/);
      const sent = JSON.stringify(request.body);
      assert.ok(!sent.includes(readmeToken), 'the README token was redacted before it left');
      assert.match(sent, /\[redacted/);
    }

    const texts = harness.slack.thread(channel, stuck.threadTs!).map((message) => message.text).join('\n');
    assert.match(texts, /Escalated by <@ULEAD1>: iteration 2 goes to \*frontier-large\*/);
    assert.match(texts, /What goes to the cloud: the request, the plan/);
    assert.match(texts, /The Coder ran on \*frontier-large\* at http:\/\/127\.0\.0\.1:\d+: \d+ calls?, [\d,]+ prompt tokens sent/);

    const summary = harness.slack.thread(channel, stuck.threadTs!).find((message) => message.ts === done.decisionMessageTs)!;
    assert.match(JSON.stringify(summary.blocks), /\d+ files \(\+\d+ −\d+\) · [\d.hms]+ · models [\d.hms]+( \(loading [\d.hms]+\))? · tests [\d.hms]+ · [\d,]+ tokens in, [\d,]+ out · iteration 2/, 'the summary accounts for time and tokens');
    const pulls = harness.github.pulls('acme/calc');
    assert.equal(pulls.length, 1, 'the draft PR got the new commits: never a second PR');
    assert.match(pulls[0]!.body ?? '', /the Coder ran on frontier-large/);
    const report = await harness.waitForReport(stuck.taskId, 2);
    assert.equal(report.status, 'passed');
    assert.deepEqual(report.frontier, { model: frontierModel, origin: new URL(frontier.url).origin });
  });
});

describe('SOS: the Planner says it lacks knowledge', () => {
  let harness: GatewayHarness;

  before(async () => {
    harness = await createGatewayHarness('sos-knowledge', 'http');
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(
      fullTeam({ planner: () => json({ ...calculatorPlan, missingKnowledge: ['the response format of the billing service behind BILLING_URL'] }) }),
    );
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness.close());

  test('the task stops before coding, with the SOS prompt, no PR and no empty branch; Reject closes it', async () => {
    await harness.driver.slashCommand({ text: 'acme/calc report add results to the billing service', userId: developer, channelId: channel });
    const stuck = await harness.waitForTask((record) => record.status === 'stuck' && record.decisionMessageTs !== undefined, 'the stuck task', 90_000);
    assert.equal(harness.ollama.chatRequests().filter((chat) => personaOf(chat) === 'coder').length, 0, 'no Coder call');
    assert.equal(harness.github.pulls('acme/calc').length, 0, 'nothing to open a PR for');
    const texts = harness.slack.thread(channel, stuck.threadTs!).map((message) => `${message.text} ${JSON.stringify(message.blocks)}`).join('\n');
    assert.match(texts, /no changes yet, so no PR/);
    assert.match(texts, /needs knowledge it lacks: the response format of the billing service/);
    const file = await harness.slack.waitFor(() => harness.slack.files().find((candidate) => candidate.filename === `tandem-${stuck.taskId}-sos.md`), 5000, 'the SOS prompt');
    assert.match(String(file.content), /## What the Planner says it does not know\n\n- the response format of the billing service behind BILLING_URL/);

    const decision = harness.slack.thread(channel, stuck.threadTs!).find((message) => message.ts === stuck.decisionMessageTs)!;
    assert.doesNotMatch(JSON.stringify(decision.blocks), /tandem_escalate/, 'no frontier model configured: no Escalate');
    await harness.driver.blockAction({ actionId: 'tandem_escalate', value: `${stuck.taskId}:1`, userId: lead, channelId: channel, messageTs: stuck.decisionMessageTs!, threadTs: stuck.threadTs });
    await harness.slack.waitFor(() => harness.slack.responses().some((response) => /No frontier model is configured/.test(JSON.stringify(response.body))), 5000, 'the refusal');

    await harness.driver.blockAction({ actionId: 'tandem_reject', value: `${stuck.taskId}:1`, userId: lead, channelId: channel, messageTs: stuck.decisionMessageTs!, threadTs: stuck.threadTs });
    await harness.waitForTask((record) => record.taskId === stuck.taskId && record.status === 'rejected', 'the rejection', 10_000);
    const updated = await waitFor(
      async () => harness.slack.messages(channel).find((message) => message.ts === stuck.decisionMessageTs && /Rejected by/.test(message.text)),
      'the buttons replaced',
      5000,
    );
    assert.match(updated.text, /the task is closed/);
    const heads = await git(harness.remotes.root, 'ls-remote', '--heads', `${harness.remotes.root}/acme/calc.git`);
    assert.doesNotMatch(heads, /refs\/heads\/tandem\//, 'no empty task branch was pushed');
  });
});
