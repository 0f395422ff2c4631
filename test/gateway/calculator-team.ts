import { after, before } from 'node:test';
import type { Environment } from '../../src/config.ts';
import { createGatewayHarness, type GatewayHarness, type SlackMode } from '../kit/gateway-harness.ts';
import type { ChatResponder } from '../kit/ollama-server.ts';
import { calculatorRepo } from '../kit/scripted-team.ts';

/**
 * For a `describe` block: the whole of tandem on loopbacks with the calculator repository,
 * `team` answering as the models, a worker and the gateway started before the first test
 * and everything closed after the last. Returns the harness once it is up.
 */
export function useCalculatorTeam(label: string, team: ChatResponder, options: { mode?: SlackMode; environment?: Environment } = {}): () => GatewayHarness {
  let harness: GatewayHarness | undefined;
  before(async () => {
    harness = await createGatewayHarness(label, options.mode ?? 'http', options.environment);
    await harness.remotes.createRepo('acme', 'calc', calculatorRepo);
    harness.ollama.setResponder(team);
    await harness.startWorker();
    await harness.startGateway();
  });
  after(() => harness?.close());
  return () => harness!;
}
