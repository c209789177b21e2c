// The reflector (`siteready serve`): deployed on the far side of the path under test, it serves
// authenticated sessions for TCP and WebSocket throughput, TCP echo and UDP media-like probes —
// reading the DSCP mark and TTL each probe arrived with, and marking replies, where it can (QoS tests).
// Hostile input costs it little: nothing is answered before authentication, every buffer and
// table is bounded, a UDP reply is never larger than its probe, and sessions expire. It is meant
// to face the internet: connections that have not authenticated are capped per source and in
// total, cut at a deadline however they trickle, and never hold a slot an authenticated test needs.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { nodeHttp } from '../util/node-builtins.js';
import { Socket } from 'node:net';
import { resetSocket } from '../net/reset-socket.js';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  NonceCache,
  PUSH_MESSAGE,
  ReplayWindow,
  TCP_UPGRADE,
  UDP_CLIENT_FLAGS,
  UDP_FLAG_MARK_REPLY,
  UDP_FLAG_MARKS_READ,
  UDP_FLAG_REPLY_MARKED,
  UDP_TYPE_PROBE,
  UDP_TYPE_REPLY,
  encodeProbe,
  newSessionId,
  nowUs,
  peekProbe,
  sessionKey,
  verifyAuth,
  verifyProbeMac,
  type TcpMode,
} from './protocol.js';
import { countReads } from './count-reads.js';
import { QueueFullError, TestQueue } from './test-queue.js';
import { openReflectorUdp, type ArrivalMarks, type ReflectorUdp } from './reflector-udp.js';

export interface ReflectorLimits {
  maxSessions: number;
  sessionTtlMs: number;
  maxTestMs: number;
  /** Authenticated streams (TCP and WebSocket) open at once; connections still authenticating do not count. */
  maxConnections: number;
  /** Connections not authenticated yet, all sources together; the oldest is closed to make room. */
  maxPending: number;
  /** Connections not authenticated yet from one source (an IPv4 address, an IPv6 /64); its oldest is closed to make room. */
  maxPendingPerSource: number;
  /** From connecting to an authenticated request (headers complete, MAC valid): slower connections are closed. */
  authTimeoutMs: number;
  maxStreamsPerSession: number;
  /** UDP probes accepted per second per session (token bucket); beyond that they are dropped. */
  maxUdpPps: number;
  /** The anti-replay window of a UDP stream, in sequence numbers (a bitmap): probes older than it are not answered. */
  maxUdpSeq: number;
  /** Longest a push stream may stay idle before the reflector speaks (idle-timeout tests). */
  maxIdleMs: number;
  /**
   * Bandwidth tests (download and upload streams) run at once, each by a session holding a slot;
   * the others wait their turn. 0: no schedule — any session may load the path at any time.
   */
  maxConcurrentTests: number;
  /** Sessions that may wait for a slot; beyond that a request for one is refused (429). */
  maxQueuedTests: number;
}

export const DEFAULT_LIMITS: ReflectorLimits = {
  maxSessions: 16,
  sessionTtlMs: 10 * 60_000,
  maxTestMs: 60_000,
  maxConnections: 128,
  maxPending: 256,
  maxPendingPerSource: 64,
  authTimeoutMs: 5000,
  maxStreamsPerSession: 32,
  maxUdpPps: 5000,
  maxUdpSeq: 1 << 20,
  maxIdleMs: 30 * 60_000,
  maxConcurrentTests: 1,
  maxQueuedTests: 64,
};

/** The longest a request for a slot is held before it is answered with the place in the queue. */
const SLOT_POLL_MAX_MS = 20_000;

export interface ReflectorOptions {
  host: string;
  port: number;
  /** Default: the same number as the TCP port. */
  udpPort?: number;
  token: string;
  limits?: Partial<ReflectorLimits>;
  log?: (entry: Record<string, unknown>) => void;
  /** Read and set DSCP marks on the UDP port when the DSCP module is available (default true). */
  qos?: boolean;
}

