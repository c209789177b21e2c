// One raw TLS probe: dial TCP to an already-resolved address, send a hello, read until the
// answer is decided (ServerHelloDone, a fatal alert, a TLS 1.3 ServerHello or HelloRetryRequest,
// an SSLv2 SERVER-HELLO, EOF or the deadline), close. Optionally send one follow-up record after
// the answer (the Heartbleed check) and read a little longer.
//
// It never throws: a refused port, a stalled peer, garbage or a truncated reply each come back
// as a typed ProbeResult, so the enumeration can tell "suite refused" from "server broken".

import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { dialTracked } from '../net/dial.js';
import { PathError } from '../net/classify.js';
import { FlightAssembler, RecordReader, flightDecided, type ServerFlight, type TlsAlert } from './server-flight.js';
import { TlsWireError } from './wire.js';
import type { StreamConnector } from './connector.js';

export interface ProbeTarget {
  address: string;
  port: number;
  /** Opens the stream instead of dialling `address` (a CONNECT tunnel through the site's proxy). */
  connect?: StreamConnector;
}

export interface ProbeFollowUp {
  data: Buffer;
  /** How long to keep reading after sending it. */
  waitMs: number;
  /** Stop early once this holds. */
  until(flight: ServerFlight): boolean;
}

export interface ProbeOptions {
  /** The whole probe: connect, send, read. */
  timeoutMs: number;
  /** TCP connect alone (defaults to timeoutMs). */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  /** The hello is SSLv2: accept an SSLv2 record as the reply. */
  sslv2?: boolean;
  /** The hello is TLCP: accept record version 0x0101. */
  tlcp?: boolean;
  followUp?: ProbeFollowUp;
  /** Stop reading once this holds, instead of waiting for the whole flight (default: flightDecided). */
  decided?(flight: ServerFlight): boolean;
  /** A connection dialled ahead of time (its connect round trip already paid); used instead of dialling. */
  preDialed?: Promise<Socket>;
  /**
   * Send the hello and our FIN together. A server that serves one connection at a time otherwise
   * waits a round trip after its answer for us to hang up before it reads the next hello.
   */
  halfClose?: boolean;
  /** Keep the connection open after the answer until this settles (tells a one-at-a-time server). */
  hold?: Promise<unknown>;
}

export type ProbeStatus =
  /** A ServerHello (or HelloRetryRequest, or SSLv2 SERVER-HELLO) arrived. */
  | 'answered'
  /** A fatal alert and no ServerHello: the server refused what was offered. */
  | 'alert'
  /** The server closed the connection without answering. */
  | 'closed'
  /** The server reset the connection without answering. */
  | 'reset'
  /** No decision before the deadline. */
  | 'timeout'
  /** TCP did not connect (refused, filtered, unreachable). */
  | 'connect-failed'
  /** The reply was not valid TLS (TlsWireError). */
  | 'malformed'
  | 'aborted';

export interface ProbeResult {
  status: ProbeStatus;
  flight: ServerFlight;
  /** The first fatal alert, if any. */
  alert?: TlsAlert;
  /** Why a probe ended in something other than an answer or an alert. */
  error?: { code: string; message: string };
  /** The flight was complete (ServerHelloDone or equivalent) before the connection ended. */
  complete: boolean;
  bytesReceived: number;
  ms: number;
}

/** More than any real first flight; a peer that keeps sending is not a TLS server. */
const MAX_REPLY_BYTES = 1024 * 1024;

