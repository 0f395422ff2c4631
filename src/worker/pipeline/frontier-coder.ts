import type { Config } from '../../config.ts';
import { redactSecrets } from '../../guardrail/redact-secrets.ts';
import type { ChatAnswer, ChatRequest, ModelClient } from '../../models/model-client.ts';
import { OpenAiCompatibleClient } from '../../models/openai-compatible-client.ts';
import { RetryingModelClient } from '../../models/retrying-model-client.ts';
import type { FrontierCoder } from './persona-caller.ts';

/** The prompt budget of a frontier Coder call: generous, but bounded (cloud tokens cost money). */
export const frontierMaxContext = 65_536;

/** Every message leaves the machine with its secrets redacted, whatever the repository's files hold. */
class RedactingModelClient implements ModelClient {
  constructor(private readonly inner: ModelClient) {}

  chat(request: ChatRequest): Promise<ChatAnswer> {
    return this.inner.chat({ ...request, messages: request.messages.map((message) => ({ ...message, content: redactSecrets(message.content).text })) });
  }
}

/** The frontier Coder of the SOS path when FRONTIER_API_URL, FRONTIER_API_KEY and FRONTIER_MODEL are all set. */
export function frontierCoder(config: Config, fetch?: typeof globalThis.fetch): FrontierCoder | undefined {
  const { apiUrl, apiKey, model } = config.frontier;
  if (!apiUrl || !apiKey || !model) return undefined;
  const client = new OpenAiCompatibleClient({ apiUrl, apiKey, fetch });
  return {
    client: new RedactingModelClient(new RetryingModelClient(client)),
    model,
    origin: new URL(apiUrl).origin,
    maxContext: frontierMaxContext,
  };
}
