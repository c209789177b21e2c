// The reflector under hostile or broken input. Nothing is answered before authentication; replayed
// and stale requests are refused; UDP that is not a valid probe of a live session gets no answer
// at all (a reflector must not be a reflection amplifier); a valid probe gets a reply exactly its
// own size, and never twice, whatever its sequence number; connections that do not authenticate
// are capped per source, cut at the deadline however they trickle, and never take an
// authenticated stream's place; a flood leaves it answering, within a stated memory bound. And from the other side: a
// reflector that is absent, filtered or refuses our token gives `siteready assess` findings, not
// a hang.

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, requireTool } from '../helpers/cli.js';
import { createNetns, netnsSupported, type Netns } from '../helpers/netns.js';
import {
  assess,
  delay,
  reportValidator,
  startProcess,
  tempDir,
  writeSite,
  type Peer,
  type Report,
  type TempDir,
} from '../helpers/peers.js';
import { closeSession, openSession, openTcpStream, type ProbeEndpoint, type ProbeSession } from '../../src/probe/client.js';
import {
  AUTH_SKEW_MS,
  TCP_UPGRADE,
  UDP_MAX_BYTES,
  UDP_TYPE_PROBE,
  UDP_TYPE_REPLY,
  authHeader,
  encodeProbe,
  newSessionId,
  nowUs,
  peekProbe,
  sessionKey,
  verifyProbeMac,
  type UdpProbe,
} from '../../src/probe/protocol.js';
import { startReflector, type ReflectorLimits, type RunningReflector } from '../../src/probe/server.js';
import { runUdpStream } from '../../src/probe/udp-stream.js';

const TOKEN = `abuse-test-${process.pid}-0123456789abcdef`;
/** How long "no reply" waits: a loopback reply takes well under a millisecond. */
const SILENCE_MS = 300;
/**
 * The reflector's memory bound under a flood. An idle `siteready serve` is ~55–60 MiB (node itself);
 * what a flood could add is bounded by the limits: garbage is dropped without allocating state,
 * and per-stream state is a 128 KiB bitmap, at most 32 streams × 16 sessions = 64 MiB even if an
 * authenticated client used every one. 150 MiB leaves room for both and flags any per-datagram growth.
 */
const RSS_BOUND_MIB = 150;

// ---- small clients --------------------------------------------------------------------------

interface HttpAnswer {
  status: number;
  body: string;
}

function rawRequest(port: number, method: string, path: string, headers: Record<string, string>): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // An upgrade that is refused arrives as a response; one that is accepted would be a bug here.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, body: '' });
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer')));
    req.end();
  });
}

/** A stream of the reflector's `udp` answer as it is on the wire (the client keeps only the fields it reads). */
async function wireStats(port: number, session: ProbeSession, stream: number): Promise<Record<string, unknown>> {
  const path = `/v1/session/${session.id}/udp`;
  const r = await rawRequest(port, 'GET', path, { authorization: authHeader(TOKEN, 'GET', path) });
  expect(r.status).toBe(200);
  return (jsonOf(r.body).streams as Record<string, Record<string, unknown>>)[stream] ?? {};
}

