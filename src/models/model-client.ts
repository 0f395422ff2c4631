export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** A JSON schema the answer must follow (Ollama's structured outputs). */
  format?: Record<string, unknown>;
  /** Context window for this call; always set, so Ollama never silently truncates. */
  numCtx: number;
  /** How long the model stays loaded afterwards: Ollama's `keep_alive` (`-1`, `0`, `"10m"`). */
  keepAlive: string | number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface ChatAnswer {
  content: string;
  promptTokens: number;
  outputTokens: number;
  durationMs: number;
  loadMs: number;
}

/** The one seam between tandem and a chat model. */
export interface ModelClient {
  chat(request: ChatRequest): Promise<ChatAnswer>;
}

/** Which model a persona call uses and how (the gateway's Guardrail, Router and Documenter). */
export interface ModelSettings {
  client: ModelClient;
  model: string;
  /** The largest `num_ctx` this model may be given. */
  maxContext: number;
  keepAlive: string | number;
  signal?: AbortSignal;
  logger?: import('../logger.ts').Logger;
}
