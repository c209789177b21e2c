// A small STUN/TURN server for the loopback lab, so `siteready demo` can show the stun and turn
// checks passing without coturn. It speaks the subset of RFC 8489 (STUN) and RFC 8656 (TURN)
// that IM clients and turnutils_uclient use, over UDP and TCP on the same port number:
//
//   Binding            → XOR-MAPPED-ADDRESS (no authentication, as public STUN servers do)
//   Allocate           → long-term credentials (401 + REALM/NONCE, then MESSAGE-INTEGRITY), a UDP
//                        relay socket on relayHost, XOR-RELAYED-ADDRESS / XOR-MAPPED-ADDRESS / LIFETIME
//   Refresh            → new lifetime; lifetime 0 deletes the allocation
//   CreatePermission   → peers (by IP, RFC 8656 §9) whose datagrams may pass the relay
//   ChannelBind        → a channel number for a peer (implies a permission), used by ChannelData
//   Send / Data        → indications carrying datagrams client → peer and peer → client
//   ChannelData        → the same with a 4-byte header, padded to 4 over TCP (§12.5); channel
//                        numbers 0x4000–0x7FFF, RFC 5766's range, which coturn's clients still use
//
// It is a lab peer, not a production server: one realm, a fixed nonce per server (never stale),
// no TLS/DTLS, no TCP relaying (RFC 6062), no RFC 5780 alternate address, no bandwidth limits,
// no port reservations (EVEN-PORT's R bit, RESERVATION-TOKEN).
// What it does not understand it refuses the way the RFCs say (420, 442, 437, ...), so a client
// under test sees the same answers a real server would give. Strangers' bytes never throw out of
// a handler: undecodable datagrams are dropped, undecodable streams closed. Allocations (and
// each allocation's permissions and channels) are bounded, and every allocation expires on a timer.

import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import {
  Attr,
  Method,
  TRANSPORT_UDP,
  attr,
  encodeAddress,
  encodeMessage,
  findAttribute,
  frameLength,
  getAddress,
  getChannelNumber,
  getData,
  getRequestedTransport,
  getString,
  getUint32,
  longTermKey,
  sameAddress,
  tryDecodeMessage,
  verifyIntegrity,
  type AttributeInput,
  type Frame,
  type StunMessage,
  type TransportAddress,
} from '../net/stun.js';

export interface LabTurnServer {
  host: string;
  /** The same number for UDP and TCP. */
  port: number;
  close(): Promise<void>;
}

export interface LabTurnServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port for both UDP and TCP (default: an ephemeral port free for both). */
  port?: number;
  realm: string;
  /** username → password (long-term credentials). */
  users: Record<string, string>;
  /** IP address the relay sockets bind (default: host; loopback when host is a wildcard). */
  relayHost?: string;
  /** Most allocations at once (default 64); beyond that Allocate gets 508 Insufficient Capacity. */
  maxAllocations?: number;
  /** Longest lifetime granted in seconds (default 3600); the default lifetime is min(600, this). */
  maxLifetimeSeconds?: number;
}

const SOFTWARE = 'siteready-lab-turn';
/** RFC 8656 §7.2 / §8: default allocation lifetime; the server's maximum is 3600 s by default. */
const DEFAULT_LIFETIME_S = 600;
const MAX_LIFETIME_S = 3600;
/** §9: permissions last 300 s; §12: channel bindings 600 s. */
const PERMISSION_LIFETIME_MS = 300_000;
const CHANNEL_LIFETIME_MS = 600_000;
const MAX_PERMISSIONS = 64;
const MAX_CHANNELS = 64;
const MAX_TCP_CONNECTIONS = 256;
/** A TCP client that does not read loses relayed data (as UDP would) instead of growing our memory. */
const MAX_TCP_BACKLOG = 1 << 20;
/** EVEN-PORT (§14.6): how many relay sockets to try for an even port. */
const EVEN_PORT_TRIES = 16;

