import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The loopback Slack's Socket Mode side: the WebSocket that apps.connections.open points at.
 *
 * What @slack/socket-mode 3.1 (undici's WebSocket) expects, read from its dist:
 * - it counts itself connected (and `app.start()` resolves) only on `{ type: 'hello' }`;
 * - `{ type: 'disconnect' }` makes it close (code 1000) and, with auto-reconnect on, call
 *   apps.connections.open again after `clientPingTimeout × failures` ms (5 s by default);
 * - it pings every clientPingTimeout/3 ms and drops the link when no pong comes back (ws
 *   answers pings by itself); once the server has pinged, it expects another ping within
 *   serverPingTimeout (30 s), so this server pings every `pingIntervalMs`;
 * - it acks with `{ envelope_id, payload: { …ack body } }` — `payload` is `{}` for a bare ack().
 */

export type EnvelopeType = 'slash_commands' | 'events_api' | 'interactive';

export interface SocketEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: unknown;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
  /** Milliseconds from sending the envelope to receiving its ack. */
  receivedAfterMs: number;
}

export interface SocketSendOptions {
  retryAttempt?: number;
  retryReason?: string;
  /** How long to wait for the ack; default the server's `ackTimeoutMs` (3 s). */
  ackTimeoutMs?: number;
}

export interface LoopbackSocketMode {
  /** Sends an envelope to the newest connected client; resolves with its ack, rejects when none comes in time. */
  send(type: EnvelopeType, payload: unknown, options?: SocketSendOptions): Promise<SocketAck>;
  /** Resolves once a client is connected and has been sent hello (waits at most `timeoutMs`, default 10 s). */
  connected(timeoutMs?: number): Promise<void>;
  /** Clients connected now (hello sent, socket open). */
  connectionCount(): number;
  /** How many connections were accepted since the server started (reconnects included). */
  connectionsAccepted(): number;
  /** Every envelope sent, with its ack once it came. */
  envelopes(): { envelope: SocketEnvelope; ack?: SocketAck }[];
  /**
   * Drops every client: by default the way Slack recycles a link (a `disconnect` message, then the
   * client closes); `{ abrupt: true }` cuts the TCP connection instead. Resolves when all are closed.
   */
  disconnectClients(options?: { reason?: string; abrupt?: boolean }): Promise<void>;
}