export interface UdpStreamStats {
  received: number;
  duplicates: number;
  /** Probes older than the anti-replay window: never answered, since they cannot be told from replays. */
  stale: number;
  reordered: number;
  window: ReplayWindow;
  /** Probes per TOS byte they arrived with (when the reflector can read marks). */
  tos?: Uint32Array;
  ttlMin?: number;
  ttlMax?: number;
  lastTransitUs?: bigint;
  /** RFC 3550 §6.4.1 interarrival jitter of the client → reflector direction, µs. */
  jitterUs: number;
  firstRecvUs?: bigint;
}

interface Session {
  id: string;
  key: Buffer;
  createdAt: number;
  expiresAt: number;
  streams: number;
  udp: Map<number, UdpStreamStats>;
  bucket: { tokens: number; at: number };
}

export interface RunningReflector {
  host: string;
  port: number;
  udpPort: number;
  /** Whether the UDP port reads and sets DSCP marks (the DSCP module is loaded). */
  qos: boolean;
  stats(): ReflectorStats;
  close(): Promise<void>;
}

export interface ReflectorStats {
  sessions: number;
  /** Every open TCP connection. */
  connections: number;
  /** Connections not authenticated yet. */
  pending: number;
  /** Authenticated streams. */
  streams: number;
  udpDropped: number;
  udpReplied: number;
  authFailures: number;
  /** Unauthenticated connections closed to make room (per-source or total limit). */
  evicted: number;
  /** Connections closed at the authentication deadline. */
  timedOut: number;
  /** Authenticated streams refused because `maxConnections` were open. */
  streamsRefused: number;
  /** Bandwidth tests holding a slot now, and sessions waiting for one. */
  testsRunning: number;
  testsWaiting: number;
}

const CHUNK = Buffer.alloc(256 * 1024, 0x5a);
/** An authenticated control exchange: a stats answer can be megabytes on a slow link. */
const CONTROL_DEADLINE_MS = 60_000;

type Closing = 'source-limit' | 'total-limit' | 'deadline';

/**
 * Connections that have not authenticated yet, oldest first. A source keeps at most `perSource`
 * of them and all sources together `max`; making room closes the oldest (of the same source
 * first), so a flood or a slowloris costs its sender its own earlier connections, while a client
 * whose request follows its handshake at once (every real client) has authenticated long before
 * it could be the oldest. Each has `deadlineMs` from arrival, whatever it sends meanwhile.
 */
export class PendingConnections<T> {
  private readonly all = new Map<T, { source: string; at: number }>();
  private readonly bySource = new Map<string, Set<T>>();

  constructor(
    private readonly limits: { max: number; perSource: number; deadlineMs: number },
    private readonly close: (conn: T, why: Closing) => void,
  ) {}

  get size(): number {
    return this.all.size;
  }

  get sources(): number {
    return this.bySource.size;
  }

  add(conn: T, source: string, now: number): void {
    const same = this.bySource.get(source);
    if (same && same.size >= this.limits.perSource) this.evict(same.values().next().value as T, 'source-limit');
    if (this.all.size >= this.limits.max) this.evict(this.all.keys().next().value as T, 'total-limit');
    this.all.set(conn, { source, at: now });
    let set = this.bySource.get(source);
    if (!set) this.bySource.set(source, (set = new Set()));
    set.add(conn);
  }

  /** Authenticated or closed: no longer counted, no deadline. */
  delete(conn: T): boolean {
    const entry = this.all.get(conn);
    if (!entry) return false;
    this.all.delete(conn);
    const set = this.bySource.get(entry.source)!;
    set.delete(conn);
    if (!set.size) this.bySource.delete(entry.source);
    return true;
  }

  /** Closes every connection past its deadline; the oldest come first, so this stops at the first that is not. */
  expire(now: number): void {
    for (const [conn, { at }] of this.all) {
      if (now - at < this.limits.deadlineMs) return;
      this.evict(conn, 'deadline');
    }
  }

  private evict(conn: T, why: Closing): void {
    this.delete(conn);
    this.close(conn, why);
  }
}

