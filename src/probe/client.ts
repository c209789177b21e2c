// Client side of the reflector protocol: sessions, raw TCP streams (HTTP Upgrade), WebSocket
// streams and UDP statistics. Every call has a deadline and an AbortSignal; a reflector that is
// down, filtered, or refuses our token becomes a PathError that says which.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { PathError, toPathError } from '../net/classify.js';
import { dialTracked } from '../net/dial.js';
import { TCP_UPGRADE, authHeader, sessionKey, type TcpMode } from './protocol.js';

export interface ProbeEndpoint {
  /** Address to connect to (already resolved). */
  address: string;
  port: number;
  /** Host header value (the name the site file used). */
  host: string;
  token: string;
  connectTimeoutMs: number;
}

export interface ProbeSession {
  id: string;
  key: Buffer;
  udpPort: number;
  limits: { maxTestMs: number; maxUdpPps: number; maxStreamsPerSession: number };
  /**
   * Whether the reflector reads the marks probes arrive with and marks its replies: its initial
   * TTL / hop limit when it does, false (with the reason code) when it cannot, undefined from a
   * reflector that predates QoS tests.
   */
  qos?: { ttl: number; hopLimit: number } | false;
  qosReason?: string;
}

export const UNAUTHORIZED = 'PROBE_UNAUTHORIZED';

/**
 * Dials for node:http and ws, keeping the dial's own verdict: when the handshake gets no answer the
 * dial closes the socket without an error, and all node:http or ws see is "socket hang up".
 */
function dialer(ep: ProbeEndpoint) {
  let dialError: PathError | undefined;
  let settled: Promise<void> = Promise.resolve();
  return {
    createConnection: () => {
      const t = dialTracked({ address: ep.address, port: ep.port, connectTimeoutMs: ep.connectTimeoutMs });
      settled = t.ready.then(
        () => undefined,
        (err: unknown) => void (dialError = toPathError(err, 'connect')),
      );
      return t.socket as never;
    },
    /** What to report for a failed request: the dial's failure when it never connected. */
    async explain(err: unknown, phase: 'connect' | 'application'): Promise<PathError> {
      // A failed dial has settled by the time its closed socket fails the request.
      await Promise.race([settled, new Promise((r) => setImmediate(r))]);
      if (err instanceof PathError) return err;
      // ECONNCLOSED: the socket was closed under the dial (an abort), which says nothing of the path.
      return dialError && dialError.code !== 'ECONNCLOSED' ? dialError : toPathError(err, phase);
    },
  };
}

function requestOptions(ep: ProbeEndpoint, method: string, path: string, headers: Record<string, string>, dial: ReturnType<typeof dialer>) {
  return {
    method,
    path,
    host: ep.host,
    port: ep.port,
    headers: { host: `${ep.host}:${ep.port}`, authorization: authHeader(ep.token, method, path), ...headers },
    createConnection: dial.createConnection,
  };
}

function statusError(status: number, what: string): PathError {
  if (status === 401) return new PathError('http-error', 'application', `the reflector refused our token (HTTP 401) on ${what}`, UNAUTHORIZED);
  return new PathError('http-error', 'application', `the reflector answered HTTP ${status} on ${what}`, `HTTP_${status}`);
}

/** One JSON request/response exchange with the reflector. */
export function probeRequest<T>(ep: ProbeEndpoint, method: string, path: string, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let phase: 'connect' | 'application' = 'connect';
    const dial = dialer(ep);
    const req = httpRequest(requestOptions(ep, method, path, {}, dial), (res: IncomingMessage) => {
      phase = 'application';
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (body.length > 1 << 22) req.destroy(new Error('reflector answer too large'));
      });
      res.on('end', () => {
        clearTimeout(timer);
        if ((res.statusCode ?? 0) >= 300) return reject(statusError(res.statusCode ?? 0, `${method} ${path}`));
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          reject(new PathError('http-error', 'application', 'the reflector answered with something that is not JSON', 'PROBE_BAD_ANSWER'));
        }
      });
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer from the reflector within ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })), opts.timeoutMs);
    req.on('socket', (s: Socket) => s.once('connect', () => (phase = 'application')));
    req.on('error', (err) => {
      clearTimeout(timer);
      void dial.explain(err, phase).then(reject);
    });
    opts.signal?.addEventListener('abort', () => req.destroy(opts.signal?.reason as Error), { once: true });
    req.end();
  });
}