function jsonOf(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A UDP socket that collects every datagram it receives. */
async function udpClient(recvBufferSize?: number): Promise<{ sock: UdpSocket; received: Buffer[]; close(): Promise<void> }> {
  const sock = createSocket({ type: 'udp4', ...(recvBufferSize ? { recvBufferSize } : {}) });
  const received: Buffer[] = [];
  sock.on('message', (m) => received.push(m));
  sock.on('error', () => undefined);
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { sock, received, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

function send(sock: UdpSocket, b: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) => sock.send(b, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

/** Sends a batch; a socket's sends complete in order, so waiting for the last one waits for all. */
function sendBatch(sock: UdpSocket, batch: Buffer[], port: number): Promise<void> {
  for (const b of batch.slice(0, -1)) sock.send(b, port, '127.0.0.1');
  return send(sock, batch[batch.length - 1]!, port);
}

function probe(session: string, seq: number, over: Partial<UdpProbe> = {}): UdpProbe {
  return {
    type: UDP_TYPE_PROBE,
    flags: 0,
    tos: 0,
    ttl: 0,
    session,
    stream: 1,
    seq,
    clientSendUs: nowUs(),
    serverRecvUs: 0n,
    serverSendUs: 0n,
    serverReceived: 0,
    ...over,
  };
}

async function startLoopbackReflector(limits?: Partial<ReflectorLimits>): Promise<RunningReflector> {
  // Port 0 for TCP; UDP takes the same number, which may be in use: try again then.
  for (let attempt = 0; ; attempt++) {
    try {
      return await startReflector({ host: '127.0.0.1', port: 0, token: TOKEN, ...(limits ? { limits } : {}) });
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }
}

async function startReflectorProcess(tokenFile: string): Promise<{ peer: Peer; port: number; udpPort: number }> {
  let last: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const peer = await startProcess(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--quiet'], {
        name: 'reflector',
        ready: /reflector on \S+:\d+ \(tcp\) and \S+:\d+ \(udp\)/,
        timeoutMs: 15_000,
      });
      const m = /reflector on \S+:(\d+) \(tcp\) and \S+:(\d+) \(udp\)/.exec(peer.output())!;
      return { peer, port: Number(m[1]), udpPort: Number(m[2]) };
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

interface RawConnection {
  sock: Socket;
  /** When the reflector closed it, ms after connecting; undefined while open. */
  closedAfterMs?: number;
}

/** A TCP connection from `localAddress` (loopback has all of 127.0.0.0/8) that says nothing unless told to. */
function rawConnect(localAddress: string, port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const sock = connect({ host: '127.0.0.1', port, localAddress });
    const c: RawConnection = { sock };
    const timer = setTimeout(() => sock.destroy(new Error(`no connection from ${localAddress} within 5 s`)), 5000);
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(c);
    });
    sock.once('close', () => (c.closedAfterMs = performance.now() - t0));
  });
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(20);
  }
}

