// Client side of the reflector protocol: sessions, raw TCP streams (HTTP Upgrade), WebSocket
// streams and UDP statistics. Every call has a deadline and an AbortSignal; a reflector that is
// down, filtered, or refuses our token becomes a PathError that says which.

import type { IncomingMessage } from 'node:http';
import { nodeHttp } from '../util/node-builtins.js';
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
  if (status === 401)
    return new PathError('http-error', 'application', `the reflector refused our token (HTTP 401) on ${what}`, UNAUTHORIZED);
  return new PathError('http-error', 'application', `the reflector answered HTTP ${status} on ${what}`, `HTTP_${status}`);
}

/**
 * The one ending of a request or an upgrade: the first of an answer, a failure, the deadline or an
 * abort wins, and whatever comes later finds it settled. `stop` tears the attempt down once it is.
 */
function exchange(
  opts: { signal?: AbortSignal; timeoutMs: number },
  reject: (err: unknown) => void,
  timeoutError: () => PathError,
  stop: () => void,
) {
  let settled = false;
  const settle = (fn: () => void) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    fn();
    stop();
  };
  const timer = setTimeout(() => settle(() => reject(timeoutError())), opts.timeoutMs);
  const onAbort = () => settle(() => reject(opts.signal?.reason));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    settle,
    get settled() {
      return settled;
    },
    /** A failure explained by the dial (its verdict arrives on its own schedule: the first one wins). */
    fail: (dial: ReturnType<typeof dialer>, phase: () => 'connect' | 'application') => (err: unknown) => {
      if (!settled) void dial.explain(err, phase()).then((e) => settle(() => reject(e)));
    },
    /** An HTTP answer where an upgrade was asked for. */
    refused: (res: IncomingMessage, what: string) => {
      res.on('error', () => undefined);
      res.resume();
      settle(() => reject(statusError(res.statusCode ?? 0, what)));
    },
  };
}

/** Largest control answer read: the UDP statistics of a long session (a bitmap per stream) fit well within it. */
const MAX_ANSWER_BYTES = 1 << 22;

function badAnswer(what: string): PathError {
  return new PathError('http-error', 'application', `the reflector ${what}`, 'PROBE_BAD_ANSWER');
}

/**
 * One JSON request/response exchange with the reflector. Settles exactly once, whatever the peer
 * does: an answer cut short, one that never ends, one larger than MAX_ANSWER_BYTES, silence (the
 * deadline) or an abort each reject with a PathError.
 */
export function probeRequest<T>(
  ep: ProbeEndpoint,
  method: string,
  path: string,
  opts: { signal?: AbortSignal; timeoutMs: number; headers?: Record<string, string> },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    let phase: 'connect' | 'application' = 'connect';
    const dial = dialer(ep);
    const req = nodeHttp().request(requestOptions(ep, method, path, opts.headers ?? {}, dial), (res: IncomingMessage) => {
      phase = 'application';
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('error', fail);
      const announced = Number(res.headers['content-length']);
      if (announced > MAX_ANSWER_BYTES)
        return x.settle(() => reject(badAnswer(`announced an answer of ${announced} bytes on ${method} ${path}`)));
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (bytes > MAX_ANSWER_BYTES)
          return x.settle(() => reject(badAnswer(`sent more than ${MAX_ANSWER_BYTES} bytes on ${method} ${path}`)));
        chunks.push(d);
      });
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) return x.settle(() => reject(statusError(res.statusCode ?? 0, `${method} ${path}`)));
        try {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
          x.settle(() => resolve(parsed));
        } catch {
          x.settle(() => reject(badAnswer('answered with something that is not JSON')));
        }
      });
      // 'close' without 'end': the answer was cut short (node:http says 'aborted' and no error).
      res.on('close', () => {
        if (!res.complete) x.settle(() => reject(badAnswer(`closed the connection in the middle of its answer to ${method} ${path}`)));
      });
    });
    const x = exchange(
      opts,
      reject,
      () => new PathError('timeout', phase, `no answer from the reflector within ${opts.timeoutMs} ms`, 'ETIMEDOUT'),
      () => req.destroy(),
    );
    const fail = x.fail(dial, () => phase);
    req.on('socket', (s: Socket) => s.once('connect', () => (phase = 'application')));
    req.on('error', fail);
    req.end();
  });
}