/**
 * Comprehension-required attributes (type < 0x8000) this server understands. Any other in a
 * request gets 420 Unknown Attribute (RFC 8489 §6.3.1) — e.g. CHANGE-REQUEST (no RFC 5780 here),
 * DONT-FRAGMENT (Node cannot set DF, §7.2 says treat it as unknown), RESERVATION-TOKEN (none issued).
 */
const KNOWN = new Set<number>([
  Attr.USERNAME,
  Attr.MESSAGE_INTEGRITY,
  Attr.REALM,
  Attr.NONCE,
  Attr.LIFETIME,
  Attr.REQUESTED_TRANSPORT,
  Attr.REQUESTED_ADDRESS_FAMILY,
  Attr.EVEN_PORT,
  Attr.XOR_PEER_ADDRESS,
  Attr.DATA,
  Attr.CHANNEL_NUMBER,
]);

/** One client "connection": a UDP source address, or a TCP connection (the 5-tuple, RFC 8656 §2). */
interface Link {
  key: string;
  transport: 'udp' | 'tcp';
  remote: TransportAddress;
  send(bytes: Buffer): void;
  closed: boolean;
}

interface Allocation {
  link: Link;
  username: string;
  /** The long-term key, to sign responses to this allocation's requests. */
  key: Buffer;
  relay: UdpSocket;
  relayed: TransportAddress;
  timer?: NodeJS.Timeout;
  /** Peer IP (normalised) → expiry (ms since epoch). */
  permissions: Map<string, number>;
  /** Channel number → peer and expiry. */
  channels: Map<number, { peer: TransportAddress; expires: number }>;
  /** The Allocate that created it: a retransmission gets the same answer, not 437 (§7.2). */
  allocateTid: string;
  allocateResponse: Buffer;
}

interface Authenticated {
  username: string;
  key: Buffer;
}

