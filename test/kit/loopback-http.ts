import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on a free 127.0.0.1 port; resolves to `http://127.0.0.1:PORT`. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * An idempotent close for a loopback server: stops listening and destroys open
 * connections, so answers still waiting (a slow responder) end at once.
 */
export function closerOf(server: Server): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
}

/** A request's JSON body; `invalid` when it is not JSON (then `body` is the text). */
export async function readJsonBody(request: import('node:http').IncomingMessage): Promise<{ body: unknown; invalid: boolean }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { body: undefined, invalid: false };
  try {
    return { body: JSON.parse(text) as unknown, invalid: false };
  } catch {
    return { body: text, invalid: true };
  }
}