/** A finite number within [min, max], or undefined. */
function bounded(v: unknown, min: number, max: number): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : undefined;
}

export async function openSession(ep: ProbeEndpoint, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<ProbeSession> {
  const r = await probeRequest<unknown>(ep, 'POST', '/v1/session', opts);
  if (typeof r !== 'object' || r === null) throw badAnswer('answered the session request with something that is not a session');
  const a = r as { session?: unknown; udpPort?: unknown; limits?: unknown; qos?: unknown; qosReason?: unknown };
  if (typeof a.session !== 'string' || !/^[0-9a-f]{16}$/.test(a.session)) throw badAnswer('sent a malformed session id');
  const udpPort = bounded(a.udpPort, 1, 65535);
  if (udpPort === undefined || !Number.isInteger(udpPort))
    throw badAnswer(`named an impossible UDP port (${JSON.stringify(a.udpPort)?.slice(0, 20)})`);
  if (typeof a.limits !== 'object' || a.limits === null) throw badAnswer('sent a session without its limits');
  const l = a.limits as Record<string, unknown>;
  // Limits steer how hard the client sends: an absurd one is refused, a missing one takes the reflector's default.
  const limits = {
    maxTestMs: bounded(l.maxTestMs ?? 60_000, 1, 3_600_000),
    maxUdpPps: bounded(l.maxUdpPps ?? 5000, 1, 1_000_000),
    maxStreamsPerSession: bounded(l.maxStreamsPerSession ?? 32, 1, 1024),
  };
  if (limits.maxTestMs === undefined || limits.maxUdpPps === undefined || limits.maxStreamsPerSession === undefined)
    throw badAnswer(`sent impossible limits (${JSON.stringify(a.limits).slice(0, 120)})`);
  // A reflector that predates QoS tests leaves the field out; anything else must be false or TTLs.
  if (a.qos !== undefined && a.qos !== false && !isTtls(a.qos))
    throw badAnswer(`sent impossible QoS facts (${JSON.stringify(a.qos).slice(0, 80)})`);
  const qos = a.qos === false ? false : isTtls(a.qos) ? { ttl: a.qos.ttl, hopLimit: a.qos.hopLimit } : undefined;
  return {
    id: a.session,
    key: sessionKey(ep.token, a.session),
    udpPort,
    limits: limits as ProbeSession['limits'],
    ...(qos !== undefined ? { qos } : {}),
    ...(typeof a.qosReason === 'string' ? { qosReason: a.qosReason.slice(0, 64) } : {}),
  };
}

/** TTL and hop limit are 0–255 on the wire; −1 is the reflector's "not IPv6". */
function isTtls(v: unknown): v is { ttl: number; hopLimit: number } {
  const t = v as { ttl?: unknown; hopLimit?: unknown } | null;
  return (
    typeof v === 'object' &&
    t !== null &&
    Number.isInteger(t.ttl) &&
    bounded(t.ttl, -1, 255) !== undefined &&
    Number.isInteger(t.hopLimit) &&
    bounded(t.hopLimit, -1, 255) !== undefined
  );
}

export async function closeSession(ep: ProbeEndpoint, s: ProbeSession): Promise<void> {
  await probeRequest(ep, 'DELETE', `/v1/session/${s.id}`, { timeoutMs: 2000 }).catch(() => undefined);
}

/** How a bandwidth test got its turn on a scheduling reflector. */
export interface SlotWait {
  /** Where the session stood when it first asked: 0 when the slot was free. */
  position: number;
  waitedMs: number;
  /** The reflector's estimate of the wait, when it first answered with a place in the queue. */
  estimatedWaitMs?: number;
  /** The reflector does not schedule tests (an older one, or one run with no schedule). */
  unscheduled?: true;
}

/** PathError code: the test's turn did not come before its deadline. */
export const REFLECTOR_BUSY = 'PROBE_REFLECTOR_BUSY';
/** Longest a request for a slot is held by the reflector (it answers earlier with the place in the queue). */
const SLOT_POLL_MS = 15_000;

/**
 * Waits for this session's turn to load the path: asks the reflector for a slot of `leaseMs` and,
 * while others test, asks again (each request held by the reflector up to SLOT_POLL_MS) until it is
 * granted or `deadline` (ms since the epoch) passes. A reflector that predates scheduling has no
 * such resource (404): the test proceeds, unscheduled.
 */
export async function acquireSlot(
  ep: ProbeEndpoint,
  s: ProbeSession,
  opts: { leaseMs: number; deadline: number; signal?: AbortSignal },
): Promise<SlotWait> {
  const t0 = Date.now();
  let first: { position: number; estimatedWaitMs?: number } | undefined;
  for (let asked = 0; ; asked++) {
    const left = opts.deadline - Date.now();
    // However late, ask once: a free slot costs nothing to take.
    if (left <= 0 && asked > 0) {
      // Giving up is leaving the queue: the sites behind move up now, not when the place expires.
      await releaseSlot(ep, s);
      throw new PathError(
        'timeout',
        'application',
        `the reflector was busy with other sites' tests: no turn within ${Math.round((Date.now() - t0) / 1000)} s (position ${first?.position ?? '?'} when asked)`,
        REFLECTOR_BUSY,
      );
    }
    // The first ask is answered at once, so that the place in the queue is known; later ones wait.
    const waitMs = asked === 0 ? 0 : Math.max(0, Math.min(SLOT_POLL_MS, left - 1000));
    let answer: unknown;
    try {
      answer = await probeRequest<unknown>(ep, 'POST', `/v1/session/${s.id}/slot`, {
        timeoutMs: waitMs + 10_000,
        ...(opts.signal ? { signal: opts.signal } : {}),
        headers: { 'x-sr-duration-ms': String(Math.round(opts.leaseMs)), 'x-sr-wait-ms': String(waitMs) },
      });
    } catch (err) {
      if (err instanceof PathError && err.code === 'HTTP_404') return { position: 0, waitedMs: 0, unscheduled: true };
      if (opts.signal?.aborted && asked > 0) await releaseSlot(ep, s);
      throw err;
    }
    const a = answer as { granted?: unknown; position?: unknown; estimatedWaitMs?: unknown; unscheduled?: unknown } | null;
    if (typeof a !== 'object' || a === null || typeof a.granted !== 'boolean')
      throw badAnswer('answered a request for a test slot with something else');
    if (!a.granted) {
      const position = bounded(a.position, 1, 1_000_000);
      if (position === undefined || !Number.isInteger(position))
        throw badAnswer(`named an impossible place in its queue (${JSON.stringify(a.position)})`);
      const estimatedWaitMs = bounded(a.estimatedWaitMs, 0, 86_400_000);
      first ??= { position, ...(estimatedWaitMs !== undefined ? { estimatedWaitMs } : {}) };
      continue;
    }
    return {
      position: first?.position ?? 0,
      waitedMs: Date.now() - t0,
      ...(first?.estimatedWaitMs !== undefined ? { estimatedWaitMs: first.estimatedWaitMs } : {}),
      ...(a.unscheduled === true ? { unscheduled: true as const } : {}),
    };
  }
}

/** Gives the slot back so that the next site's test starts at once (the lease would end it anyway). */
export async function releaseSlot(ep: ProbeEndpoint, s: ProbeSession): Promise<void> {
  await probeRequest(ep, 'DELETE', `/v1/session/${s.id}/slot`, { timeoutMs: 2000 }).catch(() => undefined);
}

export interface RemoteUdpStream {
  received: number;
  duplicates: number;
  reordered: number;
  maxSeq: number;
  jitterMs: number;
  bitmap: string;
  /** Sequence number of the bitmap's bit 0 (0 until the anti-replay window moved on). */
  bitmapFrom: number;
  /** Probes older than the reflector's window, never answered (absent from older reflectors). */
  stale?: number;
  /** Probes per TOS byte they arrived with, from a reflector that reads marks. */
  tos?: Record<string, number>;
  ttl?: { min: number | null; max: number | null };
}

const U32 = 0xffffffff;
const count = (v: unknown) => (Number.isInteger(v) ? bounded(v, 0, U32) : undefined);
const ttlValue = (v: unknown) => (v === null ? null : Number.isInteger(v) ? bounded(v, 0, 255) : undefined);

/**
 * One stream of the `udp` answer, or undefined when it cannot be a reflector's tally (wrong types,
 * counts out of range, a bitmap that is not base64, TOS bytes or TTLs beyond 255): numbers from it
 * steer loss and QoS verdicts, so a nonsensical one is never believed.
 */
export function remoteStream(v: unknown): RemoteUdpStream | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const received = count(r.received);
  const duplicates = count(r.duplicates);
  const reordered = count(r.reordered);
  const maxSeq = Number.isInteger(r.maxSeq) ? bounded(r.maxSeq, -1, U32) : undefined;
  const jitterMs = bounded(r.jitterMs, 0, 3_600_000);
  const bitmap = typeof r.bitmap === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(r.bitmap) ? r.bitmap : undefined;
  // Both are newer than the first reflectors: absent means 0 and not counted.
  const bitmapFrom = count(r.bitmapFrom ?? 0);
  const stale = r.stale === undefined ? undefined : count(r.stale);
  if (
    received === undefined ||
    duplicates === undefined ||
    reordered === undefined ||
    maxSeq === undefined ||
    jitterMs === undefined ||
    bitmap === undefined ||
    bitmapFrom === undefined
  )
    return undefined;
  if (r.stale !== undefined && stale === undefined) return undefined;
  const out: RemoteUdpStream = {
    received,
    duplicates,
    reordered,
    maxSeq,
    jitterMs,
    bitmap,
    bitmapFrom,
    ...(stale !== undefined ? { stale } : {}),
  };
  if (r.tos !== undefined) {
    if (typeof r.tos !== 'object' || r.tos === null) return undefined;
    const tos: Record<string, number> = {};
    for (const [k, n] of Object.entries(r.tos)) {
      if (!/^\d{1,3}$/.test(k) || Number(k) > 255 || count(n) === undefined) return undefined;
      tos[k] = n as number;
    }
    out.tos = tos;
  }
  if (r.ttl !== undefined) {
    const t = r.ttl as { min?: unknown; max?: unknown } | null;
    const min = t && typeof t === 'object' ? ttlValue(t.min) : undefined;
    const max = t && typeof t === 'object' ? ttlValue(t.max) : undefined;
    if (min === undefined || max === undefined) return undefined;
    out.ttl = { min, max };
  }
  return out;
}