export async function startLabTurnServer(opts: LabTurnServerOptions): Promise<LabTurnServer> {
  const host = opts.host ?? '127.0.0.1';
  const relayHost = opts.relayHost ?? (host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host);
  const relayFamily: 4 | 6 = isIPv6(relayHost) ? 6 : 4;
  const realm = opts.realm;
  const users = new Map(Object.entries(opts.users));
  const maxAllocations = opts.maxAllocations ?? 64;
  const maxLifetime = Math.max(1, opts.maxLifetimeSeconds ?? MAX_LIFETIME_S);
  const defaultLifetime = Math.min(DEFAULT_LIFETIME_S, maxLifetime);
  // One nonce for the server's life: the lab has no replay attacker to defend against, and a
  // nonce that never goes stale keeps every client's first authenticated try working.
  const nonce = randomBytes(12).toString('hex');

  const allocations = new Map<string, Allocation>();
  /** Links whose Allocate is binding its relay socket: a retransmission meanwhile is dropped. */
  const allocating = new Set<string>();
  const tcpSockets = new Set<Socket>();
  /** Relay sockets still closing, so close() can wait for them. */
  const closing = new Set<Promise<void>>();
  const release = (s: UdpSocket): void => {
    const p = closeUdp(s).then(() => void closing.delete(p));
    closing.add(p);
  };
  let closed = false;

  // -------------------------------------------------------------------------------------------
  // Responses

  const reply = (link: Link, req: StunMessage, cls: 'success' | 'error', attributes: AttributeInput[], key?: Buffer): void => {
    link.send(
      encodeMessage(
        { method: req.method, cls, transactionId: req.transactionId, attributes: [...attributes, attr.software(SOFTWARE)] },
        { ...(key ? { integrityKey: key } : {}), fingerprint: true },
      ),
    );
  };
  const fail = (link: Link, req: StunMessage, code: number, extra: AttributeInput[] = [], key?: Buffer): void =>
    reply(link, req, 'error', [attr.errorCode(code), ...extra], key);
  const challenge = (): AttributeInput[] => [attr.realm(realm), attr.nonce(nonce)];

  /** RFC 8489 §9.2.4: the long-term credential checks, in the RFC's order. Sends the error itself. */
  const authenticate = (link: Link, req: StunMessage): Authenticated | undefined => {
    if (!findAttribute(req, Attr.MESSAGE_INTEGRITY)) {
      fail(link, req, 401, challenge());
      return undefined;
    }
    const username = getString(req, Attr.USERNAME);
    const reqRealm = getString(req, Attr.REALM);
    const reqNonce = getString(req, Attr.NONCE);
    if (username === undefined || reqRealm === undefined || reqNonce === undefined) {
      fail(link, req, 400);
      return undefined;
    }
    if (reqNonce !== nonce) {
      fail(link, req, 438, challenge());
      return undefined;
    }
    const password = users.get(username);
    const key = password !== undefined && reqRealm === realm ? longTermKey(username, realm, password) : undefined;
    // Unknown user and wrong password look the same to the client: 401 with a fresh challenge.
    if (!key || !verifyIntegrity(req, key)) {
      fail(link, req, 401, challenge());
      return undefined;
    }
    return { username, key };
  };

  /** 420 when the request carries comprehension-required attributes we do not understand. */
  const refuseUnknown = (link: Link, req: StunMessage, key?: Buffer): boolean => {
    const unknown = [...new Set(req.attributes.map((a) => a.type).filter((t) => t < 0x8000 && !KNOWN.has(t)))];
    if (!unknown.length) return false;
    const list = Buffer.alloc(unknown.length * 2);
    unknown.forEach((t, i) => list.writeUInt16BE(t, i * 2));
    fail(link, req, 420, [attr.raw(Attr.UNKNOWN_ATTRIBUTES, list)], key);
    return true;
  };

  /** The allocation a (non-Allocate) request refers to, checked against its credentials (§7.3, §9, §11). */
  const allocationFor = (link: Link, req: StunMessage, auth: Authenticated): Allocation | undefined => {
    const a = allocations.get(link.key);
    if (!a) {
      fail(link, req, 437, [], auth.key);
      return undefined;
    }
    if (a.username !== auth.username) {
      fail(link, req, 441, [], auth.key);
      return undefined;
    }
    return a;
  };

  // -------------------------------------------------------------------------------------------
  // Allocations

  /** §7.2 / §8: min(asked, maximum), but never below the default; absent → the default. */
  const lifetimeFor = (req: StunMessage): number => {
    const asked = getUint32(req, Attr.LIFETIME);
    return asked === undefined ? defaultLifetime : Math.max(defaultLifetime, Math.min(asked, maxLifetime));
  };

  const expireIn = (a: Allocation, seconds: number): void => {
    clearTimeout(a.timer);
    a.timer = setTimeout(() => free(a), seconds * 1000);
    a.timer.unref();
  };

  const free = (a: Allocation): void => {
    if (allocations.get(a.link.key) === a) allocations.delete(a.link.key);
    clearTimeout(a.timer);
    release(a.relay);
  };

  const bindRelay = async (even: boolean): Promise<UdpSocket | undefined> => {
    for (let i = 0; i < (even ? EVEN_PORT_TRIES : 1); i++) {
      const s = createSocket(relayFamily === 6 ? 'udp6' : 'udp4');
      s.on('error', () => undefined);
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind(0, relayHost, () => {
            s.off('error', reject);
            resolve();
          });
        });
      } catch {
        await closeUdp(s);
        return undefined;
      }
      if (!even || s.address().port % 2 === 0) return s;
      await closeUdp(s);
    }
    return undefined;
  };

  const onAllocate = async (link: Link, req: StunMessage): Promise<void> => {
    const auth = authenticate(link, req);
    if (!auth || refuseUnknown(link, req, auth.key)) return;
    const existing = allocations.get(link.key);
    if (existing) {
      if (existing.allocateTid === req.transactionId.toString('hex')) link.send(existing.allocateResponse);
      else fail(link, req, 437, [], auth.key);
      return;
    }
    if (allocating.has(link.key)) return; // a retransmission while the first is being served
    const transport = getRequestedTransport(req);
    if (transport === undefined) return fail(link, req, 400, [], auth.key);
    if (transport !== TRANSPORT_UDP) return fail(link, req, 442, [], auth.key);
    const family = findAttribute(req, Attr.REQUESTED_ADDRESS_FAMILY)?.value[0];
    if (family !== undefined && family !== (relayFamily === 6 ? 0x02 : 0x01)) return fail(link, req, 440, [], auth.key);
    if (allocations.size + allocating.size >= maxAllocations) return fail(link, req, 508, [], auth.key);

    allocating.add(link.key);
    let relay: UdpSocket | undefined;
    try {
      // EVEN-PORT is honoured as far as "an even port"; its R bit (reserve the next one) is not.
      relay = await bindRelay(findAttribute(req, Attr.EVEN_PORT) !== undefined);
    } finally {
      allocating.delete(link.key);
    }
    if (!relay) return fail(link, req, 508, [], auth.key);
    if (closed || link.closed) {
      release(relay);
      return;
    }
    const relayed: TransportAddress = { family: relayFamily, address: relayHost, port: relay.address().port };
    const lifetime = lifetimeFor(req);
    const response = encodeMessage(
      {
        method: Method.Allocate,
        cls: 'success',
        transactionId: req.transactionId,
        attributes: [attr.xorRelayedAddress(relayed), attr.xorMappedAddress(link.remote), attr.lifetime(lifetime), attr.software(SOFTWARE)],
      },
      { integrityKey: auth.key, fingerprint: true },
    );
    const a: Allocation = {
      link,
      username: auth.username,
      key: auth.key,
      relay,
      relayed,
      permissions: new Map(),
      channels: new Map(),
      allocateTid: req.transactionId.toString('hex'),
      allocateResponse: response,
    };
    expireIn(a, lifetime);
    allocations.set(link.key, a);
    relay.on('message', (data, rinfo) => {
      try {
        fromPeer(a, data, rinfo);
      } catch {
        // one datagram never takes the relay down
      }
    });
    link.send(response);
  };

  const onRefresh = (link: Link, req: StunMessage): void => {
    const auth = authenticate(link, req);
    if (!auth || refuseUnknown(link, req, auth.key)) return;
    const a = allocationFor(link, req, auth);
    if (!a) return;
    if (getUint32(req, Attr.LIFETIME) === 0) {
      free(a);
      return reply(link, req, 'success', [attr.lifetime(0)], auth.key);
    }
    const lifetime = lifetimeFor(req);
    expireIn(a, lifetime);
    reply(link, req, 'success', [attr.lifetime(lifetime)], auth.key);
  };

  // -------------------------------------------------------------------------------------------
  // Permissions and channels

  const permit = (a: Allocation, ip: string, now: number): boolean => {
    const k = ipKey(ip);
    if (!a.permissions.has(k) && a.permissions.size >= MAX_PERMISSIONS) {
      for (const [p, exp] of a.permissions) if (exp <= now) a.permissions.delete(p);
      if (a.permissions.size >= MAX_PERMISSIONS) return false;
    }
    a.permissions.set(k, now + PERMISSION_LIFETIME_MS);
    return true;
  };
  const permitted = (a: Allocation, ip: string): boolean => (a.permissions.get(ipKey(ip)) ?? 0) > Date.now();

  const channelOf = (a: Allocation, peer: TransportAddress): number | undefined => {
    const now = Date.now();
    for (const [n, c] of a.channels) if (c.expires > now && sameAddress(c.peer, peer)) return n;
    return undefined;
  };

  const onCreatePermission = (link: Link, req: StunMessage): void => {
    const auth = authenticate(link, req);
    if (!auth || refuseUnknown(link, req, auth.key)) return;
    const a = allocationFor(link, req, auth);
    if (!a) return;
    // Every XOR-PEER-ADDRESS counts (§9.2); getAddress reads the first, so read them one by one.
    const peers = req.attributes
      .filter((x) => x.type === Attr.XOR_PEER_ADDRESS)
      .map((x) => getAddress({ ...req, attributes: [x] }, Attr.XOR_PEER_ADDRESS))
      .filter((p): p is TransportAddress => p !== undefined);
    if (!peers.length) return fail(link, req, 400, [], auth.key);
    if (peers.some((p) => p.family !== relayFamily)) return fail(link, req, 443, [], auth.key);
    const now = Date.now();
    for (const p of peers) if (!permit(a, p.address, now)) return fail(link, req, 508, [], auth.key);
    reply(link, req, 'success', [], auth.key);
  };

  const onChannelBind = (link: Link, req: StunMessage): void => {
    const auth = authenticate(link, req);
    if (!auth || refuseUnknown(link, req, auth.key)) return;
    const a = allocationFor(link, req, auth);
    if (!a) return;
    const n = getChannelNumber(req);
    const peer = getAddress(req, Attr.XOR_PEER_ADDRESS);
    if (n === undefined || !isChannel(n) || !peer) return fail(link, req, 400, [], auth.key);
    if (peer.family !== relayFamily) return fail(link, req, 443, [], auth.key);
    const now = Date.now();
    const bound = a.channels.get(n);
    const live = bound && bound.expires > now ? bound : undefined;
    // §12.2: a channel is bound to one peer, and a peer to one channel.
    if (live && !sameAddress(live.peer, peer)) return fail(link, req, 400, [], auth.key);
    const other = channelOf(a, peer);
    if (other !== undefined && other !== n) return fail(link, req, 400, [], auth.key);
    if (!bound && a.channels.size >= MAX_CHANNELS) {
      for (const [c, v] of a.channels) if (v.expires <= now) a.channels.delete(c);
      if (a.channels.size >= MAX_CHANNELS) return fail(link, req, 508, [], auth.key);
    }
    if (!permit(a, peer.address, now)) return fail(link, req, 508, [], auth.key);
    a.channels.set(n, { peer, expires: now + CHANNEL_LIFETIME_MS });
    reply(link, req, 'success', [], auth.key);
  };

  // -------------------------------------------------------------------------------------------
  // Data: client → peer (Send indication, ChannelData) and peer → client (Data indication, ChannelData)

  const toPeer = (a: Allocation, peer: TransportAddress, data: Buffer): void => {
    // §11.2 / §12.4: only to permitted peers; anything else is silently discarded.
    if (!permitted(a, peer.address)) return;
    a.relay.send(data, peer.port, peer.address, () => undefined);
  };

  const onSend = (link: Link, msg: StunMessage): void => {
    const a = allocations.get(link.key);
    const peer = getAddress(msg, Attr.XOR_PEER_ADDRESS);
    const data = getData(msg);
    if (a && peer && data) toPeer(a, peer, data);
  };

  const onChannelData = (link: Link, frame: Buffer): void => {
    const a = allocations.get(link.key);
    if (!a || frame.length < 4) return;
    const length = frame.readUInt16BE(2);
    if (4 + length > frame.length) return; // truncated: drop
    const c = a.channels.get(frame.readUInt16BE(0));
    if (c && c.expires > Date.now()) toPeer(a, c.peer, frame.subarray(4, 4 + length));
  };

  const fromPeer = (a: Allocation, data: Buffer, rinfo: RemoteInfo): void => {
    if (!permitted(a, rinfo.address)) return;
    const peer: TransportAddress = { family: rinfo.family === 'IPv6' ? 6 : 4, address: rinfo.address, port: rinfo.port };
    const n = channelOf(a, peer);
    if (n !== undefined && data.length <= 0xffff) {
      // §12.5: over a stream, ChannelData is padded to a multiple of 4; over UDP it need not be.
      const pad = a.link.transport === 'tcp' ? (4 - (data.length % 4)) % 4 : 0;
      const out = Buffer.alloc(4 + data.length + pad);
      out.writeUInt16BE(n, 0);
      out.writeUInt16BE(data.length, 2);
      data.copy(out, 4);
      a.link.send(out);
      return;
    }
    // Too big for one Data indication (attributes ≤ 65535 bytes): encodeMessage throws, the caller drops it.
    a.link.send(
      encodeMessage(
        { method: Method.Data, cls: 'indication', attributes: [attr.xorPeerAddress(peer), attr.data(data)] },
        { fingerprint: true },
      ),
    );
  };

  // -------------------------------------------------------------------------------------------
  // Dispatch

  /** Handles one STUN message; false when the bytes are not valid STUN (drop / close). */
  const onStun = (link: Link, bytes: Buffer): boolean => {
    const decoded = tryDecodeMessage(bytes);
    const m = decoded.message;
    if (!m || m.fingerprint === 'invalid') return false;
    if (m.cls === 'indication') {
      if (m.method === Method.Send) onSend(link, m);
      return true; // other indications are ignored (§6.3.2)
    }
    if (m.cls !== 'request') return true; // responses are not for a server
    switch (m.method) {
      case Method.Binding:
        if (!refuseUnknown(link, m)) reply(link, m, 'success', [attr.xorMappedAddress(link.remote)]);
        break;
      case Method.Allocate:
        onAllocate(link, m).catch(() => undefined);
        break;
      case Method.Refresh:
        onRefresh(link, m);
        break;
      case Method.CreatePermission:
        onCreatePermission(link, m);
        break;
      case Method.ChannelBind:
        onChannelBind(link, m);
        break;
      default:
        fail(link, m, 400); // an unknown method (RFC 8489 §6.3.1)
    }
    return true;
  };

  const onDatagram = (udp: UdpSocket, buf: Buffer, rinfo: RemoteInfo): void => {
    const remote: TransportAddress = { family: rinfo.family === 'IPv6' ? 6 : 4, address: rinfo.address, port: rinfo.port };
    const key = `udp|${rinfo.address}|${rinfo.port}`;
    const link: Link = allocations.get(key)?.link ?? {
      key,
      transport: 'udp',
      remote,
      closed: false,
      send: (bytes) => udp.send(bytes, rinfo.port, rinfo.address, () => undefined),
    };
    // RFC 7983 demultiplexing: 0b00 → STUN, 0b01 → ChannelData; anything else is not ours.
    const top = (buf[0] ?? 0xff) & 0xc0;
    if (top === 0x40) onChannelData(link, buf);
    else if (top === 0x00) onStun(link, buf);
  };

  const onConnection = (socket: Socket): void => {
    if (closed || !socket.remoteAddress || socket.remotePort === undefined) {
      socket.destroy();
      return;
    }
    tcpSockets.add(socket);
    const link: Link = {
      key: `tcp|${socket.remoteAddress}|${socket.remotePort}`,
      transport: 'tcp',
      remote: { family: isIPv6(socket.remoteAddress) ? 6 : 4, address: socket.remoteAddress, port: socket.remotePort },
      closed: false,
      send: (bytes) => {
        if (!socket.destroyed && socket.writableLength < MAX_TCP_BACKLOG) socket.write(bytes);
      },
    };
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      try {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        for (;;) {
          // Bytes that are neither STUN nor ChannelData throw: close the stream.
          const frame = streamFrame(buffered);
          // Without an allocation no channel can be bound: such "ChannelData" (e.g. "GET /" — 'G'
          // is 0x47) means the stream is not TURN, so close it instead of waiting for the frame.
          if (frame?.kind === 'channel-data' && !allocations.has(link.key)) throw new Error('not TURN');
          if (!frame || buffered.length < frame.length) return;
          const one = Buffer.from(buffered.subarray(0, frame.length));
          buffered = buffered.subarray(frame.length);
          if (frame.kind === 'channel-data') onChannelData(link, one);
          else if (!onStun(link, one)) throw new Error('not STUN');
          if (socket.destroyed) return;
        }
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      link.closed = true;
      tcpSockets.delete(socket);
      // §2.2 / §7: an allocation over TCP lives as long as its connection.
      const a = allocations.get(link.key);
      if (a) free(a);
    });
  };

  // -------------------------------------------------------------------------------------------
  // Listening: UDP first (an ephemeral port), then TCP on the same number; retry if TCP's is taken.

  let udp: UdpSocket | undefined;
  let tcp: Server | undefined;
  const attempts = opts.port ? 1 : 20;
  for (let i = 0; i < attempts && !tcp; i++) {
    const u = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    // Listeners from birth: the bind's own comes and goes, and the TCP listen awaits in between.
    u.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      u.once('error', reject);
      u.bind(opts.port ?? 0, host, () => {
        u.off('error', reject);
        resolve();
      });
    });
    const port = u.address().port;
    const t = createServer(onConnection);
    t.on('error', () => undefined);
    t.maxConnections = MAX_TCP_CONNECTIONS;
    try {
      await new Promise<void>((resolve, reject) => {
        t.once('error', reject);
        t.listen(port, host, () => {
          t.off('error', reject);
          resolve();
        });
      });
      udp = u;
      tcp = t;
    } catch (err) {
      await closeUdp(u);
      if (i === attempts - 1) throw err;
    }
  }
  if (!udp || !tcp) throw new Error('the lab TURN server found no port free for both UDP and TCP');
  const udpSocket = udp;
  const tcpServer = tcp;
  udpSocket.on('message', (buf, rinfo) => {
    try {
      onDatagram(udpSocket, buf, rinfo);
    } catch {
      // a lab peer never dies of one datagram
    }
  });

  return {
    host,
    port: udpSocket.address().port,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const a of [...allocations.values()]) free(a);
      for (const s of tcpSockets) s.destroy();
      await Promise.all([closeUdp(udpSocket), new Promise<void>((resolve) => tcpServer.close(() => resolve())), ...closing]);
    },
  };
}

