// Opens TCP (and optionally TLS) to an already-resolved address and tracks which phase it
// reached, so a failure can be told apart: refused / filtered / unreachable at connect, a TLS
// failure of a given kind at the handshake, or a problem after that. http and websocket checks
// hand these sockets to undici and ws, so every check reuses one DNS answer.

import type { EventEmitter } from 'node:events';
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { nodeTls } from '../util/node-builtins.js';
import { PathError, toPathError, type Phase } from './classify.js';
import { round } from '../util/number.js';

export interface DialOptions {
  address: string;
  port: number;
  /** TLS options (servername, ca, ALPNProtocols, ...); absent means plain TCP. */
  tls?: ConnectionOptions;
  /** Time allowed for the TCP handshake; silence until then means the SYN was dropped (filtered). */
  connectTimeoutMs: number;
  /** Time allowed for the TLS handshake once TCP is up. */
  tlsTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Plain TCP only: read into one caller-owned buffer (net.connect's `onread`) instead of a new
   * Buffer per read; 'data' events then never fire. For receivers that only count bytes.
   */
  onread?: OnReadOpts;
}

export interface DialTimings {
  connectMs?: number;
  tlsMs?: number;
}

export interface Dialed {
  socket: Socket | TLSSocket;
  address: string;
  timings: DialTimings;
  tls?: { protocol: string | null; cipher: string | null; alpn: string | false | null; authorized: boolean };
}

const guarded = new WeakSet<EventEmitter>();
const firstError = new WeakMap<EventEmitter, Error>();

/**
 * Gives a socket, TLS socket, WebSocket or stream an 'error' listener for its whole life, from the
 * moment it exists. Node throws an 'error' nobody listens to, and an object passes between owners
 * (dial, the CONNECT reader, TLS, ws, undici) with moments in between when none of them listens: a
 * reset that lands in such a moment would end the run. Owners still listen to act on errors; this
 * listener only remembers the first one, so the next owner can say why the object died before it
 * took over (errorSeen, assertOpen). Never removed: nothing may call removeAllListeners on these.
 */
export function keepErrors<T extends EventEmitter>(emitter: T): T {
  if (guarded.has(emitter)) return emitter;
  guarded.add(emitter);
  emitter.on('error', (err: Error) => {
    if (!firstError.has(emitter)) firstError.set(emitter, err);
  });
  return emitter;
}

/** The first error an object guarded by keepErrors emitted, if any. */
export function errorSeen(emitter: EventEmitter): Error | undefined {
  return firstError.get(emitter);
}

/**
 * Throws at once when a socket died between two owners (a peer that reset right after the
 * handshake): listening to a destroyed socket for its answer would wait for a deadline instead.
 */
export function assertOpen(socket: Socket | TLSSocket, phase: Phase): void {
  if (!socket.destroyed) return;
  throw toPathError(errorSeen(socket) ?? Object.assign(new Error('the peer closed the connection'), { code: 'ECONNRESET' }), phase);
}

/** Dial, resolving once the connection is usable; rejects with a PathError naming the phase. */
export function dial(opts: DialOptions): Promise<Dialed> {
  return new Promise((resolve, reject) => {
    let tracker: ReturnType<typeof dialTracked>;
    try {
      tracker = dialTracked(opts);
    } catch (err) {
      reject(toPathError(err, 'connect'));
      return;
    }
    tracker.ready.then(resolve, reject);
  });
}

/**
 * Starts the dial synchronously (ws needs the socket at once) and reports through `ready`. The
 * sockets carry keepErrors' listener from birth; a caller that takes one over listens for errors
 * to act on them, not to keep the process alive.
 */
export function dialTracked(opts: DialOptions): { socket: Socket | TLSSocket; ready: Promise<Dialed>; phase(): Phase | 'established' } {
  const t0 = performance.now();
  const timings: DialTimings = {};
  let phase: Phase | 'established' = 'connect';
  const raw = keepErrors(
    netConnect({ host: opts.address, port: opts.port, noDelay: true, ...(opts.onread && !opts.tls ? { onread: opts.onread } : {}) }),
  );
  // Nothing hidden may keep an idle line alive (idle-timeout tests depend on it).
  raw.setKeepAlive(false);
  const socket: Socket | TLSSocket = opts.tls ? keepErrors(nodeTls().connect({ ...opts.tls, socket: raw })) : raw;

  const ready = new Promise<Dialed>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      raw.destroy();
      reject(toPathError(err, phase === 'established' ? 'application' : phase));
    };
    // The verdict waits one more turn of the event loop: on a busy CPU a completed handshake may be
    // sitting unread, and "filtered" must mean silence, not a late callback.
    const connectTimer = setTimeout(
      () =>
        setImmediate(() =>
          fail(
            new PathError('filtered', 'connect', `no answer to the TCP handshake within ${opts.connectTimeoutMs} ms`, 'CONNECT_TIMEOUT'),
          ),
        ),
      opts.connectTimeoutMs,
    );
    let tlsTimer: NodeJS.Timeout | undefined;
    const onAbort = () => fail(opts.signal?.reason ?? new Error('aborted'));
    const onRawConnect = () => {
      clearTimeout(connectTimer);
      timings.connectMs = round(performance.now() - t0);
      if (!opts.tls) return done();
      phase = 'tls';
      tlsTimer = setTimeout(
        () =>
          fail(
            new PathError(
              'tls-failure',
              'tls',
              `TLS handshake did not finish within ${opts.tlsTimeoutMs ?? opts.connectTimeoutMs} ms`,
              'TLS_TIMEOUT',
              'handshake-timeout',
            ),
          ),
        opts.tlsTimeoutMs ?? opts.connectTimeoutMs,
      );
    };
    const onSecure = () => done();
    const onClose = () =>
      fail(Object.assign(new Error('connection closed during the handshake'), { code: phase === 'tls' ? 'ECONNRESET' : 'ECONNCLOSED' }));
    const done = () => {
      if (settled) return;
      settled = true;
      phase = 'established';
      cleanup();
      const t = socket as TLSSocket;
      if (opts.tls) timings.tlsMs = round(performance.now() - t0 - (timings.connectMs ?? 0));
      resolve({
        socket,
        address: opts.address,
        timings,
        ...(opts.tls
          ? { tls: { protocol: t.getProtocol(), cipher: t.getCipher()?.name ?? null, alpn: t.alpnProtocol, authorized: t.authorized } }
          : {}),
      });
    };
    const cleanup = () => {
      clearTimeout(connectTimer);
      clearTimeout(tlsTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      raw.off('connect', onRawConnect);
      raw.off('error', fail);
      socket.off('error', fail);
      socket.off('secureConnect', onSecure);
      socket.off('close', onClose);
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    raw.once('connect', onRawConnect);
    raw.on('error', fail);
    socket.on('error', fail);
    socket.once('close', onClose);
    if (opts.tls) socket.once('secureConnect', onSecure);
  });
  return { socket, ready, phase: () => phase };
}

