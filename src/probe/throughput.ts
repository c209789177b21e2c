// Throughput against the reflector: TCP with 1..N streams (raw, after an HTTP Upgrade) or
// WebSocket with ndt7-style messages. Goodput counts application bytes only, excludes the first
// `omitMs` (slow start, as iperf3 --omit), and is measured at the receiver: for downloads here,
// for uploads by the reflector, which reports its counts back. Per-interval samples give the
// spread. Runs in a worker thread (throughput-worker.ts) so the tool is never the bottleneck.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import { PathError } from '../net/classify.js';
import { resetSocket } from '../net/reset-socket.js';
import {
  acquireSlot,
  closeSession,
  openCountingTcpDownload,
  openSession,
  openTcpStream,
  openWsStream,
  releaseSlot,
  type ProbeEndpoint,
  type ProbeSession,
} from './client.js';
import { round } from '../util/number.js';

export type Direction = 'down' | 'up';
export type Transport = 'tcp' | 'ws';

export interface ThroughputParams {
  endpoint: ProbeEndpoint;
  direction: Direction;
  transport: Transport;
  streams: number;
  durationMs: number;
  omitMs: number;
  intervalMs?: number;
  /** An open session to use; a new one is opened (and closed) otherwise. */
  session?: ProbeSession;
  /** Until when (ms since the epoch) to wait for the test's turn on a busy reflector (default: 2 min from now). */
  turnDeadline?: number;
}

/** How long a test waits, by default, for other sites' tests on the reflector to end. */
const DEFAULT_TURN_WAIT_MS = 120_000;

export interface ThroughputResult {
  direction: Direction;
  transport: Transport;
  streams: number;
  /** Goodput after the omitted start, Mbit/s. */
  mbps: number;
  bytes: number;
  measuredMs: number;
  omitMs: number;
  /** Mbit/s per interval after the omitted start. */
  samples: number[];
  p10: number;
  p50: number;
  p90: number;
  /** Where the counts came from: the receiver. */
  countedBy: 'client' | 'reflector';
  /** On a reflector that schedules tests: where this one stood when it asked (0: free) and how long it waited. */
  queue?: { position: number; waitedMs: number };
}

const WRITE = Buffer.alloc(256 * 1024, 0xa5);

export async function measureThroughput(p: ThroughputParams, signal?: AbortSignal): Promise<ThroughputResult> {
  const intervalMs = p.intervalMs ?? 100;
  const ownSession = !p.session;
  const session = p.session ?? (await openSession(p.endpoint, { timeoutMs: 5000, ...(signal ? { signal } : {}) }));
  try {
    // The reflector serves one site's bandwidth test at a time (its schedule): wait for the turn.
    const queue = await acquireSlot(p.endpoint, session, {
      leaseMs: p.durationMs + 5000,
      deadline: p.turnDeadline ?? Date.now() + DEFAULT_TURN_WAIT_MS,
      ...(signal ? { signal } : {}),
    });
    try {
      const buckets =
        p.transport === 'tcp'
          ? p.direction === 'down'
            ? await tcpDownload(p, session, intervalMs, signal)
            : await tcpUpload(p, session, intervalMs, signal)
          : p.direction === 'down'
            ? await wsDownload(p, session, intervalMs, signal)
            : await wsUpload(p, session, signal);
      const result = summarise(p, buckets, p.transport === 'ws' && p.direction === 'up' ? 250 : intervalMs);
      return queue.unscheduled ? result : { ...result, queue: { position: queue.position, waitedMs: queue.waitedMs } };
    } finally {
      if (!queue.unscheduled) await releaseSlot(p.endpoint, session);
    }
  } finally {
    if (ownSession) await closeSession(p.endpoint, session);
  }
}

/** Bytes per interval, index = interval number since the test started. */
type Buckets = number[];

function summarise(p: ThroughputParams, buckets: Buckets, intervalMs: number): ThroughputResult {
  const skip = Math.ceil(p.omitMs / intervalMs);
  // The last interval is usually partial (the test ends inside it): leave it out of the rate.
  const counted = buckets.slice(skip, Math.max(skip, buckets.length - 1));
  const bytes = counted.reduce((a, b) => a + b, 0);
  const measuredMs = counted.length * intervalMs;
  const samples = counted.map((b) => round((b * 8) / (intervalMs * 1000)));
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (f: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]! : 0);
  return {
    direction: p.direction,
    transport: p.transport,
    streams: p.streams,
    mbps: measuredMs > 0 ? round((bytes * 8) / (measuredMs * 1000)) : 0,
    bytes: Math.round(bytes),
    measuredMs,
    omitMs: skip * intervalMs,
    samples,
    p10: q(0.1),
    p50: q(0.5),
    p90: q(0.9),
    countedBy: p.direction === 'down' ? 'client' : 'reflector',
  };
}

