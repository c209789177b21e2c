// WebSocket upgrade and ping/pong round trips with ws, over a socket from dial().

import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import type WebSocket from 'ws';
import { PathError, ProtocolError, errorCode, toPathError } from './classify.js';
import { assertOpen, errorSeen, keepErrors, type DialTimings, type Dialed } from './dial.js';
import type { OpenTarget, Opened } from './route-connect.js';
import { isIpLiteral } from './host.js';
import { round } from '../util/number.js';

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

/**
 * The largest message accepted from the server. Signalling endpoints are only pinged here; a
 * server that announces a bigger frame is refused at its header (a protocol error) instead of
 * being buffered up to ws's 100 MiB default.
 */
const MAX_PAYLOAD = 1 << 20;

export type WsOpenOptions = Omit<WsProbeOptions, 'pings'>;

export interface OpenedWebSocket {
  ws: WebSocket;
  opened: Opened;
  t0: number;
  /**
   * Why the connection has ended, once it has (a frame that broke the protocol, a reset, a close);
   * undefined while it is open. A bad frame glued to the 101 ends it before the caller's first
   * step: callers ask this instead of waiting for an event that already fired.
   */
  ended(): PathError | undefined;
}

/**
 * Opens a WebSocket along the route: connect (and TLS) first, so failures there are classified by
 * their phase, then the upgrade with its own deadline. Rejects with a PathError; the caller owns `ws`.
 */
export async function openWebSocket(opts: WsOpenOptions): Promise<OpenedWebSocket> {
  const url = new URL(opts.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const secure = url.protocol === 'wss:';
  const port = Number(url.port) || (secure ? 443 : 80);
  const t0 = performance.now();
  // The budget runs from here, not from when the upgrade is sent: the caller sizes it to end
  // before its own deadline, and connecting (or a first import of ws) may have used part of it.
  const left = () => budgetLeft(t0, opts.timeoutMs);
  const servername = opts.tls?.servername ?? (isIpLiteral(host) ? undefined : host);
  // ws is loaded before connecting, so nothing awaits between the connection and ws taking it over.
  const { default: WebSocketClass } = await import('ws');
  const opened = await opts.open({
    host,
    port,
    ...(secure ? { tls: { ALPNProtocols: ['http/1.1'], ...opts.tls, ...(servername ? { servername } : {}) } } : {}),
  });
  try {
    // A peer that accepted and reset at once: say so now, not after the upgrade deadline.
    assertOpen(opened.socket, 'application');
  } catch (err) {
    opened.socket.destroy();
    throw err;
  }
  const ws = keepErrors(
    new WebSocketClass(url, opts.subprotocols ?? [], {
      handshakeTimeout: left(),
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload: MAX_PAYLOAD,
      createConnection: () => opened.socket as never,
    }),
  );
  // For the whole life of `ws`: what ended it, recorded before any caller's listener runs.
  let upgraded = false;
  let failure: PathError | undefined;
  let closed = false;
  ws.on('error', (err: Error) => {
    failure ??= wsFailure(err, upgraded);
  });
  ws.on('close', (code: number) => {
    closed = true;
    // ws reports a reset of its socket only as close 1006; the socket itself says what happened.
    const socketError = errorSeen(opened.socket);
    failure ??= socketError
      ? toPathError(socketError, 'application')
      : new PathError('http-error', 'application', `the server closed the WebSocket (${code})`, `WS_CLOSE_${code}`);
  });
  const ended = () =>
    closed || ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED
      ? (failure ?? new PathError('http-error', 'application', 'the WebSocket is closing', 'WS_CLOSING'))
      : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let noSubprotocol = false;
      const onAbort = () => settle(() => reject(opts.signal?.reason ?? new Error('aborted')));
      // ws's handshakeTimeout needs the socket timeout that net.createConnection would set from the
      // request options; our createConnection does not, so the upgrade gets its own deadline.
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(new PathError('timeout', 'application', `no answer to the upgrade within ${opts.timeoutMs} ms`, 'WS_UPGRADE_TIMEOUT')),
          ),
        left(),
      );
      const onUpgrade = (res: { headers: Record<string, string | string[] | undefined> }) => {
        noSubprotocol = Boolean(opts.subprotocols?.length) && res.headers['sec-websocket-protocol'] === undefined;
      };
      const onOpen = () => {
        upgraded = true;
        settle(resolve);
      };
      const onUnexpected = (_req: unknown, res: { statusCode?: number; resume(): void }) => {
        const status = res.statusCode ?? 0;
        res.resume();
        // A 101 that Node did not take for an upgrade lacks its Upgrade header: a broken handshake, not a refusal.
        const err =
          status === 101
            ? new ProtocolError(
                'websocket',
                'the server answered 101 Switching Protocols without upgrading the connection',
                'WS_BAD_HANDSHAKE',
              )
            : new PathError('http-error', 'application', `upgrade refused with HTTP ${status}`, `HTTP_${status}`);
        settle(() => reject(err));
      };
      const onError = (err: Error) => {
        if (noSubprotocol)
          return settle(() =>
            reject(new PathError('http-error', 'application', 'the server agreed to none of the requested subprotocols', NO_SUBPROTOCOL)),
          );
        settle(() => reject(wsFailure(err, false)));
      };
      // Only this promise's own listeners go: the ones above, kept for the life of `ws`, stay.
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        ws.off('upgrade', onUpgrade);
        ws.off('open', onOpen);
        ws.off('unexpected-response', onUnexpected);
        ws.off('error', onError);
        fn();
      };
      ws.once('upgrade', onUpgrade);
      ws.once('open', onOpen);
      ws.once('unexpected-response', onUnexpected);
      ws.on('error', onError);
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  } catch (err) {
    ws.terminate();
    opened.socket.destroy();
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw toPathError(err, 'application');
  }
  return { ws, opened, t0, ended };
}