export async function openSession(ep: ProbeEndpoint, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<ProbeSession> {
  const r = await probeRequest<{ session: string; udpPort: number; limits: ProbeSession['limits']; qos?: unknown; qosReason?: unknown }>(ep, 'POST', '/v1/session', opts);
  if (!/^[0-9a-f]{16}$/.test(r.session)) throw new PathError('http-error', 'application', 'the reflector sent a malformed session id', 'PROBE_BAD_ANSWER');
  const qos = r.qos === false ? false : isTtls(r.qos) ? { ttl: r.qos.ttl, hopLimit: r.qos.hopLimit } : undefined;
  return {
    id: r.session,
    key: sessionKey(ep.token, r.session),
    udpPort: r.udpPort,
    limits: r.limits,
    ...(qos !== undefined ? { qos } : {}),
    ...(typeof r.qosReason === 'string' ? { qosReason: r.qosReason.slice(0, 64) } : {}),
  };
}

function isTtls(v: unknown): v is { ttl: number; hopLimit: number } {
  return typeof v === 'object' && v !== null && typeof (v as { ttl?: unknown }).ttl === 'number' && typeof (v as { hopLimit?: unknown }).hopLimit === 'number';
}

export async function closeSession(ep: ProbeEndpoint, s: ProbeSession): Promise<void> {
  await probeRequest(ep, 'DELETE', `/v1/session/${s.id}`, { timeoutMs: 2000 }).catch(() => undefined);
}

export interface RemoteUdpStream {
  received: number;
  duplicates: number;
  reordered: number;
  maxSeq: number;
  jitterMs: number;
  bitmap: string;
  /** Probes per TOS byte they arrived with, from a reflector that reads marks. */
  tos?: Record<string, number>;
  ttl?: { min: number | null; max: number | null };
}

export function udpStats(ep: ProbeEndpoint, s: ProbeSession, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<{ streams: Record<string, RemoteUdpStream> }> {
  return probeRequest(ep, 'GET', `/v1/session/${s.id}/udp`, opts);
}

/** A raw TCP stream in the given mode, after the HTTP Upgrade handshake. */
export function openTcpStream(
  ep: ProbeEndpoint,
  s: ProbeSession,
  mode: TcpMode,
  durationMs: number,
  opts: { signal?: AbortSignal; timeoutMs: number; headers?: Record<string, string> },
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const path = '/v1/tcp';
    const dial = dialer(ep);
    const req = httpRequest(
      requestOptions(ep, 'GET', path, {
        connection: 'Upgrade',
        upgrade: TCP_UPGRADE,
        'x-sr-session': s.id,
        'x-sr-mode': mode,
        'x-sr-duration-ms': String(durationMs),
        ...opts.headers,
      }, dial),
    );
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('no upgrade answer in time'), { code: 'ETIMEDOUT' })), opts.timeoutMs);
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      res.resume();
      reject(statusError(res.statusCode ?? 0, 'a TCP stream'));
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      void dial.explain(err, 'connect').then(reject);
    });
    opts.signal?.addEventListener('abort', () => req.destroy(opts.signal?.reason as Error), { once: true });
    req.end();
  });
}

/** Size of the one buffer a counting stream reads into: a full loopback read is 64 KiB. */
const COUNTING_READ_BYTES = 256 * 1024;
const MAX_UPGRADE_ANSWER_BYTES = 16 * 1024;

/**
 * A download stream whose bytes are counted and dropped: the socket reads into one reused buffer
 * (net.connect's `onread`) instead of a new 64 KiB Buffer per read, which above a few Gbit/s
 * costs the receiver half its CPU in allocation and garbage collection (BENCHMARKS.md,
 * Throughput). node:http's client needs 'data' events, so the Upgrade request is written and its
 * answer read here. `onBytes` sees every payload byte, from the first one after the 101 answer.
 */