/** VmRSS and VmHWM (peak) of a process, MiB. */
async function memoryOf(pid: number): Promise<{ rssMiB: number; hwmMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

// ---- in-process reflector: authentication and UDP hygiene ----------------------------------

describe('reflector: authentication', () => {
  let reflector: RunningReflector | undefined;

  beforeAll(async () => {
    reflector = await startLoopbackReflector();
  });
  afterAll(async () => {
    await reflector?.close();
  });

  it('unauthenticated requests get 401 and open nothing', async () => {
    const port = reflector!.port;
    const attempts: Array<[string, string, Record<string, string>]> = [
      ['POST', '/v1/session', {}],
      ['POST', '/v1/session', { authorization: 'Bearer nope' }],
      ['POST', '/v1/session', { authorization: authHeader('not-the-token-0123456789abcdef', 'POST', '/v1/session') }],
      // A valid MAC for another request does not open a session.
      ['POST', '/v1/session', { authorization: authHeader(TOKEN, 'GET', '/v1/session') }],
      ['POST', '/v1/session', { authorization: authHeader(TOKEN, 'POST', '/v1/session?x=1') }],
      ['GET', '/v1/session/0123456789abcdef/udp', {}],
      ['DELETE', '/v1/session/0123456789abcdef', {}],
      ['GET', '/', {}],
      ['GET', '/v1/tcp', { connection: 'Upgrade', upgrade: TCP_UPGRADE, 'x-sr-mode': 'download' }],
      [
        'GET',
        '/v1/ws?mode=download',
        {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
        },
      ],
    ];
    for (const [method, path, headers] of attempts) {
      const r = await rawRequest(port, method, path, headers);
      expect(r.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
      expect(jsonOf(r.body)).not.toHaveProperty('session');
    }
    expect(reflector!.stats()).toMatchObject({ sessions: 0, authFailures: attempts.length });
  });

  it('a replayed authorization header (same nonce) is refused; the first use worked', async () => {
    const h = authHeader(TOKEN, 'POST', '/v1/session');
    const first = await rawRequest(reflector!.port, 'POST', '/v1/session', { authorization: h });
    expect(first.status).toBe(201);
    expect(JSON.parse(first.body).session).toMatch(/^[0-9a-f]{16}$/);
    const sessions = reflector!.stats().sessions;
    const again = await rawRequest(reflector!.port, 'POST', '/v1/session', { authorization: h });
    expect(again.status).toBe(401);
    expect(reflector!.stats().sessions).toBe(sessions);
  });

  it('stale (and future) timestamps are refused', async () => {
    const before = reflector!.stats().sessions;
    for (const skew of [-(AUTH_SKEW_MS + 60_000), AUTH_SKEW_MS + 60_000, -24 * 3_600_000]) {
      const r = await rawRequest(reflector!.port, 'POST', '/v1/session', {
        authorization: authHeader(TOKEN, 'POST', '/v1/session', Date.now() + skew),
      });
      expect(r.status, `skew ${skew} ms`).toBe(401);
    }
    expect(reflector!.stats().sessions).toBe(before);
  });
});

describe('reflector: UDP', () => {
  let reflector: RunningReflector | undefined;
  let endpoint: ProbeEndpoint;
  let session: ProbeSession;
  let client: Awaited<ReturnType<typeof udpClient>> | undefined;

  beforeAll(async () => {
    reflector = await startLoopbackReflector();
    endpoint = { address: '127.0.0.1', port: reflector.port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
    session = await openSession(endpoint, { timeoutMs: 5000 });
    client = await udpClient();
  });
  afterAll(async () => {
    await client?.close();
    await reflector?.close();
  });

  it('garbage, truncated headers, wrong magic, unknown session, bad MAC, replies and oversized datagrams get no answer', async () => {
    const udpPort = reflector!.udpPort;
    const key = session.key;
    const valid = encodeProbe(key, probe(session.id, 1), 200);
    const wrongMagic = Buffer.from(valid);
    wrongMagic.writeUInt32BE(0x53525532, 0);
    const badMac = Buffer.from(valid);
    badMac[63] = badMac[63]! ^ 0x80;
    const otherId = newSessionId();
    const oversized = (size: number) =>
      Buffer.concat([encodeProbe(key, probe(session.id, 2), UDP_MAX_BYTES), Buffer.alloc(size - UDP_MAX_BYTES, 0x42)]);
    const bad: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['one byte', Buffer.from([0x53])],
      ['random 200 bytes', randomBytes(200)],
      ['random 1472 bytes', randomBytes(1472)],
      ['truncated header (63 bytes)', valid.subarray(0, 63)],
      ['truncated header (24 bytes)', valid.subarray(0, 24)],
      ['wrong magic', wrongMagic],
      // A MAC that is right for its (made-up) session: the session does not exist.
      ['unknown session', encodeProbe(sessionKey(TOKEN, otherId), probe(otherId, 1), 200)],
      ['bad MAC', badMac],
      ['MAC with another token', encodeProbe(sessionKey('not-the-token-0123456789abcdef', session.id), probe(session.id, 3), 200)],
      ['a reply, not a probe', encodeProbe(key, probe(session.id, 4, { type: UDP_TYPE_REPLY }), 200)],
      ['unknown type', encodeProbe(key, probe(session.id, 5, { type: 7 }), 200)],
      ['oversized (1473 bytes, valid header)', oversized(1473)],
      ['oversized (8000 bytes, valid header)', oversized(8000)],
    ];
    const before = reflector!.stats();
    for (const [, b] of bad) await send(client!.sock, b, udpPort);
    await delay(SILENCE_MS);
    expect(client!.received.map((m) => m.length)).toEqual([]);
    const after = reflector!.stats();
    expect(after.udpReplied).toBe(before.udpReplied);
    expect(after.udpDropped - before.udpDropped).toBe(bad.length);
  });

  it('a closed session is not answered any more', async () => {
    const s = await openSession(endpoint, { timeoutMs: 5000 });
    const b = encodeProbe(s.key, probe(s.id, 1), 100);
    const c = await udpClient();
    try {
      await send(c.sock, b, reflector!.udpPort);
      await delay(SILENCE_MS);
      expect(c.received).toHaveLength(1);
      await closeSession(endpoint, s);
      await send(c.sock, encodeProbe(s.key, probe(s.id, 2), 100), reflector!.udpPort);
      await delay(SILENCE_MS);
      expect(c.received).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it('a valid probe gets one reply of exactly its own size; a replayed probe is counted, not answered', async () => {
    const c = await udpClient();
    try {
      const sizes = [64, 65, 100, 200, 512, 1000, 1200, 1400, 1471, 1472];
      for (const [i, size] of sizes.entries()) {
        const b = encodeProbe(session.key, probe(session.id, 100 + i, { stream: 9 }), size);
        expect(b.length).toBe(size);
        await send(c.sock, b, reflector!.udpPort);
      }
      await delay(SILENCE_MS);
      expect(c.received.map((m) => m.length).sort((a, b) => a - b)).toEqual(sizes);
      for (const m of c.received) {
        const r = peekProbe(m)!;
        expect(r.type).toBe(UDP_TYPE_REPLY);
        expect(r.session).toBe(session.id);
        expect(r.stream).toBe(9);
        expect(verifyProbeMac(session.key, m)).toBe(true);
        expect(m.length).toBe(sizes[r.seq - 100]);
      }
      // The same datagram again (a replay, or a copy made by the network): no second answer.
      const replay = encodeProbe(session.key, probe(session.id, 100, { stream: 9 }), 300);
      await send(c.sock, replay, reflector!.udpPort);
      await delay(SILENCE_MS);
      expect(c.received).toHaveLength(sizes.length);
    } finally {
      await c.close();
    }
  });

  it('a captured probe is answered once whatever its sequence number: past the bitmap, 2^31, 2^32 − 1', async () => {
    const c = await udpClient();
    try {
      const seqs = [(1 << 20) + 7, 2 ** 31, 2 ** 32 - 1];
      const captured = seqs.map((seq) => encodeProbe(session.key, probe(session.id, seq, { stream: 11 }), 120));
      for (const b of captured) for (let i = 0; i < 5; i++) await send(c.sock, b, reflector!.udpPort);
      // Now older than the window that 2^32 − 1 ends: stale, not answered either.
      await send(c.sock, captured[0]!, reflector!.udpPort);
      await send(c.sock, captured[1]!, reflector!.udpPort);
      await delay(SILENCE_MS);
      expect(c.received.map((m) => peekProbe(m)!.seq)).toEqual(seqs);
      const stream = await wireStats(reflector!.port, session, 11);
      expect(stream).toMatchObject({ received: 3, duplicates: 12, stale: 2, maxSeq: 2 ** 32 - 1 });
    } finally {
      await c.close();
    }
  });

  it('copies of a captured probe do not spend the session’s rate: after 2,000 of them at 50/s allowed, a new probe is answered', async () => {
    const tight = await startLoopbackReflector({ maxUdpPps: 50 });
    const ep: ProbeEndpoint = { address: '127.0.0.1', port: tight.port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
    const c = await udpClient();
    try {
      const s = await openSession(ep, { timeoutMs: 5000 });
      const captured = encodeProbe(s.key, probe(s.id, 0), 100);
      const t0 = performance.now();
      // In steps the reflector's socket buffer holds, each seen by the reflector before the next.
      for (let sent = 0; sent < 2000; sent += 100) {
        const seen = tight.stats().udpDropped + tight.stats().udpReplied;
        await sendBatch(c.sock, Array<Buffer>(100).fill(captured), tight.udpPort);
        await until('the reflector reading a step', () => tight.stats().udpDropped + tight.stats().udpReplied >= seen + 100, 5000);
      }
      const seconds = (performance.now() - t0) / 1000;
      // Were copies charged, the bucket (50 + 50/s) would be empty by now.
      expect(2000).toBeGreaterThan(50 + 50 * seconds);
      await send(c.sock, encodeProbe(s.key, probe(s.id, 1), 100), tight.udpPort);
      await delay(SILENCE_MS);
      expect(c.received.map((m) => peekProbe(m)!.seq)).toEqual([0, 1]);
    } finally {
      await c.close();
      await tight.close();
    }
  });
});

describe('reflector: a small anti-replay window', () => {
  let reflector: RunningReflector | undefined;

  beforeAll(async () => {
    reflector = await startLoopbackReflector({ maxUdpSeq: 256 });
  });
  afterAll(async () => {
    await reflector?.close();
  });

  it('probes older than the window are not answered; the stats bitmap covers the window, with where it starts', async () => {
    const endpoint: ProbeEndpoint = {
      address: '127.0.0.1',
      port: reflector!.port,
      host: '127.0.0.1',
      token: TOKEN,
      connectTimeoutMs: 2000,
    };
    const session = await openSession(endpoint, { timeoutMs: 5000 });
    const c = await udpClient(1 << 20);
    try {
      const captured = Array.from({ length: 600 }, (_, seq) => encodeProbe(session.key, probe(session.id, seq), 100));
      // In steps the reflector's socket buffer holds (a few hundred small datagrams).
      for (let i = 0; i < captured.length; i += 50) {
        await sendBatch(c.sock, captured.slice(i, i + 50), reflector!.udpPort);
        await until(`${i + 50} replies`, () => c.received.length >= i + 50, 5000);
      }
      // The window is 344..599: 0, 100 and 343 are stale, 344 a copy.
      for (const seq of [0, 100, 343, 344]) await send(c.sock, captured[seq]!, reflector!.udpPort);
      await delay(SILENCE_MS);
      expect(c.received).toHaveLength(600);
      const stream = await wireStats(reflector!.port, session, 1);
      expect(stream).toMatchObject({ received: 600, duplicates: 1, stale: 3, maxSeq: 599, bitmapFrom: 344 });
      expect(Buffer.from(stream.bitmap as string, 'base64')).toEqual(Buffer.alloc(32, 0xff));
    } finally {
      await c.close();
      await closeSession(endpoint, session);
    }
  });
});

describe('reflector: connections that do not authenticate', () => {
  const LIMITS = { maxPending: 16, maxPendingPerSource: 4, authTimeoutMs: 1500, maxConnections: 2 };
  let reflector: RunningReflector | undefined;
  let endpoint: ProbeEndpoint;
  const open: RawConnection[] = [];
  const raw = async (from: string) => {
    const c = await rawConnect(from, reflector!.port);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    reflector = await startLoopbackReflector(LIMITS);
    endpoint = { address: '127.0.0.1', port: reflector.port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
  });
  afterAll(async () => {
    for (const c of open) c.sock.destroy();
    await reflector?.close();
  });

  it(`one source keeps at most ${LIMITS.maxPendingPerSource} waiting: its own oldest are closed, another source’s are not`, async () => {
    const before = reflector!.stats();
    const other = await raw('127.0.0.1');
    const attack: RawConnection[] = [];
    for (let i = 0; i < 10; i++) attack.push(await raw('127.0.0.2'));
    await until('the six oldest closed', () => attack.slice(0, 6).every((c) => c.closedAfterMs !== undefined), 3000);
    await delay(100);
    expect(attack.map((c) => c.closedAfterMs !== undefined)).toEqual([...Array<boolean>(6).fill(true), ...Array<boolean>(4).fill(false)]);
    expect(other.closedAfterMs).toBeUndefined();
    expect(reflector!.stats().evicted - before.evicted).toBe(6);
    expect(reflector!.stats().pending).toBe(5);
    for (const c of [other, ...attack]) c.sock.destroy();
  });

  it('the deadline holds against a trickle: a header line every 200 ms is cut at the deadline, like silence', async () => {
    const before = reflector!.stats();
    const silent = await raw('127.0.0.3');
    const trickle = await raw('127.0.0.4');
    trickle.sock.write('GET /v1/session HTTP/1.1\r\nHost: reflector\r\n');
    let n = 0;
    const tick = setInterval(() => trickle.sock.write(`X-Trickle-${n++}: ${'x'.repeat(20)}\r\n`), 200);
    try {
      await until(
        'both closed',
        () => silent.closedAfterMs !== undefined && trickle.closedAfterMs !== undefined,
        LIMITS.authTimeoutMs + 5000,
      );
    } finally {
      clearInterval(tick);
    }
    // Never before the deadline; after it, within a generous margin for a loaded machine.
    for (const c of [silent, trickle]) {
      expect(c.closedAfterMs!).toBeGreaterThanOrEqual(LIMITS.authTimeoutMs - 50);
      expect(c.closedAfterMs!).toBeLessThan(LIMITS.authTimeoutMs + 3000);
    }
    expect(n).toBeGreaterThanOrEqual(5);
    expect(reflector!.stats().timedOut - before.timedOut).toBe(2);
  });

  it('authenticated streams are kept apart: a full pending pool does not close them or keep them out; streams have their own cap', async () => {
    const session = await openSession(endpoint, { timeoutMs: 5000 });
    try {
      // More waiting connections than the pool holds, from several sources.
      for (let i = 0; i < 24; i++) await raw(`127.0.1.${1 + (i % 6)}`);
      const echo = await openTcpStream(endpoint, session, 'echo', 20_000, { timeoutMs: 5000 });
      echo.on('error', () => undefined);
      try {
        for (let i = 0; i < 24; i++) await raw(`127.0.2.${1 + (i % 6)}`);
        const stats = reflector!.stats();
        expect(stats.pending).toBeLessThanOrEqual(LIMITS.maxPending);
        expect(stats.streams).toBe(1);
        const answer = new Promise<string>((resolve) => echo.once('data', (d: Buffer) => resolve(d.toString())));
        echo.write('still here');
        expect(await answer).toBe('still here');
        // The stream cap (maxConnections) counts authenticated streams only.
        const second = await openTcpStream(endpoint, session, 'echo', 20_000, { timeoutMs: 5000 });
        second.on('error', () => undefined);
        await expect(openTcpStream(endpoint, session, 'echo', 20_000, { timeoutMs: 5000 })).rejects.toThrow(/503/);
        expect(reflector!.stats()).toMatchObject({ streams: 2, streamsRefused: 1 });
        second.destroy();
      } finally {
        echo.destroy();
      }
    } finally {
      await closeSession(endpoint, session);
    }
  });
});

// ---- a flood against `siteready serve` in its own process -----------------------------------

describe('reflector: a loopback flood', () => {
  let tmp: TempDir | undefined;
  let reflector: { peer: Peer; port: number; udpPort: number } | undefined;

  beforeAll(async () => {
    tmp = await tempDir('sr-abuse-');
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    reflector = await startReflectorProcess(tokenFile);
  }, 30_000);
  afterAll(async () => {
    await reflector?.peer.stop();
    await tmp?.remove();
  });

  it(`200k garbage datagrams and 20k over-the-limit probes in ≤ 10 s: still answering, RSS < ${RSS_BOUND_MIB} MiB`, async () => {
    const { port, udpPort, peer } = reflector!;
    const endpoint: ProbeEndpoint = { address: '127.0.0.1', port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
    const session = await openSession(endpoint, { timeoutMs: 5000 });
    const idle = await memoryOf(peer.pid);

    const garbage = await udpClient();
    // Room for every answer the token bucket could allow, so the count below is the reflector's.
    const valid = await udpClient(4 << 20);
    const counts = { garbage: 0, valid: 0 };
    const otherId = newSessionId();
    const otherKey = sessionKey(TOKEN, otherId);
    // A mix of what a scanner or an attacker would send: random bytes of every size, truncated
    // and wrong-magic headers, probes of sessions that do not exist, oversized datagrams.
    const junk = [
      randomBytes(1),
      randomBytes(63),
      randomBytes(200),
      randomBytes(1472),
      Buffer.concat([encodeProbe(session.key, probe(session.id, 1), UDP_MAX_BYTES), randomBytes(1000)]),
      (() => {
        const b = encodeProbe(session.key, probe(session.id, 1), 100);
        b.writeUInt32BE(0xdeadbeef, 0);
        return b;
      })(),
      encodeProbe(otherKey, probe(otherId, 1), 200),
    ];
    // Bounded in count and in time: 200k garbage within 8 s, then 20k valid probes within 2 s.
    const t0 = performance.now();
    let validSeconds: number;
    try {
      while (counts.garbage < 200_000 && performance.now() - t0 < 8000) {
        await sendBatch(
          garbage.sock,
          Array.from({ length: 1000 }, (_, i) => junk[(counts.garbage + i) % junk.length]!),
          udpPort,
        );
        counts.garbage += 1000;
      }
      // Valid probes at ~20,000/s: four times the session's limit, paced so that the reflector
      // itself (not its socket buffer) is what has to say no.
      let seq = 0;
      const validStart = performance.now();
      while (counts.valid < 20_000 && performance.now() - validStart < 2000) {
        const batch = Array.from({ length: 200 }, () => encodeProbe(session.key, probe(session.id, seq++, { stream: 2 }), 200));
        await sendBatch(valid.sock, batch, udpPort);
        counts.valid += batch.length;
        const ahead = validStart + counts.valid / 20 - performance.now();
        if (ahead > 0) await delay(ahead);
      }
      validSeconds = (performance.now() - validStart) / 1000;
      await delay(SILENCE_MS);
      const floodSeconds = (performance.now() - t0) / 1000;
      const mem = await memoryOf(peer.pid);
      console.log(
        `flood: ${counts.garbage} garbage + ${counts.valid} valid probes (those in ${validSeconds.toFixed(2)} s) in ${floodSeconds.toFixed(2)} s; ` +
          `${garbage.received.length} answers to garbage, ${valid.received.length} answers to valid probes (limit 5000/s); ` +
          `reflector RSS ${idle.rssMiB.toFixed(1)} MiB before, ${mem.rssMiB.toFixed(1)} MiB after, peak (VmHWM) ${mem.hwmMiB.toFixed(1)} MiB`,
      );
      expect(counts.garbage).toBe(200_000);
      expect(counts.valid).toBe(20_000);
      expect(garbage.received).toHaveLength(0);
      // The token bucket: at most a full bucket (5000) plus 5000 per second of flood.
      expect(valid.received.length).toBeGreaterThan(0);
      expect(valid.received.length).toBeLessThanOrEqual(Math.ceil(5000 + 5000 * (validSeconds + SILENCE_MS / 1000)));
      for (const m of valid.received.slice(0, 100)) expect(m.length).toBe(200);
      expect(mem.rssMiB).toBeLessThan(RSS_BOUND_MIB);
      expect(mem.hwmMiB).toBeLessThan(RSS_BOUND_MIB);
    } finally {
      await garbage.close();
      await valid.close();
    }

    // Afterwards: authenticated probes (the real client, a new stream) and new sessions work.
    await delay(1000); // the token bucket refills
    const r = await runUdpStream({ endpoint, session, stream: 3, pps: 50, size: 200, durationMs: 1000, drainMs: 500 });
    expect(r.sent).toBe(50);
    expect(r.replies).toBe(50);
    expect(r.lossUpPercent).toBe(0);
    const fresh = await openSession(endpoint, { timeoutMs: 5000 });
    await closeSession(endpoint, fresh);
    await closeSession(endpoint, session);
    const after = await memoryOf(peer.pid);
    expect(after.rssMiB).toBeLessThan(RSS_BOUND_MIB);
  }, 60_000);
});

// ---- the other side: assess against a broken or absent reflector -----------------------------

const PROBE_CHECKS = ['throughput', 'latency', 'bufferbloat', 'call-quality'] as const;

describe.skipIf(!requireTool(netnsSupported(), 'root with ip netns and iptables'))('assess with a reflector that cannot be used', () => {
  let tmp: TempDir | undefined;
  let ns: Netns | undefined;
  let reflector: { peer: Peer; port: number; udpPort: number } | undefined;
  const reports: Partial<Record<'refused' | 'filtered' | 'unauthorized', Report>> = {};
  const exitCodes: Partial<Record<'refused' | 'filtered' | 'unauthorized', number | null>> = {};
  const PORT = { refused: 7002, filtered: 7003 } as const;
  const ENV_VAR = `SR_ABUSE_TOKEN_${process.pid}`;

  beforeAll(async () => {
    tmp = await tempDir('sr-abuse-assess-');
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    reflector = await startReflectorProcess(tokenFile);
    ns = await createNetns();
    // PORT.refused: nothing listens in the namespace → RST. PORT.filtered: dropped, TCP and UDP.
    await ns.iptables(['-A', 'INPUT', '-p', 'tcp', '--dport', String(PORT.filtered), '-j', 'DROP']);
    await ns.iptables(['-A', 'INPUT', '-p', 'udp', '--dport', String(PORT.filtered), '-j', 'DROP']);
    // The site's token (an ${ENV} reference, as the schema wants) is not the reflector's.
    process.env[ENV_VAR] = 'the-wrong-token-0123456789abcdef';
    const site = (name: string, host: string, port: number) =>
      writeSite(
        tmp!.path,
        {
          site: { name },
          platform: { endpoints: [{ name: 'placeholder', host, port, protocol: 'tcp', checks: [] }] },
          probe: { name: 'reflector', host, port, token: `\${${ENV_VAR}}` },
          // Short measurements: nothing is measured anyway.
          checks: {
            throughput: { durationMs: 1000, omitMs: 0, streams: 1 },
            latency: { durationMs: 1000, drainMs: 200 },
            'call-quality': { durationMs: 1000, drainMs: 200 },
            bufferbloat: { idleMs: 1000, loadMs: 1000, streams: 1 },
          },
        },
        `${name}.yaml`,
      );
    const files = {
      refused: await site('refused', ns.nsIp, PORT.refused),
      filtered: await site('filtered', ns.nsIp, PORT.filtered),
      unauthorized: await site('unauthorized', '127.0.0.1', reflector.port),
    };
    // --timeout 60: the run's deadline; the failures must come from the probe client well before it.
    const runs = await Promise.all(
      (Object.keys(files) as Array<keyof typeof files>).map(
        async (k) => [k, await assess(files[k], tmp!.path, ['--timeout', '60'], `${k}.json`)] as const,
      ),
    );
    for (const [k, run] of runs) {
      reports[k] = run.report;
      exitCodes[k] = run.cli.code;
    }
  }, 60_000);

  afterAll(async () => {
    delete process.env[ENV_VAR];
    await reflector?.peer.stop();
    await ns?.destroy();
    await tmp?.remove();
  });

  const probeResults = (report: Report) => report.results.filter((r) => (PROBE_CHECKS as readonly string[]).includes(r.check));

  for (const [kind, classification] of [
    ['refused', 'refused'],
    ['filtered', 'filtered'],
  ] as const) {
    it(`reflector port ${kind}: every probe check is an error carrying <check>.probe-unreachable (${classification}), not a timeout`, async () => {
      const report = reports[kind]!;
      expect(exitCodes[kind]).toBe(0); // no gate set: a report, not a crash
      const validate = await reportValidator();
      expect(validate(report), JSON.stringify(validate.errors, null, 2)).toBe(true);
      const results = probeResults(report);
      expect(new Set(results.map((r) => r.check))).toEqual(new Set(PROBE_CHECKS));
      for (const r of results) {
        expect(r.status, `${r.check}:${r.target}`).toBe('error');
        expect(r.error?.kind, `${r.check}:${r.target} ended by the runner: ${JSON.stringify(r.error)}`).toBe('not-measured');
        expect(r.facts.classification).toBe(classification);
        expect(r.findings).toEqual([
          expect.objectContaining({
            id: `${r.check}.probe-unreachable`,
            severity: 'high',
            evidence: expect.objectContaining({ classification }),
          }),
        ]);
      }
      expect(report.complete).toBe(false);
    });
  }

  it('a wrong token: every probe check is an error carrying <check>.probe-unauthorized', async () => {
    const report = reports.unauthorized!;
    expect(exitCodes.unauthorized).toBe(0);
    const results = probeResults(report);
    expect(new Set(results.map((r) => r.check))).toEqual(new Set(PROBE_CHECKS));
    for (const r of results) {
      expect(r.status).toBe('error');
      expect(r.error?.kind).toBe('not-measured');
      expect(r.findings).toEqual([expect.objectContaining({ id: `${r.check}.probe-unauthorized` })]);
    }
    expect(JSON.stringify(report)).not.toContain('the-wrong-token-0123456789abcdef');
  });
});
