// Opens a connection to a target along its route: direct (to the addresses the dns check found)
// or through the proxy (CONNECT tunnel, then TLS inside it when the target speaks TLS). Every
// connection check uses this, so direct and proxied paths are classified the same way.

import type { ConnectionOptions } from 'node:tls';
import type { CheckContext } from '../plugin-api.js';
import { dialFirst, tlsOver, type Dialed } from './dial.js';
import { openTunnel, type ProxyServer, type Route } from './proxy.js';
import { lookupOnce } from './shared.js';

export interface OpenTarget {
  host: string;
  port: number;
  tls?: ConnectionOptions;
  /** Plain HTTP through a proxy: connect to the proxy itself and send absolute-form requests. */
  absoluteForm?: boolean;
}

export type Opened = Dialed & { path: 'direct' | 'proxy'; proxy?: ProxyServer; timings: Dialed['timings'] & { tunnelMs?: number } };

export function opener(ctx: CheckContext<any>, route: Route, connectTimeoutMs: number): (t: OpenTarget) => Promise<Opened> {
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
      const d = await dialFirst(addresses, { port: proxy.port, connectTimeoutMs, ...(proxy.secure ? { tls: { servername: proxy.host } } : {}), signal: ctx.signal });
      return { ...d, path: 'proxy', proxy };
    }
    const tunnel = await openTunnel(ctx, proxy, { host: t.host, port: t.port }, { connectTimeoutMs, timeoutMs: Math.max(1000, ctx.remainingMs() - 200) });
    const timings = { connectMs: tunnel.timings.proxyConnectMs, tunnelMs: tunnel.timings.tunnelMs };
    if (!t.tls) return { socket: tunnel.socket, address: tunnel.proxyAddress, timings, path: 'proxy', proxy };
    const secured = await tlsOver(tunnel.socket, t.tls, Math.max(1000, Math.min(10_000, ctx.remainingMs() - 200)), ctx.signal);
    return { socket: secured.socket, address: tunnel.proxyAddress, timings: { ...timings, tlsMs: secured.tlsMs }, tls: secured.tls, path: 'proxy', proxy };
  };
}