function add(buckets: Buckets, index: number, bytes: number): void {
  while (buckets.length <= index) buckets.push(0);
  buckets[index]! += bytes;
}

/** Bytes that arrived evenly over [fromMs, toMs), shared among the intervals by their overlap with it. */
function spread(buckets: Buckets, fromMs: number, toMs: number, bytes: number, intervalMs: number): void {
  if (!(toMs > fromMs)) return add(buckets, Math.max(0, Math.floor(fromMs / intervalMs)), bytes);
  for (let i = Math.floor(fromMs / intervalMs); i * intervalMs < toMs; i++) {
    const overlap = Math.min(toMs, (i + 1) * intervalMs) - Math.max(fromMs, i * intervalMs);
    if (overlap > 0) add(buckets, i, (bytes * overlap) / (toMs - fromMs));
  }
}

function streamsOf(p: ThroughputParams): number {
  return Math.max(1, Math.min(64, Math.floor(p.streams)));
}

/** How the download streams ended: the client's verdict on whether they measured anything. */
interface StreamsEnd {
  bytes: number;
  /** When the last stream ended, ms after the measurement started. */
  lastEndMs: number;
  /** Some stream had to be cut by the client: the reflector kept sending past the test. */
  overran: boolean;
}

/**
 * A download that measured nothing is not a rate of zero: no payload at all, streams that ended in
 * the first half of the test (reset, closed, garbage), or streams the reflector never ended are
 * each the reflector's or the path's failure, said as such.
 */
function checkDownload(p: ThroughputParams, end: StreamsEnd): void {
  const where = `${p.transport === 'tcp' ? 'TCP' : 'WebSocket'} download`;
  if (end.bytes === 0)
    throw new PathError('http-error', 'application', `the reflector sent nothing on the ${where} streams`, 'PROBE_NO_DATA');
  if (end.lastEndMs < p.durationMs / 2) {
    throw new PathError(
      'http-error',
      'application',
      `the ${where} streams ended after ${Math.round(end.lastEndMs)} ms of the ${p.durationMs} ms test`,
      'PROBE_STREAM_ENDED',
    );
  }
  if (end.overran)
    throw new PathError(
      'http-error',
      'application',
      `the reflector did not end the ${where} streams when the test was over`,
      'PROBE_STREAM_OVERRUN',
    );
}

/**
 * Grace after the test's end for a download stream to close: what the reflector wrote just before
 * its end may still sit in a bloated queue on the path (seconds on some mobile links).
 */
const END_GRACE_MS = 5000;

async function tcpDownload(p: ThroughputParams, s: ProbeSession, intervalMs: number, signal?: AbortSignal): Promise<Buckets> {
  const buckets: Buckets = [];
  // The reflector starts sending as soon as a stream is open; what arrives before the last stream
  // is open counts in the first interval, which the omitted start covers.
  let t0: number | undefined;
  let bytes = 0;
  const count = (n: number) => {
    bytes += n;
    add(buckets, t0 === undefined ? 0 : Math.floor((performance.now() - t0) / intervalMs), n);
  };
  const sockets = await openAll(
    streamsOf(p),
    () => openCountingTcpDownload(p.endpoint, s, p.durationMs, { timeoutMs: 5000, ...(signal ? { signal } : {}) }, count),
    (sock) => sock.destroy(),
  );
  t0 = performance.now();
  const end: StreamsEnd = { bytes: 0, lastEndMs: 0, overran: false };
  await Promise.all(
    sockets.map(
      (sock) =>
        new Promise<void>((resolve) => {
          const stop = setTimeout(() => {
            end.overran = true;
            sock.destroy();
          }, p.durationMs + END_GRACE_MS);
          const onAbort = () => sock.destroy();
          signal?.addEventListener('abort', onAbort, { once: true });
          sock.on('error', () => undefined);
          const done = () => {
            clearTimeout(stop);
            signal?.removeEventListener('abort', onAbort);
            end.lastEndMs = Math.max(end.lastEndMs, performance.now() - t0!);
            resolve();
          };
          if (sock.destroyed) return done();
          sock.once('close', done);
        }),
    ),
  );
  if (signal?.aborted) throw signal.reason;
  checkDownload(p, { ...end, bytes });
  return buckets;
}