/**
 * The reflector's tally per stream. A tally that cannot be a reflector's (see remoteStream) is a
 * PROBE_BAD_ANSWER: the loss, jitter and marks judged from it would be invented.
 */
export async function udpStats(
  ep: ProbeEndpoint,
  s: ProbeSession,
  opts: { signal?: AbortSignal; timeoutMs: number },
): Promise<{ streams: Record<string, RemoteUdpStream> }> {
  const r = await probeRequest<unknown>(ep, 'GET', `/v1/session/${s.id}/udp`, opts);
  const raw = typeof r === 'object' && r !== null ? (r as { streams?: unknown }).streams : undefined;
  if (typeof raw !== 'object' || raw === null) throw badAnswer('answered the statistics request without statistics');
  const streams: Record<string, RemoteUdpStream> = {};
  for (const [id, v] of Object.entries(raw)) {
    const stream = remoteStream(v);
    if (!stream) throw badAnswer(`sent statistics that cannot be right (stream ${id.slice(0, 12)}: ${JSON.stringify(v)?.slice(0, 120)})`);
    streams[id] = stream;
  }
  return { streams };
}

/** The tally of a stream of `sent` probes: more received than sent cannot be this stream's. */
export function checkTally(stream: RemoteUdpStream | undefined, sent: number): void {
  if (stream && stream.received > sent) throw badAnswer(`counted ${stream.received} probes of a stream that sent ${sent}`);
}

