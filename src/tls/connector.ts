// How the audit reaches the server when it cannot dial it directly: a fresh byte stream per probe,
// opened by someone else (a CONNECT tunnel through the site's proxy). A TLS scanner needs a new
// connection for every hello, so each call opens its own tunnel; at most `maxTunnels` are open
// through one proxy at once (a slot is held until the tunnel closes), so a proxy is not flooded.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { MeasureContext } from '../plugin-api.js';
import { PathError } from '../net/classify.js';
import { openTunnel, type ProxyServer } from '../net/proxy.js';
import { Limiter } from '../util/limiter.js';

export interface StreamRequest {
  /** TCP connect deadline (to the proxy). */
  connectTimeoutMs: number;
  /** Deadline of the whole opening (the proxy's answer included). */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ConnectedStream {
  /** A plain byte stream to the server, ready for a ClientHello; it has an 'error' listener. */
  socket: Socket;
  /** Time spent waiting for a free tunnel slot, not counted in the caller's deadline. */
  queuedMs: number;
}

/** Opens one fresh stream to the audited server; rejects with a PathError saying how the path failed. */
export type StreamConnector = (request: StreamRequest) => Promise<ConnectedStream>;

/** Tunnels open through one proxy at once, by default. */
export const DEFAULT_MAX_TUNNELS = 4;

export interface TunnelConnector {
  connect: StreamConnector;
  /** The first time the proxy refused or failed a tunnel (CONNECT denied, credentials, proxy down). */
  firstFailure(): PathError | undefined;
  /** Tunnels opened, and refused or failed. */
  counts(): { opened: number; failed: number };
}

/** Every stream a CONNECT tunnel to `target` through `proxy`, with the proxy's credentials (Basic, Negotiate). */
export function tunnelConnector(
  ctx: MeasureContext<unknown>,
  proxy: ProxyServer,
  target: { host: string; port: number },
  maxTunnels = DEFAULT_MAX_TUNNELS,
): TunnelConnector {
  const limiter = new Limiter(Math.max(1, maxTunnels));
  let failure: PathError | undefined;
  let opened = 0;
  let failed = 0;
  const connect: StreamConnector = async ({ connectTimeoutMs, timeoutMs, signal }) => {
    const q0 = performance.now();
    await slot(limiter, signal);
    const queuedMs = performance.now() - q0;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      limiter.release();
    };
    try {
      const tunnelSignal = signal ? AbortSignal.any([ctx.signal, signal]) : ctx.signal;
      const tunnel = await openTunnel({ ...ctx, signal: tunnelSignal }, proxy, target, { connectTimeoutMs, timeoutMs });
      const socket = tunnel.socket as Socket;
      // The slot is the tunnel's for as long as it is open.
      socket.once('close', release);
      if (socket.destroyed) release();
      opened++;
      return { socket, queuedMs };
    } catch (err) {
      release();
      if (!(signal?.aborted || ctx.signal.aborted)) {
        failed++;
        if (err instanceof PathError) failure ??= err;
      }
      throw err;
    }
  };
  return { connect, firstFailure: () => failure, counts: () => ({ opened, failed }) };
}

/** A slot of the limiter, given up if the signal fires first. */
function slot(limiter: Limiter, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      if (limiter.cancel(grant) > 0) reject(signal!.reason);
    };
    const grant = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    limiter.acquire(grant);
  });
}
