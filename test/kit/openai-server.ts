import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closerOf, listenOnLoopback, readJsonBody } from './loopback-http.ts';

/**
 * A loopback OpenAI-compatible chat API (`POST /v1/chat/completions`): the frontier model
 * of the SOS path. It checks the bearer key as such APIs do, answers from a per-test
 * script and records every request.
 */

export interface RecordedCompletion {
  authorization: string | undefined;
  body: {
    model: string;
    messages: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; schema: unknown; strict?: boolean } };
    temperature?: number;
  };
}

export type CompletionReply = { content: string; promptTokens?: number; completionTokens?: number } | { status: number; message: string };
export type CompletionResponder = (request: RecordedCompletion, index: number) => CompletionReply;

export interface LoopbackOpenAi {
  /** The base URL, `http://127.0.0.1:PORT/v1`: what FRONTIER_API_URL is set to. */
  url: string;
  apiKey: string;
  requests: RecordedCompletion[];
  setResponder(respond: CompletionResponder): void;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

export async function startOpenAiServer(options: { apiKey?: string; respond?: CompletionResponder } = {}): Promise<LoopbackOpenAi> {
  const apiKey = options.apiKey ?? 'sk-loopback-frontier-key';
  let respond: CompletionResponder = options.respond ?? (() => ({ content: '{}' }));
  const requests: RecordedCompletion[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://loopback').pathname;
    if (request.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendJson(response, 404, { error: { message: `Unknown request URL: ${request.method} ${path}`, type: 'invalid_request_error' } });
    }
    const authorization = request.headers.authorization;
    if (authorization !== `Bearer ${apiKey}`) {
      return sendJson(response, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    const { body, invalid } = await readJsonBody(request);
    const parsed = body as RecordedCompletion['body'] | undefined;
    if (invalid || !parsed || typeof parsed.model !== 'string' || !Array.isArray(parsed.messages)) {
      return sendJson(response, 400, { error: { message: 'model and messages are required', type: 'invalid_request_error' } });
    }
    const recorded = { authorization, body: parsed };
    const index = requests.push(recorded) - 1;
    const reply = respond(recorded, index);
    if ('status' in reply) return sendJson(response, reply.status, { error: { message: reply.message, type: 'api_error' } });
    const promptTokens = reply.promptTokens ?? Math.ceil(parsed.messages.map((message) => message.content).join('').length / 4);
    const completionTokens = reply.completionTokens ?? Math.ceil(reply.content.length / 4);
    sendJson(response, 200, {
      id: `chatcmpl-${index}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: parsed.model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendJson(response, 500, { error: { message: (error as Error).message } }));
  });
  const origin = await listenOnLoopback(server);
  return {
    url: `${origin}/v1`,
    apiKey,
    requests,
    setResponder(next) {
      respond = next;
    },
    close: closerOf(server),
  };
}