/** Whether a failure of the statistics request is the reflector breaking the protocol (not a lost request). */
export function isBadAnswer(err: unknown): boolean {
  return err instanceof PathError && err.code === 'PROBE_BAD_ANSWER';
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
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    const path = '/v1/tcp';
    const dial = dialer(ep);
    let upgraded = false;
    const req = nodeHttp().request(
      requestOptions(
        ep,
        'GET',
        path,
        {
          connection: 'Upgrade',
          upgrade: TCP_UPGRADE,
          'x-sr-session': s.id,
          'x-sr-mode': mode,
          'x-sr-duration-ms': String(durationMs),
          ...opts.headers,
        },
        dial,
      ),
    );
    // The upgraded socket is the caller's: only a failed attempt is torn down.
    const x = exchange(
      opts,
      reject,
      () => new PathError('timeout', 'application', `no upgrade answer within ${opts.timeoutMs} ms`, 'ETIMEDOUT'),
      () => upgraded || req.destroy(),
    );
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      // node:http lets go of the socket here: until the caller listens, errors must land somewhere.
      socket.on('error', () => undefined);
      if (x.settled) return void socket.destroy();
      upgraded = true;
      socket.setNoDelay(true);
      if (head.length) socket.unshift(head);
      x.settle(() => resolve(socket));
    });
    req.on('response', (res: IncomingMessage) => x.refused(res, 'a TCP stream'));
    req.on(
      'error',
      x.fail(dial, () => 'connect'),
    );
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
        if (answer.length > MAX_UPGRADE_ANSWER_BYTES)
          finish(new PathError('http-error', 'application', 'the reflector sent no end to its upgrade answer', 'PROBE_BAD_ANSWER'));
        return;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(answer.toString('latin1', 0, Math.min(end + 2, 256)))?.[1] ?? 0);
      if (status !== 101) {
        return finish(
          status
            ? statusError(status, 'a TCP stream')
            : new PathError(
                'http-error',
                'application',
                'the reflector answered the upgrade with something that is not HTTP',
                'PROBE_BAD_ANSWER',
              ),
        );
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
    const onClose = () =>
      finish(
        new PathError('http-error', 'application', 'the reflector closed the connection before answering the upgrade', 'PROBE_BAD_ANSWER'),
      );
    const timer = setTimeout(
      () =>
        finish(
          new PathError(
            'timeout',
            tracked.phase() === 'established' ? 'application' : 'connect',
            `no upgrade answer within ${opts.timeoutMs} ms`,
            'ETIMEDOUT',
          ),
        ),
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
        socket.write(
          `GET ${path} HTTP/1.1\r\n${Object.entries(headers)
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('')}\r\n`,
        );
      },
      (err: unknown) => finish(err),
    );
  });
}

