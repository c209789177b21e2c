// The DSCP module (native/dscp.c, built at install by node-gyp): UDP sockets that mark each packet
// and read the marks of what they receive, and marks for established TCP connections. Optional by
// design — when it is missing, QoS tests say "unsupported here" and why; nothing else depends on it.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { packageRoot } from '../version.js';

/** One datagram as it arrived: the TOS / traffic class byte (DSCP << 2 | ECN) and TTL / hop limit. */
export interface MarkedDatagram {
  data: Buffer;
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
  /** −1 when the kernel did not say (it always does on Linux with the options the module sets). */
  tos: number;
  ttl: number;
  truncated: boolean;
}

export interface NativeUdpSocket {
  /** Binds and starts delivering datagrams; returns the bound port. Throws with `code` (EADDRINUSE …). */
  bind(address: string, port: number): number;
  /** Bytes sent, or −errno. `tos` < 0 sends unmarked. Never throws for network conditions. */
  send(data: Buffer, address: string, port: number, tos: number): number;
  close(): void;
  address(): { address: string; port: number; family: 'IPv4' | 'IPv6' };
  /** TTL (IPv4) and hop limit (IPv6, −1 on IPv4 sockets) this socket's packets leave with. */
  initialTtl(): { ttl: number; hopLimit: number };
  ref(): void;
  unref(): void;
}

interface Binding {
  UdpSocket: new (family: 4 | 6, onDatagrams: (batch: MarkedDatagram[]) => void) => NativeUdpSocket;
  setTos(fd: number, tos: number): number;
  getTos(fd: number): number;
}

/** Why marks cannot be set or read here; the QoS check's catalog says it in words (en, zh-CN). */
export type DscpUnavailable = 'windows' | 'platform' | 'not-built' | 'load-error' | 'turned-off';

export type DscpSupport =
  | {
      available: true;
      openUdp(family: 4 | 6, onDatagrams: (batch: MarkedDatagram[]) => void): NativeUdpSocket;
      /** Marks an established TCP connection (0 or −errno): its handshake went out unmarked. */
      setTcpTos(fd: number, tos: number): number;
      tcpTos(fd: number): number;
    }
  | { available: false; reason: DscpUnavailable; /** platform name or loader error */ detail?: string };

/** Set to `off` to run as if the module were missing (to see the fallback). */
export const DSCP_SWITCH = 'SITEREADY_DSCP';

let cached: DscpSupport | undefined;

export function dscpSupport(): DscpSupport {
  cached ??= loadDscp();
  return cached;
}

export function loadDscp(opts: { platform?: NodeJS.Platform; disabled?: boolean; file?: string } = {}): DscpSupport {
  const platform = opts.platform ?? process.platform;
  if (opts.disabled ?? process.env[DSCP_SWITCH] === 'off') return { available: false, reason: 'turned-off' };
  // Windows marks by policy (GPO policy-based QoS, or qWAVE), never per socket: no module to build.
  if (platform === 'win32') return { available: false, reason: 'windows' };
  if (platform !== 'linux') return { available: false, reason: 'platform', detail: platform };
  const file = opts.file ?? join(packageRoot(), 'build', 'Release', 'siteready_dscp.node');
  let binding: Binding;
  try {
    binding = createRequire(import.meta.url)(file) as Binding;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return { available: false, reason: 'not-built' };
    return { available: false, reason: 'load-error', detail: (err as Error).message };
  }
  if (typeof binding?.UdpSocket !== 'function' || typeof binding.setTos !== 'function' || typeof binding.getTos !== 'function') {
    return { available: false, reason: 'load-error', detail: `${file} is not the DSCP module` };
  }
  return {
    available: true,
    openUdp: (family, onDatagrams) => new binding.UdpSocket(family, onDatagrams),
    setTcpTos: (fd, tos) => binding.setTos(fd, tos),
    tcpTos: (fd) => binding.getTos(fd),
  };
}

/** One line for logs (the reflector's): which reason, in English. */
export function describeUnavailable(s: { reason: DscpUnavailable; detail?: string }): string {
  const text: Record<DscpUnavailable, string> = {
    windows: 'Windows marks packets by policy (Group Policy QoS or qWAVE), not per socket',
    platform: `per-packet DSCP is implemented for Linux only${s.detail ? ` (this is ${s.detail})` : ''}`,
    'not-built': 'the DSCP module was not built at install (needs make, a C compiler and python3; then `npm run install`)',
    'load-error': `the DSCP module does not load${s.detail ? `: ${s.detail}` : ''}`,
    'turned-off': `turned off (${DSCP_SWITCH}=off)`,
  };
  return text[s.reason];
}

/** The descriptor behind a connected net.Socket (Unix), or undefined (not connected, or TLS over a wrapper). */
export function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Marks an established TCP connection with a DSCP value, for signalling traffic. Only what is sent
 * from now on carries it: the SYN of the handshake has already gone out unmarked, which is why a
 * classifier that keys on the first packet of a flow may still put the flow in the default class.
 */
export function markTcpSocket(socket: Socket, dscp: number): { ok: true } | { ok: false; error: string } {
  const support = dscpSupport();
  if (!support.available) return { ok: false, error: describeUnavailable(support) };
  const fd = socketFd(socket);
  if (fd === undefined) return { ok: false, error: 'the socket has no descriptor (not connected yet)' };
  const rc = support.setTcpTos(fd, (dscp & 0x3f) << 2);
  return rc === 0 ? { ok: true } : { ok: false, error: `setsockopt failed (errno ${-rc})` };
}
