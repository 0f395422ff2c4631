import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { closerOf, listenOnLoopback, readJsonBody } from './loopback-http.ts';

/**
 * A loopback Ollama speaking its REST wire protocol (`/api/chat`, `/api/generate`,
 * `/api/tags`, `/api/ps`, `/api/show`, `/api/version`, `/api/pull`), so production code
 * runs with the real `ollama` client against scripted answers.
 */

export interface ModelInfo {
  name: string;
  size: number;
  contextLength?: number;
  family?: string;
  /** How long loading it takes (default 1 ms); a call to a model not in memory waits this long first. */
  loadMs?: number;
}

/** One time a model went from not loaded to loaded, with the bytes then held in all. */
export interface ModelLoad {
  model: string;
  at: number;
  residentBytes: number;
}

export interface RecordedRequest {
  path: string;
  method: string;
  body: unknown;
  at: number;
}

export interface RecordedChat {
  /** `/api/chat`, or `/api/generate` (its `system` and `prompt` become the messages). */
  path: string;
  model: string;
  messages: { role: string; content: string }[];
  format: unknown;
  options: Record<string, unknown> | undefined;
  keepAlive: unknown;
  stream: boolean;
  /** The client closed the connection before the whole answer was sent. */
  aborted: boolean;
}

export type ChatReply =
  | { content: string; promptTokens?: number; outputTokens?: number; delayMs?: number }
  | { status: number; error: string };

export type ChatResponder = (
  chat: RecordedChat,
  /** `index`: 0 for the first chat answered by this responder (counted from `setResponder`). */
  context: { signal: AbortSignal; index: number },
) => ChatReply | Promise<ChatReply>;

export interface LoopbackOllama {
  url: string;
  requests: RecordedRequest[];
  chatRequests(): RecordedChat[];
  setResponder(respond: ChatResponder): void;
  /** The installed models, used by tags, ps and show; tests may change it. */
  models: ModelInfo[];
  /** Models held in memory; `expiresAt` undefined means until unloaded. */
  loaded: Map<string, { expiresAt?: number }>;
  /** Every load, in order. */
  loads: ModelLoad[];
  /** The most bytes held at once since the server started (or `loads` was last emptied). */
  peakResidentBytes(): number;
  close(): Promise<void>;
}

export const defaultModels: readonly ModelInfo[] = [
  { name: 'qwen2.5:7b', size: 4_683_087_332, contextLength: 32_768, family: 'qwen2' },
  { name: 'qwen3-coder-next:q4_K_M', size: 51_975_423_104, contextLength: 262_144, family: 'qwen3next' },
];

