import { after, before, beforeEach } from 'node:test';
import { OllamaModelClient } from '../../src/models/ollama-model-client.ts';
import { startOllamaServer, type LoopbackOllama, type RecordedChat } from './ollama-server.ts';

export interface LoopbackModel {
  readonly ollama: LoopbackOllama;
  /** The production Ollama client, pointed at the loopback. */
  readonly client: OllamaModelClient;
  /** The chats since the current test started. */
  chats(): RecordedChat[];
}

/**
 * A loopback Ollama and the real client for the test file it is called in: started before
 * the first test, closed after the last, with `chats()` counted per test.
 */
export function useLoopbackModel(): LoopbackModel {
  let ollama: LoopbackOllama | undefined;
  let client: OllamaModelClient | undefined;
  let seen = 0;
  before(async () => {
    ollama = await startOllamaServer();
    client = new OllamaModelClient({ host: ollama.url });
  });
  after(() => ollama?.close());
  beforeEach(() => {
    seen = ollama!.chatRequests().length;
  });
  return {
    get ollama() {
      return ollama!;
    },
    get client() {
      return client!;
    },
    chats: () => ollama!.chatRequests().slice(seen),
  };
}