export function openCountingTcpDownload(
  ep: ProbeEndpoint,
  s: ProbeSession,
  durationMs: number,
  opts: { signal?: AbortSignal; timeoutMs: number },
  onBytes: (bytes: number) => void,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let answer: Buffer | undefined = Buffer.alloc(0);
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.off('close', onClose);
      if (!err) return resolve(socket as Socket);
      socket.destroy();
      reject(err);
    };
    // Returning false would stop reading; every path here keeps reading.
    const onRead = (n: number, buf: Uint8Array): boolean => {
      read(n, buf);
      return true;
    };
    const read = (n: number, buf: Uint8Array): void => {
      if (!answer) return onBytes(n);
      answer = Buffer.concat([answer, buf.subarray(0, n)]);
      const end = answer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (answer.length > MAX_UPGRADE_ANSWER_BYTES) finish(new PathError('http-error', 'application', 'the reflector sent no end to its upgrade answer', 'PROBE_BAD_ANSWER'));
        return;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(answer.toString('latin1', 0, Math.min(end + 2, 256)))?.[1] ?? 0);
      if (status !== 101) {
        return finish(status ? statusError(status, 'a TCP stream') : new PathError('http-error', 'application', 'the reflector answered the upgrade with something that is not HTTP', 'PROBE_BAD_ANSWER'));
      }
      const early = answer.length - end - 4;
      answer = undefined;
      finish();
      if (early > 0) onBytes(early);
    };
    const tracked = dialTracked({
      address: ep.address,
      port: ep.port,
      connectTimeoutMs: ep.connectTimeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onread: { buffer: Buffer.allocUnsafe(COUNTING_READ_BYTES), callback: onRead },
    });
    const socket = tracked.socket;
    const onAbort = () => finish(opts.signal?.reason ?? new Error('aborted'));
    const onClose = () => finish(new PathError('http-error', 'application', 'the reflector closed the connection before answering the upgrade', 'PROBE_BAD_ANSWER'));
    const timer = setTimeout(
      () => finish(new PathError('timeout', tracked.phase() === 'established' ? 'application' : 'connect', `no upgrade answer within ${opts.timeoutMs} ms`, 'ETIMEDOUT')),
      opts.timeoutMs,
    );
    socket.on('error', () => undefined);
    tracked.ready.then(
      () => {
        if (settled) return;
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        socket.once('close', onClose);
        const path = '/v1/tcp';
        const headers: Record<string, string> = {
          Host: `${ep.host}:${ep.port}`,
          Authorization: authHeader(ep.token, 'GET', path),
          Connection: 'Upgrade',
          Upgrade: TCP_UPGRADE,
          'X-SR-Session': s.id,
          'X-SR-Mode': 'download',
          'X-SR-Duration-Ms': String(durationMs),
        };
        socket.write(`GET ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      },
      (err: unknown) => finish(err),
    );
  });
}

export async function openWsStream(ep: ProbeEndpoint, s: ProbeSession, mode: 'download' | 'upload', durationMs: number, opts: { timeoutMs: number }): Promise<WebSocket> {
  const path = `/v1/ws?mode=${mode}`;
  const { default: WebSocketClass } = await import('ws');
  return new Promise((resolve, reject) => {
    const dial = dialer(ep);
    const ws = new WebSocketClass(`ws://${ep.host}:${ep.port}${path}`, {
      headers: { authorization: authHeader(ep.token, 'GET', path), 'x-sr-session': s.id, 'x-sr-duration-ms': String(durationMs) },
      perMessageDeflate: false,
      maxPayload: 16 << 20,
      createConnection: dial.createConnection,
    });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new PathError('timeout', 'application', 'no WebSocket upgrade answer in time', 'WS_UPGRADE_TIMEOUT'));
    }, opts.timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      reject(statusError(res.statusCode ?? 0, 'a WebSocket stream'));
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      void dial.explain(err, 'connect').then(reject);
    });
  });
}