/** The persona named by a tandem system prompt (`You are tandem's Planner.` → `planner`). */
export function personaOf(chat: RecordedChat): string | undefined {
  const system = chat.messages.find((message) => message.role === 'system');
  return /^\s*You are tandem['’]s ([A-Za-z][\w-]*)/.exec(system?.content ?? '')?.[1]?.toLowerCase();
}

const defaultKeepAliveMs = 5 * 60_000;
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds to stay loaded: 0 unloads, undefined means forever (negative keep_alive). */
function keepAliveMs(keepAlive: unknown): number | undefined {
  if (keepAlive === undefined || keepAlive === null || keepAlive === '') return defaultKeepAliveMs;
  const match = /^(-?\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(keepAlive).trim());
  if (!match) return defaultKeepAliveMs;
  const milliseconds = Number(match[1]) * units[match[2] ?? 's']!;
  return milliseconds < 0 ? undefined : milliseconds;
}

const estimateTokens = (text: string) => Math.ceil(text.length / 4);
const digestOf = (name: string) => createHash('sha256').update(name).digest('hex');

function detailsOf(model: ModelInfo | undefined, name: string) {
  const family = model?.family ?? name.split(':')[0]!.replace(/[\d.]+$/, '');
  const quantization = /q\d\w*$/i.exec(name)?.[0]?.toUpperCase() ?? 'Q4_K_M';
  return {
    parent_model: '',
    format: 'gguf',
    family,
    families: [family],
    parameter_size: `${((model?.size ?? 0) / 0.6 / 1e9).toFixed(1)}B`,
    quantization_level: quantization,
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

const readBody = readJsonBody;

/** Splits `text` into at most `count` pieces for streaming. */
function pieces(text: string, count = 3): string[] {
  const characters = Array.from(text);
  const size = Math.max(1, Math.ceil(characters.length / count));
  const result: string[] = [];
  for (let start = 0; start < characters.length; start += size) result.push(characters.slice(start, start + size).join(''));
  return result;
}

export async function startOllamaServer(
  options: { respond?: ChatResponder; models?: ModelInfo[] } = {},
): Promise<LoopbackOllama> {
  let respond: ChatResponder = options.respond ?? (() => ({ content: '{}' }));
  const chats: RecordedChat[] = [];
  let responderStart = 0;

  const loopback: LoopbackOllama = {
    url: '',
    requests: [],
    chatRequests: () => [...chats],
    setResponder(next) {
      respond = next;
      responderStart = chats.length;
    },
    models: (options.models ?? defaultModels).map((model) => ({ ...model })),
    loaded: new Map(),
    loads: [],
    peakResidentBytes: () => Math.max(0, ...loopback.loads.map((load) => load.residentBytes)),
    close: async () => {},
  };

  const findModel = (name: string) => loopback.models.find((model) => model.name === name);
  const createdAt = () => new Date().toISOString();

  function setResidency(model: string, keepAlive: unknown): void {
    const milliseconds = keepAliveMs(keepAlive);
    if (milliseconds === 0) loopback.loaded.delete(model);
    else loopback.loaded.set(model, milliseconds === undefined ? {} : { expiresAt: Date.now() + milliseconds });
  }

  /** Loads `model` when it is not in memory (taking its `loadMs`); returns the load time in ms, 0 when it was resident. */
  async function ensureLoaded(model: string, signal?: AbortSignal): Promise<number> {
    listLoaded(); // drops expired models first
    if (loopback.loaded.has(model)) return 0;
    const loadMs = findModel(model)?.loadMs ?? 1;
    await sleep(loadMs, undefined, { signal });
    loopback.loaded.set(model, {});
    const residentBytes = [...loopback.loaded.keys()].reduce((total, name) => total + (findModel(name)?.size ?? 0), 0);
    loopback.loads.push({ model, at: Date.now(), residentBytes });
    return loadMs;
  }

  /** `/api/chat` and `/api/generate` with something to answer: ask the responder. */
  async function converse(chat: RecordedChat, response: ServerResponse): Promise<void> {
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableEnded) {
        chat.aborted = true;
        controller.abort();
      }
    });
    const index = chats.push(chat) - 1 - responderStart;
    let reply: ChatReply;
    let loadMs = 0;
    try {
      reply = await respond(chat, { signal: controller.signal, index });
      loadMs = await ensureLoaded(chat.model, controller.signal);
      if ('content' in reply && reply.delayMs) await sleep(reply.delayMs, undefined, { signal: controller.signal });
    } catch (error) {
      if (!controller.signal.aborted) sendJson(response, 500, { error: (error as Error).message ?? String(error) });
      return;
    }
    if (controller.signal.aborted) return;
    if ('status' in reply) return sendJson(response, reply.status, { error: reply.error });

    setResidency(chat.model, chat.keepAlive);
    const promptTokens = reply.promptTokens ?? estimateTokens(chat.messages.map((message) => message.content).join(''));
    const outputTokens = reply.outputTokens ?? estimateTokens(reply.content);
    const loadDuration = Math.max(1, loadMs) * 1_000_000;
    const promptDuration = promptTokens * 1_000_000;
    const evalDuration = outputTokens * 20_000_000;
    const totals = {
      done: true,
      done_reason: 'stop',
      total_duration: loadDuration + promptDuration + evalDuration + (reply.delayMs ?? 0) * 1_000_000,
      load_duration: loadDuration,
      prompt_eval_count: promptTokens,
      prompt_eval_duration: promptDuration,
      eval_count: outputTokens,
      eval_duration: evalDuration,
    };
    const isChat = chat.path === '/api/chat';
    const answer = (text: string) =>
      isChat ? { message: { role: 'assistant', content: text } } : { response: text };

    if (!chat.stream) {
      return sendJson(response, 200, { model: chat.model, created_at: createdAt(), ...answer(reply.content), ...totals, ...(isChat ? {} : { context: [] }) });
    }
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    for (const piece of pieces(reply.content)) {
      if (controller.signal.aborted) return;
      response.write(`${JSON.stringify({ model: chat.model, created_at: createdAt(), ...answer(piece), done: false })}\n`);
      await sleep(1);
    }
    if (controller.signal.aborted) return;
    response.end(`${JSON.stringify({ model: chat.model, created_at: createdAt(), ...answer(''), ...totals })}\n`);
  }

  function recordChat(path: string, body: Record<string, unknown>, messages: RecordedChat['messages']): RecordedChat {
    return {
      path,
      model: body.model as string,
      messages,
      format: body.format,
      options: body.options as Record<string, unknown> | undefined,
      keepAlive: body.keep_alive,
      stream: body.stream === true,
      aborted: false,
    };
  }

  async function handleChat(path: string, body: Record<string, unknown>, response: ServerResponse): Promise<void> {
    if (typeof body.model !== 'string' || body.model === '') return sendJson(response, 400, { error: 'model is required' });
    const isChat = path === '/api/chat';
    if (isChat && !Array.isArray(body.messages)) return sendJson(response, 400, { error: 'messages is required' });
    const prompt = isChat ? undefined : body.prompt;
    if (!isChat && prompt !== undefined && typeof prompt !== 'string') return sendJson(response, 400, { error: 'prompt must be a string' });

    // No messages / empty prompt is Ollama's load (or, with keep_alive 0, unload) request.
    if (isChat ? (body.messages as unknown[]).length === 0 : !prompt) {
      if (keepAliveMs(body.keep_alive) !== 0) await ensureLoaded(body.model);
      setResidency(body.model, body.keep_alive);
      const reason = keepAliveMs(body.keep_alive) === 0 ? 'unload' : 'load';
      const empty = isChat ? { message: { role: 'assistant', content: '' } } : { response: '' };
      return sendJson(response, 200, { model: body.model, created_at: createdAt(), ...empty, done: true, done_reason: reason });
    }
    const messages = isChat
      ? (body.messages as Record<string, unknown>[]).map((message) => ({
          role: String(message?.role ?? ''),
          content: String(message?.content ?? ''),
        }))
      : [
          ...(typeof body.system === 'string' && body.system !== '' ? [{ role: 'system', content: body.system }] : []),
          { role: 'user', content: prompt as string },
        ];
    return converse(recordChat(path, body, messages), response);
  }

  function handlePull(body: Record<string, unknown>, response: ServerResponse): void {
    const name = typeof body.model === 'string' ? body.model : body.name;
    if (typeof name !== 'string' || name === '') return sendJson(response, 400, { error: 'model is required' });
    const model = findModel(name) ?? { name, size: 1_000_000_000 };
    if (!findModel(name)) loopback.models.push(model);
    if (body.stream !== true) return sendJson(response, 200, { status: 'success' });
    const digest = `sha256:${digestOf(name)}`;
    const lines = [
      { status: 'pulling manifest' },
      ...[0, 0.5, 1].map((share) => ({ status: 'downloading', digest, total: model.size, completed: Math.round(model.size * share) })),
      { status: 'verifying sha256 digest' },
      { status: 'writing manifest' },
      { status: 'success' },
    ];
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    response.end(lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  }

  function handleShow(body: Record<string, unknown>, response: ServerResponse): void {
    const name = typeof body.model === 'string' ? body.model : body.name;
    const model = typeof name === 'string' ? findModel(name) : undefined;
    if (!model) return sendJson(response, 404, { error: `model '${String(name)}' not found` });
    const details = detailsOf(model, model.name);
    sendJson(response, 200, {
      modelfile: `# Modelfile generated by "ollama show"\nFROM ${model.name}\n`,
      parameters: 'stop "<|im_start|>"\nstop "<|im_end|>"',
      template: '{{ .Prompt }}',
      details,
      model_info: {
        'general.architecture': details.family,
        'general.parameter_count': Math.round(model.size / 0.6),
        [`${details.family}.context_length`]: model.contextLength ?? 32_768,
      },
      capabilities: ['completion', 'tools'],
      modified_at: createdAt(),
    });
  }

  function listModels() {
    return loopback.models.map((model) => ({
      name: model.name,
      model: model.name,
      modified_at: createdAt(),
      size: model.size,
      digest: digestOf(model.name),
      details: detailsOf(model, model.name),
    }));
  }

  function listLoaded() {
    const now = Date.now();
    for (const [name, state] of loopback.loaded) if (state.expiresAt !== undefined && state.expiresAt <= now) loopback.loaded.delete(name);
    return [...loopback.loaded].map(([name, state]) => {
      const model = findModel(name);
      return {
        name,
        model: name,
        size: model?.size ?? 0,
        size_vram: model?.size ?? 0,
        digest: digestOf(name),
        expires_at: new Date(state.expiresAt ?? Date.UTC(2318, 0, 1)).toISOString(),
        details: detailsOf(model, name),
        context_length: model?.contextLength ?? 32_768,
      };
    });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://loopback').pathname;
    const method = request.method ?? 'GET';
    const { body, invalid } = await readBody(request);
    loopback.requests.push({ path, method, body, at: Date.now() });
    const route = `${method} ${path}`;
    const object = (body ?? {}) as Record<string, unknown>;
    if (method === 'POST' && (invalid || typeof object !== 'object' || Array.isArray(object))) {
      return sendJson(response, 400, { error: 'invalid JSON body' });
    }
    switch (route) {
      case 'GET /':
      case 'HEAD /':
        response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void response.end('Ollama is running');
      case 'POST /api/chat':
      case 'POST /api/generate':
        return handleChat(path, object, response);
      case 'POST /api/pull':
        return handlePull(object, response);
      case 'POST /api/show':
        return handleShow(object, response);
      case 'GET /api/tags':
        return sendJson(response, 200, { models: listModels() });
      case 'GET /api/ps':
        return sendJson(response, 200, { models: listLoaded() });
      case 'GET /api/version':
        return sendJson(response, 200, { version: '0.12.0' });
      default:
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end('404 page not found');
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message });
      else response.destroy();
    });
  });
  loopback.url = await listenOnLoopback(server);
  // Destroying the sockets aborts every responder still waiting (see `converse`).
  loopback.close = closerOf(server);
  return loopback;
}