export async function probe(target: ProbeTarget, hello: Buffer, opts: ProbeOptions): Promise<ProbeResult> {
  const t0 = performance.now();
  const assembler = new FlightAssembler();
  const elapsed = () => Math.round((performance.now() - t0) * 100) / 100;
  const base = (status: ProbeStatus, error?: { code: string; message: string }): ProbeResult => ({
    status,
    flight: assembler.flight,
    ...(error ? { error } : {}),
    complete: false,
    bytesReceived: 0,
    ms: elapsed(),
  });
  if (opts.signal?.aborted) return base('aborted', { code: 'ABORTED', message: 'aborted before the probe started' });

  let socket: Socket;
  // Waiting for a free tunnel is not the server's time.
  let queuedMs = 0;
  try {
    const connectTimeoutMs = Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs);
    if (opts.preDialed && !target.connect) {
      socket = await opts.preDialed;
    } else if (target.connect) {
      const opened = await target.connect({ connectTimeoutMs, timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      socket = opened.socket;
      queuedMs = opened.queuedMs;
    } else {
      const tracked = dialTracked({
        address: target.address,
        port: target.port,
        connectTimeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      // The dial stops listening once connected; the exchange starts listening a turn later.
      tracked.socket.on('error', () => undefined);
      const dialed = await tracked.ready;
      socket = dialed.socket as Socket;
    }
  } catch (err) {
    if (opts.signal?.aborted) return base('aborted', { code: 'ABORTED', message: 'aborted while connecting' });
    const code = err instanceof PathError ? (err.code ?? err.classification) : 'CONNECT_FAILED';
    return base('connect-failed', { code, message: err instanceof Error ? err.message : String(err) });
  }

  const remaining = Math.max(1, opts.timeoutMs - (performance.now() - t0 - queuedMs));
  return exchange(socket, hello, assembler, remaining, opts, elapsed);
}

function exchange(
  socket: Socket,
  hello: Buffer,
  assembler: FlightAssembler,
  timeoutMs: number,
  opts: ProbeOptions,
  elapsed: () => number,
): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    const reader = new RecordReader({ ...(opts.sslv2 ? { sslv2: true } : {}), ...(opts.tlcp ? { tlcp: true } : {}) });
    const decided = opts.decided ?? flightDecided;
    let bytes = 0;
    let settled = false;
    let followUpSent = false;
    let followUpTimer: NodeJS.Timeout | undefined;

    const finish = (status: ProbeStatus | undefined, error?: { code: string; message: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(followUpTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      if (opts.hold) {
        socket.on('error', () => undefined);
        void opts.hold.finally(() => socket.destroy());
      } else socket.destroy();
      const f = assembler.flight;
      const alert = f.alerts.find((a) => a.level === 2);
      const answered = Boolean(f.serverHello || f.sslv2);
      const final: ProbeStatus =
        status === 'malformed' || status === 'aborted' ? status : answered ? 'answered' : alert ? 'alert' : (status ?? 'closed');
      resolve({
        status: final,
        flight: f,
        ...(alert ? { alert } : {}),
        ...(error && final !== 'answered' && final !== 'alert' ? { error } : {}),
        complete: decided(f),
        bytesReceived: bytes,
        ms: elapsed(),
      });
    };

    const maybeDone = () => {
      const f = assembler.flight;
      if (!decided(f)) return;
      const fu = opts.followUp;
      const answered = f.serverHello && !f.alerts.some((a) => a.level === 2);
      if (!fu || !answered) return finish(undefined);
      if (!followUpSent) {
        followUpSent = true;
        socket.write(fu.data);
        followUpTimer = setTimeout(() => finish(undefined), fu.waitMs);
        return;
      }
      if (fu.until(f)) finish(undefined);
    };

    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_REPLY_BYTES)
        return finish('malformed', { code: 'BAD_LENGTH', message: `more than ${MAX_REPLY_BYTES} bytes in reply to a hello` });
      try {
        assembler.add(reader.push(chunk));
      } catch (err) {
        if (err instanceof TlsWireError) return finish('malformed', { code: err.code, message: err.message });
        return finish('malformed', { code: 'PARSE_ERROR', message: err instanceof Error ? err.message : String(err) });
      }
      maybeDone();
    };
    const onEnd = () => {
      if (reader.pending > 0 && !assembler.flight.serverHello && !assembler.flight.alerts.length) {
        return finish('malformed', { code: 'TRUNCATED', message: `connection closed inside a record (${reader.pending} bytes pending)` });
      }
      finish('closed', { code: 'CLOSED', message: 'the server closed the connection without answering' });
    };
    const onError = (err: Error & { code?: string }) => {
      const code = err.code ?? 'SOCKET_ERROR';
      finish(code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'closed', { code, message: err.message });
    };
    const onAbort = () => finish('aborted', { code: 'ABORTED', message: 'aborted' });
    const timer = setTimeout(() => {
      // The follow-up's own wait ends the probe; the overall deadline only when no answer came.
      finish('timeout', { code: 'TIMEOUT', message: `no decision within ${Math.round(timeoutMs)} ms (${bytes} bytes received)` });
    }, timeoutMs);

    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.on('error', onError);
    if (opts.halfClose) socket.end(hello);
    else socket.write(hello);
  });
}
