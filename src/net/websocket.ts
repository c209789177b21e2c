// WebSocket upgrade and ping/pong round trips with ws, over a socket from dial().

import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import type WebSocket from 'ws';
import { PathError, toPathError } from './classify.js';
import type { DialTimings, Dialed } from './dial.js';
import type { OpenTarget, Opened } from './route-connect.js';
import { isIpLiteral } from './host.js';

export interface WsProbeOptions {
  url: string;
  /** Opens the connection along the endpoint's route (see route-connect.ts). */
  open(target: OpenTarget): Promise<Opened>;
  subprotocols?: string[];
  tls?: Pick<ConnectionOptions, 'ca' | 'secureContext' | 'rejectUnauthorized' | 'servername'>;
  connectTimeoutMs: number;
  /** Budget for the whole probe, counted from its start: connect, TLS, upgrade and every ping. */
  timeoutMs: number;
  pings: number;
  signal?: AbortSignal;
}

export interface WsProbeResult {
  address: string;
  path: 'direct' | 'proxy';
  timings: DialTimings & { upgradeMs: number };
  protocol: string;
  extensions: string;
  pingRttMs: number[];
  tls?: Dialed['tls'];
}

/** PathError code: the upgrade succeeded but the server chose none of the requested subprotocols (ws then aborts). */
export const NO_SUBPROTOCOL = 'WS_NO_SUBPROTOCOL';

export type WsOpenOptions = Omit<WsProbeOptions, 'pings'>;

/**
 * Opens a WebSocket along the route: connect (and TLS) first, so failures there are classified by
 * their phase, then the upgrade with its own deadline. Rejects with a PathError; the caller owns `ws`.
 */
export async function openWebSocket(opts: WsOpenOptions): Promise<{ ws: WebSocket; opened: Opened; t0: number }> {
  const url = new URL(opts.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const secure = url.protocol === 'wss:';
  const port = Number(url.port) || (secure ? 443 : 80);
  const t0 = performance.now();
  // The budget runs from here, not from when the upgrade is sent: the caller sizes it to end
  // before its own deadline, and connecting (or a first import of ws) may have used part of it.
  const left = () => budgetLeft(t0, opts.timeoutMs);
  const servername = opts.tls?.servername ?? (isIpLiteral(host) ? undefined : host);
  const opened = await opts.open({ host, port, ...(secure ? { tls: { ALPNProtocols: ['http/1.1'], ...opts.tls, ...(servername ? { servername } : {}) } } : {}) });
  const { default: WebSocketClass } = await import('ws');
  const ws = new WebSocketClass(url, opts.subprotocols ?? [], {
    handshakeTimeout: left(),
    perMessageDeflate: false,
    followRedirects: false,
    createConnection: () => opened.socket as never,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(opts.signal?.reason ?? new Error('aborted'));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      // ws's handshakeTimeout needs the socket timeout that net.createConnection would set from the
      // request options; our createConnection does not, so the upgrade gets its own deadline.
      const timer = setTimeout(
        () => settle(() => reject(new PathError('timeout', 'application', `no answer to the upgrade within ${opts.timeoutMs} ms`, 'WS_UPGRADE_TIMEOUT'))),
        left(),
      );
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        ws.removeAllListeners('upgrade');
        ws.removeAllListeners('unexpected-response');
        ws.removeAllListeners('error');
        ws.removeAllListeners('open');
        fn();
      };
      let noSubprotocol = false;
      ws.once('upgrade', (res) => {
        noSubprotocol = Boolean(opts.subprotocols?.length) && res.headers['sec-websocket-protocol'] === undefined;
      });
      ws.once('open', () => settle(resolve));
      ws.once('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        settle(() => reject(new PathError('http-error', 'application', `upgrade refused with HTTP ${status}`, `HTTP_${status}`)));
      });
      ws.once('error', (err) => {
        if (noSubprotocol) {
          settle(() => reject(new PathError('http-error', 'application', 'the server agreed to none of the requested subprotocols', NO_SUBPROTOCOL)));
          return;
        }
        settle(() => reject(toPathError(err, 'application')));
      });
    });
  } catch (err) {
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    opened.socket.on('error', () => undefined);
    ws.terminate();
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw toPathError(err, 'application');
  }
  // From here the caller listens for what it cares about; an error nobody awaits must not crash the run.
  ws.on('error', () => undefined);
  opened.socket.on('error', () => undefined);
  return { ws, opened, t0 };
}

/** What is left of a probe's budget that started at `t0`. */
function budgetLeft(t0: number, timeoutMs: number): number {
  return Math.max(1, t0 + timeoutMs - performance.now());
}

export async function wsProbe(opts: WsProbeOptions): Promise<WsProbeResult> {
  const { ws, opened, t0 } = await openWebSocket(opts);
  const address = opened.address;
  try {
    const dialed = opened;
    const upgradeMs = round(performance.now() - t0);
    const pingRttMs: number[] = [];
    for (let i = 0; i < opts.pings; i++) pingRttMs.push(await ping(ws, budgetLeft(t0, opts.timeoutMs), opts.signal));
    return {
      address,
      path: opened.path,
      timings: { ...dialed.timings, upgradeMs },
      protocol: ws.protocol,
      extensions: ws.extensions,
      pingRttMs,
      ...(dialed.tls ? { tls: dialed.tls } : {}),
    };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw toPathError(err, 'application');
  } finally {
    opened.socket.on('error', () => undefined);
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    if (ws.readyState === ws.OPEN) ws.close(1000);
    ws.terminate();
  }
}

function ping(ws: WebSocket, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(String(Math.random()).slice(2, 10));
    const t0 = performance.now();
    const timer = setTimeout(() => finish(new PathError('timeout', 'application', `no pong within ${Math.round(timeoutMs)} ms`)), timeoutMs);
    const onPong = (data: Buffer) => {
      if (data.equals(payload)) finish();
    };
    const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
    const onClose = () => finish(new PathError('http-error', 'application', 'connection closed before pong'));
    const finish = (err?: unknown) => {
      clearTimeout(timer);
      ws.off('pong', onPong);
      ws.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(round(performance.now() - t0));
    };
    ws.on('pong', onPong);
    ws.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    ws.ping(payload);
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