export interface SocketModeServer extends LoopbackSocketMode {
  /** A fresh `ws://…/link/?ticket=…` URL; each ticket admits one connection. */
  issueUrl(): string;
  /** Takes over an HTTP upgrade for `/link/`; false when the path is not ours. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
}

interface PendingAck {
  envelope: SocketEnvelope;
  sentAt: number;
  resolve(ack: SocketAck): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Creates the Socket Mode endpoint; `origin()` is the HTTP server's `http://127.0.0.1:PORT`. */
export function createSocketModeServer(options: {
  origin(): string;
  appId: string;
  ackTimeoutMs?: number;
  pingIntervalMs?: number;
}): SocketModeServer {
  const ackTimeoutMs = options.ackTimeoutMs ?? 3000;
  const webSockets = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const ready: WebSocket[] = [];
  const pending = new Map<string, PendingAck>();
  const sent: { envelope: SocketEnvelope; ack?: SocketAck }[] = [];
  let waiters: (() => void)[] = [];
  let accepted = 0;

  const pinger = setInterval(() => ready.forEach((client) => client.ping('loopback')), options.pingIntervalMs ?? 10_000);
  pinger.unref();

  function onAck(text: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    const waiting = typeof message.envelope_id === 'string' ? pending.get(message.envelope_id) : undefined;
    if (!waiting) return;
    pending.delete(waiting.envelope.envelope_id);
    clearTimeout(waiting.timer);
    const ack: SocketAck = { envelope_id: waiting.envelope.envelope_id, receivedAfterMs: performance.now() - waiting.sentAt };
    if ('payload' in message) ack.payload = message.payload;
    const record = sent.find((entry) => entry.envelope === waiting.envelope);
    if (record) record.ack = ack;
    waiting.resolve(ack);
  }

  webSockets.on('connection', (client: WebSocket) => {
    accepted += 1;
    client.on('message', (data, isBinary) => {
      if (!isBinary) onAck(data.toString());
    });
    client.on('close', () => {
      const index = ready.indexOf(client);
      if (index >= 0) ready.splice(index, 1);
    });
    client.on('error', () => undefined);
    const hello = {
      type: 'hello',
      num_connections: ready.length + 1,
      debug_info: { host: 'applink-loopback', build_number: 1, approximate_connection_time: 18_060 },
      connection_info: { app_id: options.appId },
    };
    client.send(JSON.stringify(hello), () => {
      if (client.readyState !== client.OPEN) return;
      ready.push(client);
      const woken = waiters;
      waiters = [];
      woken.forEach((wake) => wake());
    });
  });

  async function connected(timeoutMs = 10_000): Promise<void> {
    if (ready.length > 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters = waiters.filter((waiter) => waiter !== wake);
        reject(new Error(`no Socket Mode client connected to the loopback Slack within ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      waiters.push(wake);
    });
  }

  async function send(type: EnvelopeType, payload: unknown, sendOptions: SocketSendOptions = {}): Promise<SocketAck> {
    await connected();
    const client = ready.at(-1)!;
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
    };
    if (type === 'events_api' || sendOptions.retryAttempt !== undefined) {
      envelope.retry_attempt = sendOptions.retryAttempt ?? 0;
      envelope.retry_reason = sendOptions.retryReason ?? '';
    }
    sent.push({ envelope });
    const timeoutMs = sendOptions.ackTimeoutMs ?? ackTimeoutMs;
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(envelope.envelope_id);
        reject(new Error(`no ack for ${type} envelope ${envelope.envelope_id} within ${timeoutMs} ms — did a listener call ack()?`));
      }, timeoutMs);
      pending.set(envelope.envelope_id, { envelope, sentAt: performance.now(), resolve, reject, timer });
      client.send(JSON.stringify(envelope));
    });
  }

  async function disconnectClients({ reason = 'refresh_requested', abrupt = false } = {}): Promise<void> {
    const clients = [...webSockets.clients];
    ready.length = 0;
    await Promise.all(
      clients.map(async (client) => {
        if (client.readyState === client.CLOSED) return;
        const closed = new Promise((resolve) => client.once('close', resolve));
        if (abrupt) {
          client.terminate();
        } else {
          client.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-loopback' } }));
          const force = setTimeout(() => client.terminate(), 3000);
          closed.finally(() => clearTimeout(force)).catch(() => undefined);
        }
        await closed;
      }),
    );
  }

  return {
    issueUrl() {
      const ticket = randomUUID();
      tickets.add(ticket);
      return `${options.origin().replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${options.appId}`;
    },
    handleUpgrade(request, socket, head) {
      const url = new URL(request.url ?? '/', 'http://loopback');
      if (url.pathname !== '/link/' && url.pathname !== '/link') return false;
      const ticket = url.searchParams.get('ticket') ?? '';
      if (!tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return true;
      }
      webSockets.handleUpgrade(request, socket, head, (client) => webSockets.emit('connection', client, request));
      return true;
    },
    send,
    connected,
    connectionCount: () => ready.length,
    connectionsAccepted: () => accepted,
    envelopes: () => [...sent],
    disconnectClients,
    async close() {
      clearInterval(pinger);
      for (const waiting of pending.values()) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error('the loopback Slack closed before the ack came'));
      }
      pending.clear();
      ready.length = 0;
      // Finish close handshakes (a stopping app may have just sent its close frame) rather than
      // cut them: @slack/socket-mode 3.1 leaks a 30 s close-handshake timer when its socket errors
      // while closing, which would hold the test process open.
      await Promise.all(
        [...webSockets.clients].map(async (client) => {
          if (client.readyState === client.CLOSED) return;
          const closed = new Promise((resolve) => client.once('close', resolve));
          if (client.readyState === client.OPEN) client.close(1001, 'loopback Slack closing');
          const force = setTimeout(() => client.terminate(), 1000);
          await closed;
          clearTimeout(force);
        }),
      );
      await new Promise<void>((resolve) => webSockets.close(() => resolve()));
    },
  };
}