async function tcpUpload(p: ThroughputParams, s: ProbeSession, intervalMs: number, signal?: AbortSignal): Promise<Buckets> {
  const sockets = await openAll(
    streamsOf(p),
    () => openTcpStream(p.endpoint, s, 'upload', p.durationMs, { timeoutMs: 5000, ...(signal ? { signal } : {}) }),
    (sock) => sock.destroy(),
  );
  const reports = await Promise.all(sockets.map((sock) => uploadOne(sock, p.durationMs, signal)));
  // The reflector counted per 100 ms since each stream began; streams start together, so sum by index.
  const buckets: Buckets = [];
  for (const r of reports) for (const [endMs, bytes] of r.intervals) add(buckets, Math.max(0, Math.ceil(endMs / intervalMs) - 1), bytes);
  if (signal?.aborted) throw signal.reason;
  return buckets;
}

/** Largest upload report read; a real one is a few KiB (one entry per 100 ms). */
const MAX_REPORT_CHARS = 1 << 20;

/**
 * The reflector's upload report, or undefined when it cannot be one: its intervals index buckets,
 * so each must fall inside the test (with slack for a late end) and count a finite byte total.
 */
export function uploadReport(text: string, durationMs: number): { bytes: number; intervals: Array<[number, number]> } | undefined {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return undefined;
  }
  const o = r as { bytes?: unknown; intervals?: unknown } | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    typeof o.bytes !== 'number' ||
    !Number.isFinite(o.bytes) ||
    o.bytes < 0 ||
    !Array.isArray(o.intervals)
  )
    return undefined;
  const lastMs = durationMs + 10_000;
  if (o.intervals.length > lastMs / 10) return undefined;
  for (const i of o.intervals) {
    if (!Array.isArray(i) || i.length !== 2 || !(i[0] >= 0 && i[0] <= lastMs) || !(i[1] >= 0 && i[1] <= Number.MAX_SAFE_INTEGER))
      return undefined;
  }
  return { bytes: o.bytes, intervals: o.intervals as Array<[number, number]> };
}

function uploadOne(sock: Socket, durationMs: number, signal?: AbortSignal): Promise<{ bytes: number; intervals: Array<[number, number]> }> {
  return new Promise((resolve, reject) => {
    const end = performance.now() + durationMs;
    let answer = '';
    let finished = false;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      finished = true;
      clearTimeout(stop);
      signal?.removeEventListener('abort', onAbort);
      fn();
      // Reset: what the kernel still holds to send (megabytes once a bloated round trip has grown
      // the buffer) is no longer part of any test, and would keep the stream open on the
      // reflector, counting against its per-session limit, until it had crossed the bottleneck.
      if (!resetSocket(sock)) sock.destroy();
    };
    const fail = (message: string, code: string) => settle(() => reject(new PathError('http-error', 'application', message, code)));
    const stop = setTimeout(() => fail('the reflector did not report the upload', 'PROBE_NO_REPORT'), durationMs + 5000);
    const onAbort = () => settle(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    const pump = () => {
      // Large writes from one reused buffer; a full kernel buffer hands control back via 'drain',
      // and the deadline is checked on every write so the loop always ends on time.
      while (!finished) {
        if (performance.now() >= end) {
          finished = true;
          sock.end();
          return;
        }
        if (!sock.write(WRITE)) return void sock.once('drain', pump);
      }
    };
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      answer += d;
      if (answer.length > MAX_REPORT_CHARS) fail('the reflector sent more than an upload report', 'PROBE_BAD_ANSWER');
    });
    sock.on('error', (err: Error & { code?: string }) => fail(`the upload stream failed: ${err.message}`, err.code ?? 'ECONNRESET'));
    sock.once('end', () => {
      const r = uploadReport(answer.trim(), durationMs);
      if (r) return settle(() => resolve(r));
      fail(
        answer.trim()
          ? 'the reflector sent something that is not an upload report'
          : 'the reflector closed the upload stream without a report',
        answer.trim() ? 'PROBE_BAD_ANSWER' : 'PROBE_NO_REPORT',
      );
    });
    // A reset before the end of the test is a 'close' without 'end'.
    sock.once('close', () => fail('the reflector closed the upload stream without a report', 'PROBE_NO_REPORT'));
    pump();
  });
}

/**
 * Opens `n` streams at once; when one fails, the ones that opened are closed and its failure is
 * thrown (Promise.all would leave them open, sending or receiving for nobody).
 */
async function openAll<T>(n: number, open: () => Promise<T>, close: (stream: T) => void): Promise<T[]> {
  const opened = await Promise.allSettled(Array.from({ length: n }, open));
  const streams = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    for (const stream of streams) close(stream);
    throw failed.reason;
  }
  return streams;
}