/** What a per-source limit counts by: the address, or for IPv6 its /64 (one subscriber's prefix). */
export function sourceOf(address: string | undefined): string {
  if (!address) return 'unknown';
  const bare = address.split('%', 1)[0]!.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return mapped[1]!;
  if (!bare.includes(':')) return bare;
  const [head = '', tail] = bare.split('::', 2) as [string, string | undefined];
  const groups = head ? head.split(':') : [];
  if (tail !== undefined) {
    const after = tail ? tail.split(':') : [];
    // An embedded IPv4 address at the end stands for two groups.
    const width = after.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
    groups.push(...Array<string>(Math.max(0, 8 - groups.length - width)).fill('0'), ...after);
  }
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

export async function startReflector(opts: ReflectorOptions): Promise<RunningReflector> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const log = opts.log ?? (() => undefined);
  const sessions = new Map<string, Session>();
  const nonces = new NonceCache();
  const counters = { udpDropped: 0, udpReplied: 0, authFailures: 0, evicted: 0, timedOut: 0, streamsRefused: 0 };
  const openSockets = new Set<Duplex>();
  /** Authenticated TCP and WebSocket streams open now (limits.maxConnections). */
  let streams = 0;
  const timers = new Set<NodeJS.Timeout>();
  /** A timer that close() clears; the returned function cancels it and forgets it (a reflector runs for months). */
  const later = (ms: number, fn: () => void): (() => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return () => {
      clearTimeout(t);
      timers.delete(t);
    };
  };

  const pending = new PendingConnections<Duplex>(
    { max: limits.maxPending, perSource: limits.maxPendingPerSource, deadlineMs: limits.authTimeoutMs },
    (sock, why) => {
      if (why === 'deadline') counters.timedOut++;
      else counters.evicted++;
      const count = counters.timedOut + counters.evicted;
      // Logged at most once per 1000: whoever makes us close connections must not fill the log too.
      if (count % 1000 === 1)
        log({
          level: 'warn',
          msg: 'unauthenticated connection closed',
          why,
          from: sock instanceof Socket ? sock.remoteAddress : undefined,
          evicted: counters.evicted,
          timedOut: counters.timedOut,
        });
      sock.destroy();
    },
  );
  // Deadlines to a quarter of a second: one timer for every connection still authenticating.
  const deadlines = setInterval(() => pending.expire(performance.now()), 250);
  deadlines.unref();

  const tests = new TestQueue({
    concurrent: Math.max(1, limits.maxConcurrentTests),
    maxQueued: limits.maxQueuedTests,
    // Both directions of a test at the longest, and their set-up.
    maxLeaseMs: 2 * limits.maxTestMs + 10_000,
    abandonAfterMs: 2 * SLOT_POLL_MAX_MS,
    later,
    onGrant: (session, waitedMs, waiting) => log({ level: 'info', msg: 'test slot granted', session, waitedMs, waiting }),
  });
  const scheduled = limits.maxConcurrentTests > 0;
  const endSession = (id: string) => {
    sessions.delete(id);
    tests.release(id);
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, s] of sessions) if (s.expiresAt < now) endSession(id);
  }, 5000);
  sweep.unref();

  /**
   * An authenticated connection leaves the pending pool: never closed to make room, no
   * authentication deadline. Streams bring their own deadlines; control exchanges get `deadlineMs`.
   */
  const admit = (sock: Duplex, deadlineMs?: number) => {
    pending.delete(sock);
    if (deadlineMs !== undefined)
      sock.once(
        'close',
        later(deadlineMs, () => sock.destroy()),
      );
  };

  const authFailed = (why: string, req: IncomingMessage) => {
    counters.authFailures++;
    // Logged at most once per 100 failures: a flood must not flood the log too.
    if (counters.authFailures % 100 === 1)
      log({ level: 'warn', msg: 'authentication failed', why, from: req.socket.remoteAddress, count: counters.authFailures });
  };
  const authenticate = (req: IncomingMessage): boolean => {
    const failure = verifyAuth(opts.token, header(req, 'authorization'), req.method ?? 'GET', req.url ?? '/', nonces);
    if (failure) authFailed(failure, req);
    return !failure;
  };
  const sessionOf = (req: IncomingMessage): Session | undefined => {
    const id = header(req, 'x-sr-session');
    const s = id ? sessions.get(id) : undefined;
    return s && s.expiresAt > Date.now() ? s : undefined;
  };

  const server: Server = nodeHttp().createServer({ maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 5000 }, (req, res) => {
    if (!authenticate(req)) return reply(res, 401, { error: 'unauthorized' });
    admit(req.socket, CONTROL_DEADLINE_MS);
    const url = new URL(req.url ?? '/', 'http://reflector');
    if (req.method === 'POST' && url.pathname === '/v1/session') {
      req.resume();
      if (sessions.size >= limits.maxSessions) return reply(res, 429, { error: 'too many sessions' });
      const id = newSessionId();
      const now = Date.now();
      sessions.set(id, {
        id,
        key: sessionKey(opts.token, id),
        createdAt: now,
        expiresAt: now + limits.sessionTtlMs,
        streams: 0,
        udp: new Map(),
        bucket: { tokens: limits.maxUdpPps, at: now },
      });
      log({ level: 'info', msg: 'session opened', session: id, from: req.socket.remoteAddress });
      return reply(res, 201, {
        session: id,
        udpPort,
        limits,
        serverTimeMs: now,
        qos: udp.qos,
        ...(udp.qosReason ? { qosReason: udp.qosReason } : {}),
      });
    }
    const m = /^\/v1\/session\/([0-9a-f]{16})(\/udp|\/slot)?$/.exec(url.pathname);
    const s = m ? sessions.get(m[1]!) : undefined;
    if (!m || !s) return reply(res, 404, { error: 'no such session' });
    if (m[2] === '/slot') {
      req.resume();
      if (req.method === 'DELETE') {
        tests.release(s.id);
        return reply(res, 200, { released: true });
      }
      if (req.method !== 'POST') return reply(res, 405, { error: 'method not allowed' });
      if (!scheduled) return reply(res, 200, { granted: true, leaseMs: limits.maxTestMs, unscheduled: true });
      const leaseMs = Math.max(100, Number(header(req, 'x-sr-duration-ms') ?? limits.maxTestMs) || limits.maxTestMs);
      const waitMs = Math.min(SLOT_POLL_MAX_MS, Math.max(0, Number(header(req, 'x-sr-wait-ms') ?? 0) || 0));
      let state;
      try {
        state = tests.request(s.id, leaseMs);
      } catch (err) {
        if (err instanceof QueueFullError) {
          log({ level: 'warn', msg: 'test slot refused: the queue is full', session: s.id, waiting: tests.waiting });
          return reply(res, 429, { error: 'too many sessions waiting for a test slot' });
        }
        throw err;
      }
      if (state.granted || waitMs === 0) return reply(res, state.granted ? 200 : 202, state);
      // Held until the slot is this session's or the wait is over; a client that hangs up stops it.
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      void tests.wait(s.id, waitMs, gone.signal).then((now) => {
        if (!res.destroyed) reply(res, now.granted ? 200 : 202, now);
      });
      return;
    }
    if (req.method === 'GET' && m[2]) {
      const streams: Record<string, unknown> = {};
      for (const [stream, st] of s.udp) {
        const { from, bitmap } = st.window.snapshot();
        streams[stream] = {
          received: st.received,
          duplicates: st.duplicates,
          stale: st.stale,
          reordered: st.reordered,
          maxSeq: st.window.top,
          jitterMs: st.jitterUs / 1000,
          bitmap: bitmap.toString('base64'),
          bitmapFrom: from,
          ...(st.tos ? { tos: tosHistogram(st.tos), ttl: { min: st.ttlMin ?? null, max: st.ttlMax ?? null } } : {}),
        };
      }
      return reply(res, 200, { streams });
    }
    if (req.method === 'DELETE' && !m[2]) {
      endSession(s.id);
      log({ level: 'info', msg: 'session closed', session: s.id });
      return reply(res, 200, { closed: s.id });
    }
    return reply(res, 405, { error: 'method not allowed' });
  });
  // No server.maxConnections: a cap over every connection is one an unauthenticated flood fills.
  server.on('connection', (sock: Socket) => {
    sock.on('error', () => undefined);
    openSockets.add(sock);
    pending.add(sock, sourceOf(sock.remoteAddress), performance.now());
    sock.once('close', () => {
      openSockets.delete(sock);
      pending.delete(sock);
    });
    sock.setKeepAlive(false);
  });
  server.on('clientError', (_err, sock) => sock.destroy());

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 << 20, perMessageDeflate: false });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (!authenticate(req)) return refuse(socket, 401);
    const session = sessionOf(req);
    if (!session) return refuse(socket, 404);
    if (session.streams >= limits.maxStreamsPerSession) return refuse(socket, 429);
    if (streams >= limits.maxConnections) {
      counters.streamsRefused++;
      return refuse(socket, 503);
    }
    const url = new URL(req.url ?? '/', 'http://reflector');
    const durationMs = Math.min(limits.maxTestMs, Math.max(100, Number(header(req, 'x-sr-duration-ms') ?? 10_000) || 10_000));
    admit(socket);
    session.streams++;
    streams++;
    socket.once('close', () => {
      session.streams--;
      streams--;
    });
    const upgrade = (header(req, 'upgrade') ?? '').toLowerCase();
    // Loading the path is for the session whose turn it is: the others would measure each other.
    const loads = (url.pathname === '/v1/tcp' && /^(download|upload)$/.test(header(req, 'x-sr-mode') ?? '')) || url.pathname === '/v1/ws';
    if (scheduled && loads && !tests.holds(session.id)) return refuse(socket, 409);
    if (url.pathname === '/v1/tcp' && upgrade === TCP_UPGRADE) {
      const mode = header(req, 'x-sr-mode') as TcpMode | undefined;
      if (mode !== 'download' && mode !== 'upload' && mode !== 'echo' && mode !== 'push') return refuse(socket, 400);
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${TCP_UPGRADE}\r\nConnection: Upgrade\r\n\r\n`);
      if (head.length) socket.unshift(head);
      if (mode === 'push') {
        const after = Math.min(limits.maxIdleMs, Math.max(0, Number(header(req, 'x-sr-push-after-ms') ?? 0) || 0));
        return servePush(socket, after);
      }
      return serveTcp(socket, mode, durationMs);
    }
    if (url.pathname === '/v1/ws' && upgrade === 'websocket') {
      const mode = url.searchParams.get('mode');
      if (mode !== 'download' && mode !== 'upload') return refuse(socket, 400);
      return wss.handleUpgrade(req, socket, head, (ws) => (mode === 'download' ? wsDownload(ws, durationMs) : wsUpload(ws, durationMs)));
    }
    return refuse(socket, 404);
  });

  /** Idle, then one message from the server: does a flow idle this long still carry server push? */
  function servePush(socket: Duplex, afterMs: number) {
    socket.resume();
    const push = later(afterMs, () => {
      if (!socket.destroyed) socket.write(PUSH_MESSAGE);
    });
    const deadline = later(afterMs + 10_000, () => socket.destroy());
    socket.once('close', () => {
      push();
      deadline();
    });
  }

  function serveTcp(socket: Duplex, mode: TcpMode, durationMs: number) {
    socket.once(
      'close',
      later(durationMs + 2000, () => socket.destroy()),
    );
    if (mode === 'echo') {
      socket.pipe(socket);
      return;
    }
    if (mode === 'download') {
      const end = Date.now() + durationMs;
      let closed = false;
      socket.once('close', () => (closed = true));
      const finish = () => {
        if (closed) return;
        closed = true;
        // A reset, not a FIN: what is still in the kernel's send buffer (megabytes per stream once
        // autotuning has seen a bloated round trip) would otherwise take seconds more to drain
        // through the bottleneck, holding the client past the test and filling the queue that the
        // next measurement must find empty.
        if (!(socket instanceof Socket && resetSocket(socket))) socket.end();
      };
      // On time even while waiting for 'drain': with many streams sharing a slow link, the next
      // one can be seconds away.
      socket.once('close', later(durationMs, finish));
      const pump = () => {
        // Write until the kernel buffer is full, then wait for 'drain': no unbounded queue.
        while (!closed && Date.now() < end) {
          if (!socket.write(CHUNK)) return void socket.once('drain', pump);
        }
        finish();
      };
      socket.resume();
      pump();
      return;
    }
    // upload: the receiver's count is the truth; report it per 100 ms interval when the client ends.
    const t0 = Date.now();
    const intervals: Array<[number, number]> = [];
    let bytes = 0;
    let bucketEnd = 100;
    let bucketBytes = 0;
    const flushTo = (elapsed: number) => {
      while (elapsed >= bucketEnd) {
        intervals.push([bucketEnd, bucketBytes]);
        bucketBytes = 0;
        bucketEnd += 100;
        if (intervals.length > 10 * 600) break;
      }
    };
    const count = (n: number) => {
      flushTo(Date.now() - t0);
      bytes += n;
      bucketBytes += n;
    };
    if (!(socket instanceof Socket && countReads(socket, count))) socket.on('data', (chunk: Buffer) => count(chunk.length));
    const finish = () => {
      const elapsed = Date.now() - t0;
      flushTo(elapsed);
      if (bucketBytes) intervals.push([elapsed, bucketBytes]);
      socket.end(`${JSON.stringify({ bytes, elapsedMs: elapsed, intervals })}\n`);
    };
    socket.once('end', finish);
    socket.once(
      'close',
      later(durationMs + 1000, () => {
        if (!socket.writableEnded) finish();
      }),
    );
  }

  function wsDownload(ws: WebSocket, durationMs: number) {
    // ndt7 (M-Lab): binary messages starting at 8 KiB, doubled while smaller than 1/16 of what
    // was sent so far (up to 1 MiB), with measurement messages about every 250 ms.
    const t0 = process.hrtime.bigint();
    let size = 1 << 13;
    let sent = 0;
    let lastMeasure = 0n;
    let closed = false;
    ws.on('close', () => (closed = true));
    ws.on('error', () => undefined);
    const elapsedUs = () => (process.hrtime.bigint() - t0) / 1000n;
    const loop = () => {
      while (!closed && ws.bufferedAmount < 4 * size) {
        const el = elapsedUs();
        if (el >= BigInt(durationMs) * 1000n) return void ws.close(1000);
        if (el - lastMeasure >= 250_000n) {
          lastMeasure = el;
          ws.send(JSON.stringify({ AppInfo: { ElapsedTime: Number(el), NumBytes: sent } }));
        }
        ws.send(CHUNK.subarray(0, Math.min(size, CHUNK.length)), { binary: true });
        sent += size;
        if (size < 1 << 20 && size < sent / 16) size *= 2;
      }
      if (!closed) setImmediate(loop);
    };
    loop();
    ws.once(
      'close',
      later(durationMs + 2000, () => ws.terminate()),
    );
  }

  function wsUpload(ws: WebSocket, durationMs: number) {
    const t0 = process.hrtime.bigint();
    let received = 0;
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) received += data.length;
    });
    const tick = setInterval(() => {
      const el = Number((process.hrtime.bigint() - t0) / 1000n);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ AppInfo: { ElapsedTime: el, NumBytes: received } }));
      if (el >= durationMs * 1000) {
        clearInterval(tick);
        ws.close(1000);
      }
    }, 250);
    ws.on('close', () => clearInterval(tick));
    ws.once(
      'close',
      later(durationMs + 2000, () => ws.terminate()),
    );
  }

  // ---- UDP ------------------------------------------------------------------------------------
  function onProbe(msg: Buffer, from: { address: string; port: number }, marks: ArrivalMarks | undefined): void {
    const recvUs = nowUs();
    const p = peekProbe(msg);
    const s = p && p.type === UDP_TYPE_PROBE ? sessions.get(p.session) : undefined;
    if (!p || !s || s.expiresAt < Date.now() || !verifyProbeMac(s.key, msg)) {
      counters.udpDropped++;
      return;
    }
    let st = s.udp.get(p.stream);
    if (!st) {
      if (s.udp.size >= limits.maxStreamsPerSession) {
        counters.udpDropped++;
        return;
      }
      st = { received: 0, duplicates: 0, stale: 0, reordered: 0, jitterUs: 0, window: new ReplayWindow(limits.maxUdpSeq) };
      s.udp.set(p.stream, st);
    }
    // Before the rate limit, so that replayed copies do not spend the session's budget.
    const verdict = st.window.check(p.seq);
    if (verdict !== 'new') {
      // A copy made on the way up, or a replay: counted here, never answered — the client counts
      // duplicated replies itself, so a reply would count the upstream copy a second time.
      if (verdict === 'duplicate') st.duplicates++;
      else st.stale++;
      counters.udpDropped++;
      return;
    }
    if (!takeToken(s)) {
      counters.udpDropped++;
      return;
    }
    st.window.record(p.seq);
    st.received++;
    if (p.seq < st.window.top) st.reordered++;
    // RFC 3550 §6.4.1: J += (|D(i-1,i)| − J) / 16 over the transit-time differences.
    const transit = recvUs - p.clientSendUs;
    if (st.lastTransitUs !== undefined) {
      const d = Number(transit - st.lastTransitUs);
      st.jitterUs += (Math.abs(d) - st.jitterUs) / 16;
    }
    st.lastTransitUs = transit;
    // Only the client's own flags travel back; the reflector says what it read and how it marked.
    p.flags &= UDP_CLIENT_FLAGS;
    p.tos = 0;
    p.ttl = 0;
    if (marks) {
      const tos = marks.tos & 0xff;
      const ttl = Math.max(0, Math.min(255, marks.ttl));
      st.tos ??= new Uint32Array(256);
      st.tos[tos]!++;
      if (marks.ttl >= 0) {
        st.ttlMin = Math.min(st.ttlMin ?? 255, ttl);
        st.ttlMax = Math.max(st.ttlMax ?? 0, ttl);
      }
      p.tos = tos;
      p.ttl = ttl;
      p.flags |= UDP_FLAG_MARKS_READ;
    }
    // The reply carries the class the client asked for (DSCP bits only: ECN is the path's business).
    let replyTos = -1;
    if (p.flags & UDP_FLAG_MARK_REPLY && udp.qos) {
      replyTos = (p.replyTos ?? 0) & 0xfc;
      p.flags |= UDP_FLAG_REPLY_MARKED;
    }
    p.type = UDP_TYPE_REPLY;
    p.serverRecvUs = recvUs;
    p.serverReceived = st.received;
    p.serverSendUs = nowUs();
    // The reply reuses the probe's own buffer: same size as the probe, by construction.
    const out = encodeProbe(s.key, p, msg.length, msg);
    udp.send(out, from.port, from.address, replyTos);
    counters.udpReplied++;
  }

  function takeToken(s: Session): boolean {
    const now = Date.now();
    s.bucket.tokens = Math.min(limits.maxUdpPps, s.bucket.tokens + ((now - s.bucket.at) * limits.maxUdpPps) / 1000);
    s.bucket.at = now;
    if (s.bucket.tokens < 1) return false;
    s.bucket.tokens -= 1;
    return true;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const tcpPort = (server.address() as { port: number }).port;
  const wantUdp = opts.udpPort ?? tcpPort;
  let udp: ReflectorUdp;
  try {
    udp = await openReflectorUdp({ host: opts.host, port: wantUdp, marks: opts.qos ?? true, onProbe, log });
  } catch (err) {
    server.close();
    throw err;
  }
  const udpPort = udp.port;
  log({ level: 'info', msg: 'reflector listening', host: opts.host, tcpPort, udpPort, qos: udp.qos !== false });

  return {
    host: opts.host,
    port: tcpPort,
    udpPort,
    qos: udp.qos !== false,
    stats: () => ({
      sessions: sessions.size,
      connections: openSockets.size,
      pending: pending.size,
      streams,
      ...counters,
      testsRunning: tests.running,
      testsWaiting: tests.waiting,
    }),
    close: async () => {
      clearInterval(sweep);
      clearInterval(deadlines);
      for (const t of timers) clearTimeout(t);
      for (const s of openSockets) s.destroy();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await Promise.all([new Promise<void>((r) => server.close(() => r())), udp.close()]);
      log({ level: 'info', msg: 'reflector stopped' });
    },
  };
}

/** Non-empty entries only: {"184": 200} for 200 probes that arrived marked EF. */
function tosHistogram(counts: Uint32Array): Record<string, number> {
  const out: Record<string, number> = {};
  counts.forEach((n, tos) => {
    if (n) out[tos] = n;
  });
  return out;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
}

function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  setTimeout(() => socket.destroy(), 1000).unref();
}
