// An OTLP/HTTP export against scripted receivers on loopback: what is sent, what each kind of
// answer becomes, which answers are retried and how long the export may take.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtoMessage } from '../../src/report/otlp/protobuf.js';
import { retryDelay, sendMetrics } from '../../src/report/otlp/send.js';

const payload = { body: Buffer.from([0x0a, 0x00]), contentType: 'application/x-protobuf', points: 1 };
const servers: Array<Server | TcpServer> = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function listen(server: Server | TcpServer): Promise<string> {
  servers.push(server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/v1/metrics`)),
  );
}

/** A receiver that answers the n-th request (from 0) with answers[n] (the last one repeated). */
async function receiver(answers: Array<(res: ServerResponse) => void>): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    req.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      answers[Math.min(seen.length - 1, answers.length - 1)]!(res);
    });
  });
  return { url: await listen(server), seen };
}

const ok = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
const status =
  (code: number, headers: Record<string, string> = {}, body = '') =>
  (res: ServerResponse) =>
    res.writeHead(code, headers).end(body);

describe('sendMetrics', () => {
  it('POSTs the payload with its content type and the given headers', async () => {
    const r = await receiver([ok]);
    const out = await sendMetrics({ url: r.url, headers: { authorization: 'Bearer t0ken-value' }, payload, timeoutMs: 5000 });
    expect(out).toEqual({ attempts: 1, ok: true, status: 200 });
    expect(r.seen).toHaveLength(1);
    expect(r.seen[0]!.method).toBe('POST');
    expect(r.seen[0]!.url).toBe('/v1/metrics');
    expect(r.seen[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(r.seen[0]!.headers.authorization).toBe('Bearer t0ken-value');
    expect(r.seen[0]!.headers['user-agent']).toMatch(/^siteready\//);
    expect(r.seen[0]!.body).toEqual(payload.body);
  });

  it('retries 429, 502, 503 and 504 as Retry-After says, then succeeds', async () => {
    const r = await receiver([
      status(503, { 'retry-after': '0' }),
      status(429, { 'retry-after': new Date(Date.now() - 1000).toUTCString() }),
      status(502, { 'retry-after': '0' }),
      status(504, { 'retry-after': '0' }),
      ok,
    ]);
    const out = await sendMetrics({ url: r.url, headers: {}, payload, timeoutMs: 5000 });
    expect(out).toEqual({ attempts: 5, ok: true, status: 200 });
  });

  it('does not retry other failures, and says what the receiver said', async () => {
    const rpcStatus = new ProtoMessage().string(2, 'metric name is invalid').encode();
    for (const [answer, message] of [
      [status(400, { 'content-type': 'application/x-protobuf' }, rpcStatus.toString('latin1')), 'metric name is invalid'],
      [status(401, { 'content-type': 'application/json' }, '{"code":16,"message":"no\\nentry"}'), 'no entry'],
      [status(500, { 'content-type': 'text/plain' }, 'out of disk\n'), 'out of disk'],
      [status(404), undefined],
    ] as const) {
      const r = await receiver([answer]);
      const out = await sendMetrics({ url: r.url, headers: {}, payload, timeoutMs: 5000 });
      expect(out).toMatchObject({ attempts: 1, ok: false, reason: 'http', ...(message ? { message } : {}) });
      expect(r.seen).toHaveLength(1);
    }
  });

  it('gives up at once when Retry-After asks for a wait past the deadline', async () => {
    const r = await receiver([status(429, { 'retry-after': '3600' })]);
    const t0 = Date.now();
    const out = await sendMetrics({ url: r.url, headers: {}, payload, timeoutMs: 3000 });
    expect(out).toEqual({ attempts: 1, ok: false, reason: 'http', status: 429, gaveUp: true });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('reports a partial success in either encoding', async () => {
    // ExportMetricsServiceResponse { partial_success (1) { rejected_data_points (1) = 2; error_message (2) } }
    const protoAnswer = Buffer.concat([Buffer.from('0a10080212' + '0c', 'hex'), Buffer.from('two rejected')]);
    const r1 = await receiver([status(200, { 'content-type': 'application/x-protobuf' }, protoAnswer.toString('latin1'))]);
    expect(await sendMetrics({ url: r1.url, headers: {}, payload, timeoutMs: 5000 })).toEqual({
      attempts: 1,
      ok: true,
      status: 200,
      partial: { rejected: '2', message: 'two rejected' },
    });
    const r2 = await receiver([
      status(200, { 'content-type': 'application/json' }, '{"partialSuccess":{"rejectedDataPoints":"7","errorMessage":"bad label"}}'),
    ]);
    expect(await sendMetrics({ url: r2.url, headers: {}, payload, timeoutMs: 5000 })).toMatchObject({
      ok: true,
      partial: { rejected: '7', message: 'bad label' },
    });
    const r3 = await receiver([status(200, { 'content-type': 'application/json' }, '{"partialSuccess":{}}')]);
    expect(await sendMetrics({ url: r3.url, headers: {}, payload, timeoutMs: 5000 })).toEqual({ attempts: 1, ok: true, status: 200 });
  });

  it('a refused connection is a network failure, not retried', async () => {
    const r = await receiver([ok]);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const out = await sendMetrics({ url: r.url, headers: {}, payload, timeoutMs: 5000 });
    expect(out).toMatchObject({ attempts: 1, ok: false, reason: 'network' });
    expect((out as { message: string }).message).toMatch(/ECONNREFUSED/);
  });

  it('a receiver that never answers, or answers without end, is cut off at the deadline', async () => {
    const url = await listen(createTcpServer(() => undefined));
    let t0 = Date.now();
    expect(await sendMetrics({ url, headers: {}, payload, timeoutMs: 700 })).toEqual({ attempts: 1, ok: false, reason: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(2500);
    const trickle = await receiver([
      (res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('.'), 50);
        res.on('close', () => clearInterval(timer));
      },
    ]);
    t0 = Date.now();
    expect(await sendMetrics({ url: trickle.url, headers: {}, payload, timeoutMs: 700 })).toEqual({
      attempts: 1,
      ok: false,
      reason: 'timeout',
    });
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('an answer larger than 4 MiB is discarded, not read into memory', async () => {
    const r = await receiver([(res) => res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.alloc(5 * 1024 * 1024, 32))]);
    expect(await sendMetrics({ url: r.url, headers: {}, payload, timeoutMs: 5000 })).toEqual({
      attempts: 1,
      ok: false,
      reason: 'too-large',
    });
  });

  it('stops when the caller aborts', async () => {
    const r = await receiver([status(503, { 'retry-after': '2' })]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const out = await sendMetrics({ url: r.url, headers: {}, payload, timeoutMs: 10_000, signal: controller.signal });
    expect(out).toEqual({ attempts: 1, ok: false, reason: 'aborted' });
  });
});

describe('retryDelay', () => {
  it('takes Retry-After in seconds or as a date, else backs off exponentially with jitter', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    expect(retryDelay('7', 1, now)).toBe(7000);
    expect(retryDelay('Sun, 01 Mar 2026 00:00:30 GMT', 1, now)).toBe(30_000);
    expect(retryDelay('Sat, 28 Feb 2026 00:00:00 GMT', 1, now)).toBe(0);
    for (const [attempt, max] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [6, 8000],
    ] as const) {
      const d = retryDelay(undefined, attempt, now);
      expect(d).toBeGreaterThanOrEqual(max / 2);
      expect(d).toBeLessThanOrEqual(max);
    }
    expect(retryDelay('soon', 1, now)).toBeLessThanOrEqual(1000);
  });
});
