// What only a finished handshake shows. TLS 1.3 encrypts everything after the ServerHello, so
// for a server that speaks nothing older the ALPN choice (EncryptedExtensions), the OCSP staple
// (inside Certificate) and session tickets (NewSessionTicket) need a real handshake: node:tls
// does it, with certificate checks off because this is about the protocol, not about trust.

import { performance } from 'node:perf_hooks';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { nodeTls } from '../util/node-builtins.js';
import { PathError, toPathError } from '../net/classify.js';
import { dialTracked, keepErrors, type Dialed } from '../net/dial.js';
import type { StreamConnector } from './connector.js';

export interface FinishedHandshakeTarget {
  address: string;
  port: number;
  serverName?: string;
  /** Opens the stream instead of dialling `address` (through the site's proxy). */
  connect?: StreamConnector;
}

export interface FinishedHandshakeResult {
  /** The protocol the server chose, or null when it chose none / refused the connection. */
  alpn: string | null;
  ocspStapled: boolean;
  sessionTicket: boolean;
  protocol: string | null;
  error?: { code: string; message: string };
}

/** After the handshake, how long to wait for a NewSessionTicket (servers send it right away). */
const TICKET_WAIT_MS = 1000;

export async function finishedHandshake(
  target: FinishedHandshakeTarget,
  opts: { alpn?: string[]; timeoutMs: number; connectTimeoutMs?: number; signal?: AbortSignal; minVersion?: 'TLSv1.2' | 'TLSv1.3' },
): Promise<FinishedHandshakeResult> {
  let ocspStapled = false;
  let sessionTicket = false;
  const tls: ConnectionOptions = {
    ...(target.serverName ? { servername: target.serverName } : {}),
    rejectUnauthorized: false,
    // A TLSSocket option tls.connect passes through, missing from ConnectionOptions' typing.
    ...({ requestOCSP: true } as object),
    minVersion: opts.minVersion ?? 'TLSv1.3',
    ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
  };
  const connectTimeoutMs = Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs);
  let socket: TLSSocket;
  let ready: Promise<Pick<Dialed, 'tls'>>;
  // The opened stream under the TLS socket, closed with it (a tunnel keeps its slot until it closes).
  let stream: { destroy(): void } | undefined;
  try {
    if (target.connect) {
      const t0 = performance.now();
      const opened = await target.connect({ connectTimeoutMs, timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      stream = opened.socket;
      // The listeners below are added in this same turn, before the handshake starts.
      socket = keepErrors(nodeTls().connect({ ...tls, socket: opened.socket }));
      ready = secured(socket, Math.max(1, opts.timeoutMs - (performance.now() - t0 - opened.queuedMs)), opts.signal);
    } else {
      const tracked = dialTracked({
        address: target.address,
        port: target.port,
        connectTimeoutMs,
        tlsTimeoutMs: opts.timeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        tls,
      });
      socket = tracked.socket as TLSSocket;
      ready = tracked.ready;
    }
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return {
      alpn: null,
      ocspStapled,
      sessionTicket,
      protocol: null,
      error: { code: e.code ?? 'DIAL_FAILED', message: e.message ?? String(err) },
    };
  }
  // dial() watches errors until the handshake; after that they are ours to swallow.
  socket.on('error', () => undefined);
  socket.on('OCSPResponse', (response: Buffer) => {
    if (response?.length) ocspStapled = true;
  });
  socket.on('session', () => {
    sessionTicket = true;
  });
  try {
    const dialed = await ready;
    await new Promise<void>((resolve) => {
      if (sessionTicket) return resolve();
      const timer = setTimeout(resolve, Math.min(TICKET_WAIT_MS, opts.timeoutMs));
      socket.once('session', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      // Reading lets the ticket records be processed.
      socket.resume();
    });
    return {
      alpn: typeof dialed.tls?.alpn === 'string' ? dialed.tls.alpn : null,
      ocspStapled,
      sessionTicket,
      protocol: dialed.tls?.protocol ?? null,
    };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return {
      alpn: null,
      ocspStapled,
      sessionTicket,
      protocol: null,
      error: { code: e.code ?? 'TLS_FAILED', message: e.message ?? String(err) },
    };
  } finally {
    socket.destroy();
    stream?.destroy();
  }
}

/** The handshake of a TLS socket over an opened stream, within the deadline (as dialTracked's). */
function secured(socket: TLSSocket, timeoutMs: number, signal?: AbortSignal): Promise<Pick<Dialed, 'tls'>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', finish);
      socket.off('close', onClose);
      if (err !== undefined) return reject(toPathError(err, 'tls'));
      resolve({
        tls: {
          protocol: socket.getProtocol(),
          cipher: socket.getCipher()?.name ?? null,
          alpn: socket.alpnProtocol,
          authorized: socket.authorized,
        },
      });
    };
    const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
    const onClose = () => finish(Object.assign(new Error('connection closed during the TLS handshake'), { code: 'ECONNRESET' }));
    const timer = setTimeout(
      () => finish(new PathError('tls-failure', 'tls', `TLS handshake did not finish within ${Math.round(timeoutMs)} ms`, 'TLS_TIMEOUT')),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => finish());
    socket.on('error', finish);
    socket.once('close', onClose);
  });
}