function openWsStreams(p: ThroughputParams, s: ProbeSession, mode: 'download' | 'upload', signal?: AbortSignal): Promise<WebSocket[]> {
  return openAll(
    streamsOf(p),
    () => openWsStream(p.endpoint, s, mode, p.durationMs, { timeoutMs: 5000, ...(signal ? { signal } : {}) }),
    (ws) => ws.terminate(),
  );
}

async function wsDownload(p: ThroughputParams, s: ProbeSession, intervalMs: number, signal?: AbortSignal): Promise<Buckets> {
  const sockets = await openWsStreams(p, s, 'download', signal);
  const t0 = performance.now();
  const buckets: Buckets = [];
  const end: StreamsEnd = { bytes: 0, lastEndMs: 0, overran: false };
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          const stop = setTimeout(() => {
            end.overran = true;
            ws.terminate();
          }, p.durationMs + END_GRACE_MS);
          const onAbort = () => ws.terminate();
          signal?.addEventListener('abort', onAbort, { once: true });
          ws.on('message', (data: Buffer, binary: boolean) => {
            if (!binary) return;
            end.bytes += data.length;
            add(buckets, Math.floor((performance.now() - t0) / intervalMs), data.length);
          });
          ws.once('close', () => {
            clearTimeout(stop);
            signal?.removeEventListener('abort', onAbort);
            end.lastEndMs = Math.max(end.lastEndMs, performance.now() - t0);
            resolve();
          });
        }),
    ),
  );
  if (signal?.aborted) throw signal.reason;
  checkDownload(p, end);
  return buckets;
}

async function wsUpload(p: ThroughputParams, s: ProbeSession, signal?: AbortSignal): Promise<Buckets> {
  const sockets = await openWsStreams(p, s, 'upload', signal);
  // The reflector's measurement messages (every 250 ms: elapsed µs, bytes received) are the truth.
  // Its timer drifts and can fire late, so each report's bytes are spread over the time it really
  // covers: every bucket is then exactly 250 ms (rounding to the nearest slot counted ~251 ms as
  // 250, and a late report left an empty slot behind).
  const perStream = await Promise.all(sockets.map((ws) => wsUploadOne(ws, p.durationMs, signal)));
  if (signal?.aborted) throw signal.reason;
  if (perStream.every((points) => points.length === 0)) {
    throw new PathError(
      'http-error',
      'application',
      'the reflector sent no measurement messages for the WebSocket upload',
      'PROBE_NO_REPORT',
    );
  }
  const buckets: Buckets = [];
  for (const points of perStream) {
    let prevMs = 0;
    let prev = 0;
    for (const [elapsedUs, total] of points) {
      spread(buckets, prevMs, elapsedUs / 1000, total - prev, 250);
      prevMs = elapsedUs / 1000;
      prev = total;
    }
  }
  if (signal?.aborted) throw signal.reason;
  return buckets;
}

function wsUploadOne(ws: WebSocket, durationMs: number, signal?: AbortSignal): Promise<Array<[number, number]>> {
  return new Promise((resolve) => {
    const points: Array<[number, number]> = [];
    const end = performance.now() + durationMs;
    let size = 1 << 13;
    let sent = 0;
    let done = false;
    const stop = setTimeout(() => ws.terminate(), durationMs + 3000);
    const onAbort = () => ws.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    // Points index buckets: each must fall inside the test and count no fewer bytes than the last.
    const lastUs = (durationMs + 10_000) * 1000;
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (binary || points.length > 10_000) return;
      try {
        const m = JSON.parse(data.toString()) as { AppInfo?: { ElapsedTime?: unknown; NumBytes?: unknown } };
        const el = m.AppInfo?.ElapsedTime;
        const n = m.AppInfo?.NumBytes;
        const prev = points[points.length - 1];
        if (
          typeof el !== 'number' ||
          typeof n !== 'number' ||
          !(el >= (prev?.[0] ?? 0) && el <= lastUs) ||
          !(n >= (prev?.[1] ?? 0) && n <= Number.MAX_SAFE_INTEGER)
        )
          return;
        points.push([el, n]);
      } catch {
        // not a measurement message
      }
    });
    ws.on('error', () => undefined);
    ws.once('close', () => {
      done = true;
      clearTimeout(stop);
      signal?.removeEventListener('abort', onAbort);
      resolve(points);
    });
    const loop = () => {
      while (!done && ws.readyState === ws.OPEN && ws.bufferedAmount < 4 * size) {
        if (performance.now() >= end) return;
        ws.send(WRITE.subarray(0, Math.min(size, WRITE.length)), { binary: true });
        sent += size;
        // ndt7's scaling rule, as the reflector's download side uses it.
        if (size < 1 << 20 && size < sent / 16) size *= 2;
      }
      if (!done) setImmediate(loop);
    };
    loop();
  });
}