/**
 * What an error from ws means. During the upgrade, an error without a system code is ws refusing
 * the server's answer (a wrong Sec-WebSocket-Accept, an extension or subprotocol nobody asked for):
 * the server broke the opening handshake. After it, WS_ERR_* codes are frames no client may accept.
 */
function wsFailure(err: Error, upgraded: boolean): PathError {
  const pe = toPathError(err, 'application');
  if (pe instanceof ProtocolError || upgraded || errorCode(err)) return pe;
  return new ProtocolError('websocket', `the server broke the opening handshake: ${err.message}`, 'WS_BAD_HANDSHAKE');
}

/** What is left of a probe's budget that started at `t0`. */
function budgetLeft(t0: number, timeoutMs: number): number {
  return Math.max(1, t0 + timeoutMs - performance.now());
}

export async function wsProbe(opts: WsProbeOptions): Promise<WsProbeResult> {
  const { ws, opened, t0, ended } = await openWebSocket(opts);
  const address = opened.address;
  try {
    const dialed = opened;
    const upgradeMs = round(performance.now() - t0);
    const pingRttMs: number[] = [];
    for (let i = 0; i < opts.pings; i++) pingRttMs.push(await ping(ws, ended, budgetLeft(t0, opts.timeoutMs), opts.signal));
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
    if (ws.readyState === ws.OPEN) ws.close(1000);
    ws.terminate();
  }
}

/** One ping and its pong; fails at once when the connection has ended or ends meanwhile. */
function ping(ws: WebSocket, ended: () => PathError | undefined, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const already = ended();
    if (already) return reject(already);
    if (signal?.aborted) return reject(signal.reason);
    const payload = Buffer.from(String(Math.random()).slice(2, 10));
    const t0 = performance.now();
    const timer = setTimeout(
      () => finish(new PathError('timeout', 'application', `no pong within ${Math.round(timeoutMs)} ms`)),
      timeoutMs,
    );
    const onPong = (data: Buffer) => {
      if (data.equals(payload)) finish();
    };
    const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
    // ws emits 'error' (recorded by openWebSocket) before 'close': the reason is known by then.
    const onClose = () => finish(ended() ?? new PathError('http-error', 'application', 'connection closed before pong'));
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