/**
 * Channel numbers: RFC 8656 §12 allows 0x4000–0x4FFF, but RFC 5766 allowed up to 0x7FFF and
 * coturn's clients (turnutils_uclient) still pick from that range. coturn accepts it, so does
 * this lab peer: nothing else (DTLS, SRTP) shares its port for the narrower range to protect.
 */
function isChannel(n: number): boolean {
  return n >= 0x4000 && n <= 0x7fff;
}

/**
 * Length of the frame at the start of a TCP stream (undefined: more bytes needed). STUN through
 * frameLength; ChannelData here, because frameLength knows only RFC 8656's narrower channel
 * range. Over a stream ChannelData is padded to a multiple of 4 (§12.5).
 */
function streamFrame(buf: Buffer): Frame | undefined {
  if (buf.length >= 4 && (buf[0]! & 0xc0) === 0x40) {
    const length = buf.readUInt16BE(2);
    return { kind: 'channel-data', length: 4 + length + ((4 - (length % 4)) % 4) };
  }
  return frameLength(buf);
}

/** An IP in one canonical text (IPv6 has many spellings), for permission lookups. */
function ipKey(ip: string): string {
  return isIPv6(ip) ? encodeAddress({ family: 6, address: ip, port: 0 }).subarray(4).toString('hex') : ip;
}

function closeUdp(s: UdpSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