/** Tries the addresses in order (as resolved) and keeps the first that connects. */
export async function dialFirst(addresses: string[], opts: Omit<DialOptions, 'address'>): Promise<Dialed> {
  let first: unknown;
  for (const address of addresses) {
    try {
      return await dial({ ...opts, address });
    } catch (err) {
      first ??= err;
      // A TLS failure is about the server, not the address: another address will not fix it.
      if (err instanceof PathError && err.phase !== 'connect') throw err;
      if (opts.signal?.aborted) throw err;
    }
  }
  throw first ?? new PathError('dns-failure', 'dns', 'no addresses to connect to');
}

/** TLS over an established stream (a proxy tunnel): the same phase-aware failure as dial(). */
export function tlsOver(
  socket: Socket,
  options: ConnectionOptions,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ socket: TLSSocket; tlsMs: number; tls: NonNullable<Dialed['tls']> }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    try {
      assertOpen(socket, 'tls');
    } catch (err) {
      reject(err);
      return;
    }
    const tlsSocket = keepErrors(nodeTls().connect({ ...options, socket }));
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      tlsSocket.off('error', finish);
      tlsSocket.off('close', onClose);
      if (err) {
        tlsSocket.destroy();
        socket.destroy();
        reject(toPathError(err, 'tls'));
      } else {
        resolve({
          socket: tlsSocket,
          tlsMs: round(performance.now() - t0),
          tls: {
            protocol: tlsSocket.getProtocol(),
            cipher: tlsSocket.getCipher()?.name ?? null,
            alpn: tlsSocket.alpnProtocol,
            authorized: tlsSocket.authorized,
          },
        });
      }
    };
    const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
    const onClose = () => finish(Object.assign(new Error('connection closed during the TLS handshake'), { code: 'ECONNRESET' }));
    const timer = setTimeout(
      () =>
        finish(
          new PathError('tls-failure', 'tls', `TLS handshake did not finish within ${timeoutMs} ms`, 'TLS_TIMEOUT', 'handshake-timeout'),
        ),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    tlsSocket.once('secureConnect', () => finish());
    tlsSocket.on('error', finish);
    tlsSocket.once('close', onClose);
  });
}
