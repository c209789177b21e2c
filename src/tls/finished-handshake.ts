// What only a finished handshake shows. TLS 1.3 encrypts everything after the ServerHello, so
// for a server that speaks nothing older the ALPN choice (EncryptedExtensions), the OCSP staple
// (inside Certificate) and session tickets (NewSessionTicket) need a real handshake: node:tls
// does it, with certificate checks off because this is about the protocol, not about trust.

import type { TLSSocket } from 'node:tls';
import { dialTracked } from '../net/dial.js';

export interface FinishedHandshakeTarget {
  address: string;
  port: number;
  serverName?: string;
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
  let tracked: ReturnType<typeof dialTracked>;
  try {
    tracked = dialTracked({
      address: target.address,
      port: target.port,
      connectTimeoutMs: Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs),
      tlsTimeoutMs: opts.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      tls: {
        ...(target.serverName ? { servername: target.serverName } : {}),
        rejectUnauthorized: false,
        // A TLSSocket option tls.connect passes through, missing from ConnectionOptions' typing.
        ...({ requestOCSP: true } as object),
        minVersion: opts.minVersion ?? 'TLSv1.3',
        ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
      },
    });
  } catch (err) {
    return { alpn: null, ocspStapled, sessionTicket, protocol: null, error: { code: 'DIAL_FAILED', message: String(err) } };
  }
  const socket = tracked.socket as TLSSocket;
  // dial() watches errors until the handshake; after that they are ours to swallow.
  socket.on('error', () => undefined);
  socket.on('OCSPResponse', (response: Buffer) => {
    if (response?.length) ocspStapled = true;
  });
  socket.on('session', () => {
    sessionTicket = true;
  });
  try {
    const dialed = await tracked.ready;
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
  }
}
