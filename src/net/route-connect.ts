// Opens a connection to a target along its route: direct (to the addresses the dns check found)
// or through the proxy (CONNECT tunnel, then TLS inside it when the target speaks TLS). Every
// connection check uses this, so direct and proxied paths are classified the same way.

import type { ConnectionOptions } from 'node:tls';
import type { MeasureContext } from '../plugin-api.js';
import { dialFirst, tlsOver, type Dialed } from './dial.js';
import { openTunnel, type ProxyServer, type Route } from './proxy.js';
import { lookupOnce, probeBudgetMs } from './shared.js';

export interface OpenTarget {
  host: string;
  port: number;
  tls?: ConnectionOptions;
  /** Plain HTTP through a proxy: connect to the proxy itself and send absolute-form requests. */
  absoluteForm?: boolean;
}

export type Opened = Dialed & { path: 'direct' | 'proxy'; proxy?: ProxyServer; timings: Dialed['timings'] & { tunnelMs?: number } };

export function opener(ctx: MeasureContext<unknown>, route: Route, connectTimeoutMs: number): (t: OpenTarget) => Promise<Opened> {
  return async (target) => {
    // TLS over an already-open socket checks the certificate against `servername ?? host`, and
    // `host` defaults to "localhost": an IP-literal target (no SNI) must name itself.
    const t = target.tls ? { ...target, tls: { host: target.host, ...target.tls } } : target;
    if (route.path === 'direct') {
      const addresses = (await lookupOnce(ctx, t.host)).addresses.map((a) => a.address);
      const d = await dialFirst(addresses, { port: t.port, connectTimeoutMs, ...(t.tls ? { tls: t.tls } : {}), signal: ctx.signal });
      return { ...d, path: 'direct' };
    }
    const proxy = route.proxy;
    if (t.absoluteForm && !t.tls) {
      const addresses = (await lookupOnce(ctx, proxy.host)).addresses.map((a) => a.address);
      const d = await dialFirst(addresses, {
        port: proxy.port,
        connectTimeoutMs,
        ...(proxy.secure ? { tls: { servername: proxy.host } } : {}),
        signal: ctx.signal,
      });
      return { ...d, path: 'proxy', proxy };
    }
    // The proxy's silence is classified by this deadline, before the task's own turns it into an error.
    const tunnel = await openTunnel(
      ctx,
      proxy,
      { host: t.host, port: t.port },
      { connectTimeoutMs, timeoutMs: Math.max(1000, probeBudgetMs(ctx)) },
    );
    const timings = { connectMs: tunnel.timings.proxyConnectMs, tunnelMs: tunnel.timings.tunnelMs };
    if (!t.tls) return { socket: tunnel.socket, address: tunnel.proxyAddress, timings, path: 'proxy', proxy };
    const secured = await tlsOver(tunnel.socket, t.tls, Math.max(1000, Math.min(10_000, ctx.remainingMs() - 200)), ctx.signal);
    return {
      socket: secured.socket,
      address: tunnel.proxyAddress,
      timings: { ...timings, tlsMs: secured.tlsMs },
      tls: secured.tls,
      path: 'proxy',
      proxy,
    };
  };
}

/** What an undici connector opened (or why it could not), for the phase of a later failure. */
export interface ConnectorState {
  dialed?: Opened;
  dialError?: unknown;
}

/**
 * undici's `connect` for one origin: the socket comes from `open` (the endpoint's route), and the
 * dial's own error is kept in `state` — it knows the phase, the error undici wraps it in does not.
 */
export function routeConnector(
  open: (t: OpenTarget) => Promise<Opened>,
  origin: { host: string; secure: boolean; tls?: ConnectionOptions; absoluteForm: boolean },
  signal: AbortSignal,
  state: ConnectorState,
): (o: { port?: string | number | null }, cb: (...args: [null, Opened['socket']] | [Error, null]) => void) => void {
  return (o, cb) => {
    open({
      host: origin.host,
      port: Number(o.port) || (origin.secure ? 443 : 80),
      ...(origin.secure && origin.tls ? { tls: origin.tls } : {}),
      ...(origin.absoluteForm ? { absoluteForm: true } : {}),
    }).then(
      (d) => {
        // A connection that completes after the deadline has nobody left to use it.
        if (signal.aborted) {
          d.socket.destroy();
          cb(new Error('aborted'), null);
          return;
        }
        state.dialed = d;
        cb(null, d.socket);
      },
      (err: unknown) => {
        state.dialError = err;
        cb(err as Error, null);
      },
    );
  };
}