/** Largest WebSocket message read: the reflector's messages grow to 1 MiB (ndt7). */
const MAX_WS_MESSAGE_BYTES = 2 << 20;

export async function openWsStream(
  ep: ProbeEndpoint,
  s: ProbeSession,
  mode: 'download' | 'upload',
  durationMs: number,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<WebSocket> {
  const path = `/v1/ws?mode=${mode}`;
  const { default: WebSocketClass } = await import('ws');
  if (opts.signal?.aborted) throw opts.signal.reason;
  return new Promise((resolve, reject) => {
    const dial = dialer(ep);
    let open = false;
    const ws = new WebSocketClass(`ws://${ep.host}:${ep.port}${path}`, {
      headers: { authorization: authHeader(ep.token, 'GET', path), 'x-sr-session': s.id, 'x-sr-duration-ms': String(durationMs) },
      perMessageDeflate: false,
      maxPayload: MAX_WS_MESSAGE_BYTES,
      createConnection: dial.createConnection,
    });
    const x = exchange(
      opts,
      reject,
      () => new PathError('timeout', 'application', 'no WebSocket upgrade answer in time', 'WS_UPGRADE_TIMEOUT'),
      () => open || ws.terminate(),
    );
    ws.once('open', () => {
      open = true;
      x.settle(() => resolve(ws));
    });
    ws.once('unexpected-response', (_req, res) => x.refused(res, 'a WebSocket stream'));
    // For the socket's whole life, not once: ws may report a second error (a bad frame after a reset).
    ws.on(
      'error',
      x.fail(dial, () => 'connect'),
    );
  });
}
