import { Agent, interceptors, request, type Dispatcher } from 'undici';

type Fetch = typeof fetch;

export interface BufferedFetchOptions {
  /**
   * How long to wait for an answer's headers, and between the chunks of its body; 0 waits
   * as long as the caller's signal allows. undici's default, as the global `fetch`'s, is
   * 300 s each.
   */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

/** A body undici's `request` can send as it is, with the content type `fetch` would give it. */
interface PlainBody {
  bytes: string | Uint8Array | undefined;
  contentType?: string;
}

function plainBody(body: RequestInit['body']): PlainBody | undefined {
  if (body === undefined || body === null) return { bytes: undefined };
  if (typeof body === 'string') return { bytes: body, contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) return { bytes: body.toString(), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (body instanceof Uint8Array) return { bytes: body };
  if (body instanceof ArrayBuffer) return { bytes: new Uint8Array(body) };
  return undefined; // FormData, Blob, a stream: the global fetch handles those
}

/** Statuses whose Response must have no body. */
const noBodyStatuses = new Set([101, 103, 204, 205, 304]);

/**
 * `fetch` for tandem's request-and-answer HTTP clients (Slack's WebClient, the Ollama
 * clients): undici's `request` under the WHATWG shape they call, with the whole answer
 * read before it resolves. The global `fetch` costs about a millisecond of CPU more per
 * call (its WHATWG streams), and the gateway makes several calls for every task beside
 * the acks it owes Slack. Redirects are followed as `fetch` follows them (or refused, or
 * handed back, as `redirect` says). Streamed answers (a model pull's progress) need the
 * global `fetch`; so do bodies other than text and bytes, and `Request` objects, which are
 * passed to it.
 */
export function createBufferedFetch(options: BufferedFetchOptions = {}): Fetch {
  const agent = new Agent({ headersTimeout: options.headersTimeoutMs, bodyTimeout: options.bodyTimeoutMs });
  const following: Dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 20 }));
  return async (input, init = {}) => {
    const body = plainBody(init.body);
    if (input instanceof Request || body === undefined) return fetch(input, init);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    if (body.contentType && body.bytes !== undefined && headers['content-type'] === undefined) headers['content-type'] = body.contentType;

    const redirect = init.redirect ?? 'follow';
    const answer = await request(input, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body: body.bytes,
      signal: init.signal ?? undefined,
      dispatcher: redirect === 'follow' ? following : agent,
    });
    const bytes = await answer.body.arrayBuffer();
    if (redirect === 'error' && answer.statusCode >= 300 && answer.statusCode < 400 && answer.headers.location !== undefined) {
      throw new TypeError(`fetch failed: ${String(input)} redirected with ${answer.statusCode}`);
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const each of value) responseHeaders.append(name, each);
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    const empty = noBodyStatuses.has(answer.statusCode) || method === 'HEAD';
    return new Response(empty ? null : bytes, { status: answer.statusCode, headers: responseHeaders });
  };
}

/** `createBufferedFetch()` with undici's deadlines, for calls that answer within minutes. */
export const bufferedFetch: Fetch = createBufferedFetch();

/**
 * `bufferedFetch` without undici's deadlines, for model calls. A chat that is not streamed
 * sends no headers until the whole answer is written, so the 300 s deadline for headers
 * (the global fetch's too) would end every answer slower than five minutes with "fetch
 * failed" (ollama/ollama-js#72, #144). Each model client's own time limit bounds its calls.
 */
export const modelCallFetch: Fetch = createBufferedFetch({ headersTimeoutMs: 0, bodyTimeoutMs: 0 });
