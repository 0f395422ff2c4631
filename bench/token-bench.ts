/**
 * Tokens: `node --import tsx bench/token-bench.ts`.
 *
 * Prompt tokens of one scripted 3-iteration task (bench/three-round-task.ts) run through
 * the whole of tandem, against a full-history baseline on the very same task. tandem's
 * figure is every request the loopback Ollama received (Guardrail, Router, Planner, Coder ×3,
 * Reviewer ×3, Tester, Documenter), counted with tandem's own estimator
 * (`estimateMessagesTokens`). The baseline replays those requests in order as a framework
 * that carries the conversation along would send them: each one's system prompt, then every
 * earlier request's user messages and the answer it got, then its own user message — the
 * same texts, counted with the same estimator. Earlier personas' system prompts are not
 * carried (which makes the baseline smaller, not larger).
 */
import { estimateMessagesTokens } from '../src/models/context-window.ts';
import type { ChatMessage } from '../src/models/model-client.ts';
import { createGatewayHarness } from '../test/kit/gateway-harness.ts';
import { personaOf, type RecordedChat } from '../test/kit/ollama-server.ts';
import { calculatorRepo } from '../test/kit/scripted-team.ts';
import { benchResult, isMainModule, printTable, round, runAsScript, sum, type BenchResult } from './bench-report.ts';
import { runThreeRoundTask, threeRoundTeam } from './three-round-task.ts';

export interface PersonaTokens {
  persona: string;
  calls: number;
  stateless: number;
  fullHistory: number;
}

const asMessages = (chat: RecordedChat) => chat.messages.map((message) => ({ role: message.role, content: message.content }) as ChatMessage);

/** tandem's tokens and the full-history replay's, per persona in order of first call. */
export function countTokens(chats: readonly RecordedChat[], replies: ReadonlyMap<RecordedChat, string>): PersonaTokens[] {
  const rows = new Map<string, PersonaTokens>();
  const history: ChatMessage[] = [];
  for (const chat of chats) {
    const persona = personaOf(chat) ?? 'unknown';
    const messages = asMessages(chat);
    const system = messages.filter((message) => message.role === 'system');
    const own = messages.filter((message) => message.role !== 'system');
    const row = rows.get(persona) ?? { persona, calls: 0, stateless: 0, fullHistory: 0 };
    row.calls += 1;
    row.stateless += estimateMessagesTokens(messages);
    row.fullHistory += estimateMessagesTokens([...system, ...history, ...own]);
    rows.set(persona, row);
    history.push(...own, { role: 'assistant', content: replies.get(chat) ?? '' });
  }
  return [...rows.values()];
}

export async function runTokens(): Promise<BenchResult> {
  const harness = await createGatewayHarness('bench-tokens', 'http');
  try {
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    const team = threeRoundTeam();
    harness.ollama.setResponder(team.responder);
    await harness.startWorker();
    await harness.startGateway();
    const { record } = await runThreeRoundTask(harness);
    const chats = harness.ollama.chatRequests();
    const rows = countTokens(chats, team.replies);
    const stateless = sum(rows.map((row) => row.stateless));
    const fullHistory = sum(rows.map((row) => row.fullHistory));
    const ratio = round(stateless / fullHistory, 3);
    const reviews = rows.find((row) => row.persona === 'reviewer')?.calls ?? 0;

    console.log(`Tokens: one 3-iteration task (${reviews} review rounds), ${chats.length} model calls, estimated with estimateMessagesTokens\n`);
    printTable(
      ['persona', 'calls', 'tandem (stateless)', 'full-history baseline', 'tandem ÷ baseline'],
      [...rows, { persona: 'total', calls: chats.length, stateless, fullHistory }].map((row) => [
        row.persona,
        String(row.calls),
        String(row.stateless),
        String(row.fullHistory),
        `${((row.stateless / row.fullHistory) * 100).toFixed(1)}%`,
      ]),
    );
    console.log(`\nratio tandem ÷ full history: ${(ratio * 100).toFixed(1)}% (task ${record.taskId}, ${record.status})`);

    return benchResult({
      name: 'tokens',
      title: 'Prompt tokens per 3-iteration task',
      parameters: { estimator: 'estimateMessagesTokens (3 characters a token + 8 per message)', chats: chats.length },
      headlines: [
        {
          measure: `prompt tokens per task (${chats.length} calls, ${reviews} review rounds)`,
          tandem: String(stateless),
          baseline: `${fullHistory} (full history)`,
          ratio,
          target: '≤ 0.40×',
          met: ratio <= 0.4,
        },
      ],
      details: { rows, stateless, fullHistory, ratio, personas: chats.map((chat) => personaOf(chat) ?? 'unknown') },
    });
  } finally {
    await harness.close();
  }
}

if (isMainModule(import.meta.url)) await runAsScript(runTokens);
