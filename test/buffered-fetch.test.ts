import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { bufferedFetch, createBufferedFetch } from '../src/buffered-fetch.ts';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let origin: string;
const received: Received[] = [];
const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
  const chunks: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  incoming.on('end', () => {
    received.push({ method: incoming.method!, url: incoming.url!, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (incoming.url === '/json') {
      outgoing.setHeader('content-type', 'application/json');
      outgoing.setHeader('set-cookie', ['a=1', 'b=2']);
      outgoing.end(JSON.stringify({ ok: true, echo: Buffer.concat(chunks).toString('utf8') }));
    } else if (incoming.url === '/empty') {
      outgoing.writeHead(204).end();
    } else if (incoming.url === '/moved') {
      outgoing.writeHead(302, { location: '/json' }).end();
    } else if (incoming.url === '/slow') {
      setTimeout(() => outgoing.end('late'), 2_000);
    } else {
      outgoing.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing');
    }
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a request and its answer keep method, headers, body, status and repeated headers', async () => {
  const response = await bufferedFetch(`${origin}/json`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tandem': 'yes' }, body: '{"a":1}' });
  assert.equal(response.status, 200);
  assert.equal(response.ok, true);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2']);
  assert.deepEqual(await response.json(), { ok: true, echo: '{"a":1}' });
  const sent = received.at(-1)!;
  assert.equal(sent.method, 'POST');
  assert.equal(sent.headers['x-tandem'], 'yes');
  assert.equal(sent.headers['content-type'], 'application/json');
});

test('a form or text body gets the content type fetch would give it; bytes are sent as they are', async () => {
  await bufferedFetch(`${origin}/json`, { method: 'POST', body: new URLSearchParams({ channel: 'C1', text: 'a b' }) });
  assert.equal(received.at(-1)!.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
  assert.equal(received.at(-1)!.body, 'channel=C1&text=a+b');
  await bufferedFetch(`${origin}/json`, { method: 'POST', body: 'plain' });
  assert.equal(received.at(-1)!.headers['content-type'], 'text/plain;charset=UTF-8');
  await bufferedFetch(`${origin}/json`, { method: 'PUT', body: new TextEncoder().encode('bytes') });
  assert.equal(received.at(-1)!.method, 'PUT');
  assert.equal(received.at(-1)!.body, 'bytes');
});

test('error statuses and empty answers come back as Responses, not exceptions', async () => {
  const missing = await bufferedFetch(`${origin}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.ok, false);
  assert.equal(await missing.text(), 'no such thing');
  const empty = await bufferedFetch(`${origin}/empty`, { method: 'DELETE' });
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
});

test('redirects are followed as fetch follows them, or refused when the caller says error', async () => {
  const followed = await bufferedFetch(`${origin}/moved`);
  assert.equal(followed.status, 200);
  assert.equal((await followed.json()).ok, true);
  await assert.rejects(bufferedFetch(`${origin}/moved`, { redirect: 'error' }), TypeError);
  const manual = await bufferedFetch(`${origin}/moved`, { redirect: 'manual' });
  assert.equal(manual.status, 302);
  assert.equal(manual.headers.get('location'), '/json');
});

test('an abort signal stops the call, and an unreachable server rejects', async () => {
  const started = Date.now();
  await assert.rejects(bufferedFetch(`${origin}/slow`, { signal: AbortSignal.timeout(100) }));
  assert.ok(Date.now() - started < 1_500, 'the call ended when the signal aborted');
  await assert.rejects(bufferedFetch('http://127.0.0.1:1/json'));
});

test('a body it does not send itself (a form with files) goes through the global fetch', async () => {
  const form = new FormData();
  form.append('file', new Blob(['hello']), 'hello.txt');
  const response = await bufferedFetch(`${origin}/json`, { method: 'POST', body: form });
  assert.equal(response.status, 200);
  assert.match(received.at(-1)!.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
  assert.match(received.at(-1)!.body, /filename="hello.txt"[\s\S]*hello/);
});

test('a deadline for the headers ends a silent call; without one, the call waits as long as its signal allows', async () => {
  // `/slow` writes its headers after 2 s, as Ollama does for a chat answered whole.
  const impatient = createBufferedFetch({ headersTimeoutMs: 300 });
  const started = Date.now();
  await assert.rejects(impatient(`${origin}/slow`), (error: Error & { code?: string }) => error.code === 'UND_ERR_HEADERS_TIMEOUT');
  assert.ok(Date.now() - started < 1_500, 'it gave up at its deadline');
  const patient = createBufferedFetch({ headersTimeoutMs: 0, bodyTimeoutMs: 0 });
  const answer = await patient(`${origin}/slow`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(await answer.text(), 'late');
});
