/**
 * The scripted 3-iteration task of the token and Slack-write benchmarks: the Router says
 * medium with reflection (up to three review rounds); the Coder fixes the calculator, the
 * Reviewer asks for readable names, then for a doc comment, then approves; the Tester
 * agrees. Through the whole of tandem: slash command → Guardrail → Router → worker →
 * report → Documenter → pull request → the decision buttons in the thread.
 */
import type { GatewayHarness } from '../test/kit/gateway-harness.ts';
import { developer } from '../test/kit/gateway-harness.ts';
import type { ChatReply, ChatResponder, RecordedChat } from '../test/kit/ollama-server.ts';
import { calculatorFix, fullTeam, json } from '../test/kit/scripted-team.ts';

const namedAdd = 'export function add(left, right) {\n  return left + right;\n}\n';
const documentedAdd = `/** The sum of \`left\` and \`right\`. */\n${namedAdd}`;

const coderAnswers = [
  calculatorFix,
  { summary: 'Name the parameters', edits: [{ path: 'src/add.js', action: 'write', content: namedAdd }] },
  { summary: 'Document add()', edits: [{ path: 'src/add.js', action: 'write', content: documentedAdd }] },
];
const reviewerAnswers = [
  { approved: false, comments: [{ path: 'src/add.js', comment: 'Use descriptive parameter names instead of a and b.' }] },
  { approved: false, comments: [{ path: 'src/add.js', comment: 'Add a one-line doc comment to add().' }] },
  { approved: true, comments: [] },
];

export interface RecordedTeam {
  responder: ChatResponder;
  /** What the loopback Ollama answered to each chat. */
  replies: Map<RecordedChat, string>;
}

/** The three-round team, recording every answer it gives. */
export function threeRoundTeam(): RecordedTeam {
  const team = fullTeam({
    router: () => json({ difficulty: 'medium', reflection: true, confident: true, reason: 'a small fix, reviewed with care' }),
    coder: (_chat, call) => json(coderAnswers[Math.min(call, coderAnswers.length) - 1]),
    reviewer: (_chat, call) => json(reviewerAnswers[Math.min(call, reviewerAnswers.length) - 1]),
  });
  const replies = new Map<RecordedChat, string>();
  const responder: ChatResponder = async (chat, context) => {
    const reply: ChatReply = await team(chat, context);
    if ('content' in reply) replies.set(chat, reply.content);
    return reply;
  };
  return { responder, replies };
}

export const threeRoundChannel = 'CBENCH1';

/** Asks for the task by slash command; resolves once its thread holds the decision buttons. */
export async function runThreeRoundTask(harness: GatewayHarness, timeoutMs = 120_000) {
  const text = 'acme/calc fix add so that it adds, with readable names and a doc comment';
  const startedAt = Date.now();
  await harness.driver.slashCommand({ text, userId: developer, channelId: threeRoundChannel });
  const record = await harness.waitForTask(
    (candidate) => candidate.channel === threeRoundChannel && (candidate.decisionMessageTs !== undefined || ['blocked', 'failed', 'stuck', 'cancelled'].includes(candidate.status)),
    'the three-round task to await approval',
    timeoutMs,
  );
  if (record.status !== 'awaiting_approval') throw new Error(`the three-round task ended ${record.status}: ${record.reason ?? ''}`);
  return { record, elapsedMs: Date.now() - startedAt };
}
