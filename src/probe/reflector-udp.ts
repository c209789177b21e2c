// The reflector's UDP port: through the DSCP module when it is available, so the reflector can read
// the mark and TTL each probe arrived with and mark its reply; through node:dgram otherwise, which
// serves every other probe check the same and tells QoS clients that marks are not supported here.

import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { describeUnavailable, dscpSupport, type DscpUnavailable } from '../net/dscp.js';

/** How a probe arrived: its TOS byte (DSCP << 2 | ECN) and TTL / hop limit. */
export interface ArrivalMarks {
  tos: number;
  ttl: number;
}

export type UdpQos = { ttl: number; hopLimit: number } | false;

export interface ReflectorUdp {
  port: number;
  /** What the session answer says: marks readable and settable (with the reflector's initial TTLs), or not. */
  qos: UdpQos;
  qosReason?: DscpUnavailable;
  /** `tos` ≥ 0 marks the datagram; otherwise it leaves unmarked. */
  send(data: Buffer, port: number, address: string, tos: number): void;
  close(): Promise<void>;
}

export interface ReflectorUdpOptions {
  host: string;
  port: number;
  /** false: plain dgram even when the module is there (a reflector without QoS support). */
  marks: boolean;
  onProbe(msg: Buffer, from: { address: string; port: number }, marks: ArrivalMarks | undefined): void;
  log(entry: Record<string, unknown>): void;
}

export async function openReflectorUdp(o: ReflectorUdpOptions): Promise<ReflectorUdp> {
  const support = o.marks ? dscpSupport() : ({ available: false, reason: 'turned-off' } as const);
  if (!support.available) {
    o.log({ level: 'info', msg: 'QoS marks not supported by this reflector', reason: describeUnavailable(support) });
    return { ...(await openDgram(o)), qos: false, qosReason: support.reason };
  }
  // The module binds literal addresses only; a name resolves the way dgram would resolve it.
  const address = isIP(o.host) ? o.host : (await lookup(o.host)).address;
  const sock = support.openUdp(isIP(address) === 6 ? 6 : 4, (batch) => {
    for (const d of batch) o.onProbe(d.data, d, d.tos >= 0 ? { tos: d.tos, ttl: d.ttl } : undefined);
  });
  let port: number;
  try {
    port = sock.bind(address, o.port);
  } catch (err) {
    sock.close();
    throw err;
  }
  const initial = sock.initialTtl();
  let sendErrors = 0;
  return {
    port,
    qos: { ttl: initial.ttl, hopLimit: initial.hopLimit },
    send(data, toPort, toAddress, tos) {
      const rc = sock.send(data, toAddress, toPort, tos);
      // A full send buffer drops the reply, as it would for dgram; log the first of every 1000.
      if (rc < 0 && sendErrors++ % 1000 === 0) o.log({ level: 'warn', msg: 'udp send failed', errno: -rc, count: sendErrors });
    },
    close: () => {
      sock.close();
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}

async function openDgram(o: ReflectorUdpOptions): Promise<Omit<ReflectorUdp, 'qos'>> {
  const udp = createSocket({ type: isIP(o.host) === 6 ? 'udp6' : 'udp4', reuseAddr: false });
  udp.on('error', (err) => o.log({ level: 'error', msg: 'udp socket error', error: err.message }));
  udp.on('message', (msg, rinfo) => o.onProbe(msg, rinfo, undefined));
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(o.port, o.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  return {
    port: udp.address().port,
    send: (data, port, address) => udp.send(data, port, address),
    close: () => new Promise<void>((resolve) => udp.close(() => resolve())),
  };
}
