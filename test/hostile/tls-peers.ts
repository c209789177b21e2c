// Protocol-specific hostile peers for the TLS, STUN/TURN and reflector rows of the hostile-peer
// matrix: scripts for startHostileTcpPeer (TLS records and handshake messages with absurd lengths,
// a ServerHello cut inside an extension, STUN frames that lie about their length), UDP STUN/TURN
// servers that answer with broken messages, and a fake reflector whose control channel or data
// plane misbehaves. Every peer listens on 127.0.0.1 port 0 and is closed by its handle.

import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  Attr,
  Method,
  appendFingerprint,
  attr,
  encodeMessage,
  longTermKey,
  tryDecodeMessage,
  type StunMessage,
} from '../../src/net/stun.js';
import { UDP_TYPE_REPLY, encodeProbe, nowUs, peekProbe, sessionKey } from '../../src/probe/protocol.js';
import { startHostileUdpPeer, type HostilePeer, type Script } from '../helpers/hostile-peers.js';
import { decodeClientHello, ext, handshake, record, serverHello } from '../tls/helpers/server-bytes.js';

// ---------------------------------------------------------------------------------------------
// TLS

/** The suite a real server would pick: the first one offered (any, the peer never finishes). */
function offeredSuite(first: Buffer): number {
  return decodeClientHello(first)?.hello.suites.find((s) => s !== 0x00ff && s !== 0x5600) ?? 0xc02f;
}

export const TLS_SCRIPTS: Record<string, Script> = {
  /** A handshake record announcing 65535 bytes: more than any TLS record may hold (2^14 + 2048). */
  'record-absurd-length': (s) => {
    s.write(Buffer.concat([Buffer.from([22, 3, 3, 0xff, 0xff]), Buffer.alloc(64, 0x16)]));
  },
  /** A ServerHello message that claims 16 MiB inside a normal record, then silence. */
  'handshake-absurd-length': (s) => {
    s.write(record(22, 0x0303, Buffer.concat([Buffer.from([2, 0xff, 0xff, 0xff]), Buffer.alloc(120, 0x03)])));
  },
  /** A ServerHello whose last extension says it is 200 bytes long and has 3. */
  'serverhello-truncated-extension': (s, first) => {
    const hello = serverHello({
      version: 0x0303,
      suite: offeredSuite(first),
      sessionId: Buffer.alloc(32, 5),
      extensions: [ext.renegotiationInfo()],
    });
    // Rewrite the last extension's length field (the 2 bytes before its 1-byte body) to 200.
    const bad = Buffer.from(hello);
    bad.writeUInt16BE(200, bad.length - 3);
    s.end(record(22, 0x0303, bad));
  },
  /** A Certificate message whose certificate list length points past the message. */
  'certificate-absurd-length': (s, first) => {
    const hello = serverHello({
      version: 0x0303,
      suite: offeredSuite(first),
      sessionId: Buffer.alloc(32, 5),
      extensions: [ext.renegotiationInfo()],
    });
    const cert = handshake(11, Buffer.concat([Buffer.from([0xff, 0xff, 0xf0]), Buffer.from([0, 0, 10]), Buffer.alloc(10, 0x30)]));
    s.write(record(22, 0x0303, Buffer.concat([hello, cert, handshake(14, Buffer.alloc(0))])));
  },
  /** A ServerHello, then handshake records that never end (a Certificate of 16 MiB, fed forever). */
  'endless-records': (s, first) => {
    const hello = serverHello({
      version: 0x0303,
      suite: offeredSuite(first),
      sessionId: Buffer.alloc(32, 5),
      extensions: [ext.renegotiationInfo()],
    });
    s.write(record(22, 0x0303, Buffer.concat([hello, Buffer.from([11, 0xff, 0xff, 0xff])])));
    const chunk = record(22, 0x0303, Buffer.alloc(16_000, 0x30));
    const pump = () => {
      while (!s.destroyed && s.write(chunk));
    };
    s.on('drain', pump);
    pump();
  },
  /** The first hello is answered as a TLS 1.2 server would; every later connection gets silence. */
  'answer-once-then-stall': (() => {
    let answered = false;
    return (s: Socket | TLSSocket, first: Buffer) => {
      if (answered) return;
      answered = true;
      const hello = serverHello({
        version: 0x0303,
        suite: offeredSuite(first),
        sessionId: Buffer.alloc(32, 5),
        extensions: [ext.renegotiationInfo()],
      });
      s.write(record(22, 0x0303, Buffer.concat([hello, handshake(11, Buffer.from([0, 0, 0])), handshake(14, Buffer.alloc(0))])));
    };
  })(),
  /** Alert records with an unknown level, forever, a byte at a time. */
  'alert-trickle': (s) => {
    const bytes = Buffer.concat(Array.from({ length: 200 }, () => record(21, 0x0303, Buffer.from([9, 99]))));
    let i = 0;
    const timer = setInterval(() => {
      if (s.destroyed) return clearInterval(timer);
      s.write(bytes.subarray(i % bytes.length, (i % bytes.length) + 1));
      i++;
    }, 200);
    s.once('close', () => clearInterval(timer));
  },
};

// ---------------------------------------------------------------------------------------------
// STUN / TURN

export interface StunScriptContext {
  /** The request, when it decoded. */
  request?: StunMessage;
  raw: Buffer;
}

/** A STUN answer builder: what to send back for one request (nothing: stay silent). */
export type StunAnswer = (c: StunScriptContext) => Buffer | Buffer[] | undefined;

const MAPPED = { family: 4 as const, address: '127.0.0.1', port: 40000 };

function success(
  req: StunMessage | undefined,
  attributes: ReturnType<typeof attr.software>[],
  opts: { integrityKey?: Buffer; fingerprint?: boolean } = { fingerprint: true },
): Buffer | undefined {
  if (!req) return undefined;
  return encodeMessage({ method: req.method, cls: 'success', transactionId: Buffer.from(req.transactionId), attributes }, opts);
}

/** A Binding success whose XOR-MAPPED-ADDRESS says IPv6 (family 2) but holds 4 address bytes. */
function wrongFamilyLength(req: StunMessage | undefined): Buffer | undefined {
  if (!req) return undefined;
  const value = Buffer.alloc(8);
  value[1] = 0x02;
  value.writeUInt16BE(0x1234, 2);
  return encodeMessage(
    {
      method: req.method,
      cls: 'success',
      transactionId: Buffer.from(req.transactionId),
      attributes: [attr.raw(Attr.XOR_MAPPED_ADDRESS, value)],
    },
    { fingerprint: true },
  );
}

/** A success whose only attribute announces 100 bytes while 8 are there (the header length agrees with the 8). */
function attributePastEnd(req: StunMessage | undefined): Buffer | undefined {
  if (!req) return undefined;
  const m = encodeMessage({
    method: req.method,
    cls: 'success',
    transactionId: Buffer.from(req.transactionId),
    attributes: [attr.xorMappedAddress(MAPPED)],
  });
  m.writeUInt16BE(100, 22);
  return m;
}

/** A header that announces 65532 bytes of attributes and brings 8. */
function absurdHeaderLength(req: StunMessage | undefined): Buffer | undefined {
  if (!req) return undefined;
  const m = encodeMessage({
    method: req.method,
    cls: 'success',
    transactionId: Buffer.from(req.transactionId),
    attributes: [attr.xorMappedAddress(MAPPED)],
  });
  m.writeUInt16BE(0xfffc, 2);
  return m;
}

function wrongFingerprint(req: StunMessage | undefined): Buffer | undefined {
  const m = success(req, [attr.xorMappedAddress(MAPPED)]);
  if (!m) return undefined;
  m.writeUInt32BE((m.readUInt32BE(m.length - 4) ^ 0xdeadbeef) >>> 0, m.length - 4);
  return m;
}

function otherTransaction(req: StunMessage | undefined): Buffer | undefined {
  if (!req) return undefined;
  return encodeMessage({ method: req.method, cls: 'success', attributes: [attr.xorMappedAddress(MAPPED)] }, { fingerprint: true });
}

const junk = (n: number, seed = 7) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed) & 0xff;
  return b;
};

/** Broken answers to a Binding request (the stun check), by behaviour. */
export const STUN_ANSWERS: Record<string, StunAnswer> = {
  silence: () => undefined,
  garbage: () => junk(512),
  /** Forty datagrams of noise and foreign transactions for every request. */
  endless: (c) => [
    ...Array.from({ length: 20 }, (_, i) => junk(300, i)),
    ...Array.from({ length: 20 }, () => otherTransaction(c.request)!).filter(Boolean),
  ],
  'attribute-past-end': (c) => attributePastEnd(c.request),
  'header-absurd-length': (c) => absurdHeaderLength(c.request),
  'xor-mapped-wrong-family-length': (c) => wrongFamilyLength(c.request),
  'fingerprint-wrong': (c) => wrongFingerprint(c.request),
  'other-transaction': (c) => otherTransaction(c.request),
};

export const TURN_REALM = 'hostile.test';
export const TURN_USER = 'alice';
export const TURN_PASSWORD = 'hostile-secret';
const TURN_KEY = longTermKey(TURN_USER, TURN_REALM, TURN_PASSWORD);

/** The long-term challenge, as a real server sends it to a request without credentials. */
function challenge(req: StunMessage): Buffer {
  return encodeMessage(
    {
      method: req.method,
      cls: 'error',
      transactionId: Buffer.from(req.transactionId),
      attributes: [attr.errorCode(401), attr.realm(TURN_REALM), attr.nonce('0123456789abcdef')],
    },
    { fingerprint: true },
  );
}

const hasIntegrity = (req: StunMessage) => req.attributes.some((a) => a.type === Attr.MESSAGE_INTEGRITY);

/** TURN: challenge first, then answer the authenticated request with `then`. */
function afterChallenge(then: (req: StunMessage) => Buffer | Buffer[] | undefined): StunAnswer {
  return (c) => {
    if (!c.request || c.request.cls !== 'request') return undefined;
    if (!hasIntegrity(c.request)) return challenge(c.request);
    return then(c.request);
  };
}

function allocateSuccess(req: StunMessage, opts: { integrityKey?: Buffer; relayedValue?: Buffer }): Buffer {
  const attributes =
    req.method === Method.Allocate
      ? [
          opts.relayedValue
            ? attr.raw(Attr.XOR_RELAYED_ADDRESS, opts.relayedValue)
            : attr.xorRelayedAddress({ family: 4, address: '127.0.0.1', port: 50000 }),
          attr.xorMappedAddress(MAPPED),
          attr.lifetime(600),
        ]
      : req.method === Method.Refresh
        ? [attr.lifetime(0)]
        : [];
  return encodeMessage(
    { method: req.method, cls: 'success', transactionId: Buffer.from(req.transactionId), attributes },
    { ...(opts.integrityKey ? { integrityKey: opts.integrityKey } : {}), fingerprint: true },
  );
}

/** Broken answers to TURN requests (the turn check), by behaviour. */
export const TURN_ANSWERS: Record<string, StunAnswer> = {
  silence: () => undefined,
  garbage: () => junk(512),
  endless: (c) => [
    ...Array.from({ length: 20 }, (_, i) => junk(300, i)),
    ...(c.request ? Array.from({ length: 20 }, () => otherTransaction(c.request)!) : []),
  ],
  /** RFC 8489 §9.2.5: a success to an authenticated request without MESSAGE-INTEGRITY must be discarded. */
  'success-without-integrity': afterChallenge((req) => allocateSuccess(req, {})),
  'success-wrong-integrity': afterChallenge((req) =>
    allocateSuccess(req, { integrityKey: longTermKey(TURN_USER, TURN_REALM, 'not-the-password') }),
  ),
  /** MESSAGE-INTEGRITY placed, then a byte it covers changed (FINGERPRINT made afterwards, so only the HMAC tells). */
  'integrity-then-tampered': afterChallenge((req) => {
    const m = allocateSuccess(req, { integrityKey: TURN_KEY });
    const body = Buffer.from(m.subarray(0, m.length - 8));
    body.writeUInt16BE(body.length - HEADER, 2);
    body[body.length - 1] = body[body.length - 1]! ^ 0xff;
    return appendFingerprint(body);
  }),
  'unauthorised-without-realm': (c) =>
    c.request
      ? encodeMessage(
          {
            method: c.request.method,
            cls: 'error',
            transactionId: Buffer.from(c.request.transactionId),
            attributes: [attr.errorCode(401)],
          },
          { fingerprint: true },
        )
      : undefined,
  'attribute-past-end': afterChallenge((req) => attributePastEnd(req)),
  'xor-relayed-wrong-family-length': afterChallenge((req) => {
    const value = Buffer.alloc(8);
    value[1] = 0x02;
    return allocateSuccess(req, { integrityKey: TURN_KEY, relayedValue: value });
  }),
  'fingerprint-wrong': afterChallenge((req) => {
    const m = allocateSuccess(req, { integrityKey: TURN_KEY });
    m.writeUInt32BE((m.readUInt32BE(m.length - 4) ^ 0xdeadbeef) >>> 0, m.length - 4);
    return m;
  }),
  'header-absurd-length': (c) => absurdHeaderLength(c.request),
};

const HEADER = 20;

export function startStunUdpPeer(label: string, answer: StunAnswer): Promise<HostilePeer> {
  return startHostileUdpPeer(label, (msg) =>
    answer({ raw: msg, ...(tryDecodeMessage(msg).message ? { request: tryDecodeMessage(msg).message! } : {}) }),
  );
}

/** The same answers over a stream: requests framed by their length, answers written as they are. */
export function stunStreamScript(answer: StunAnswer): Script {
  return (s: Socket | TLSSocket, first: Buffer) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= HEADER) {
        const len = HEADER + buf.readUInt16BE(2);
        if (buf.length < len) return;
        const raw = buf.subarray(0, len);
        buf = buf.subarray(len);
        const decoded = tryDecodeMessage(raw);
        const out = answer({ raw, ...(decoded.message ? { request: decoded.message } : {}) });
        for (const b of out === undefined ? [] : Array.isArray(out) ? out : [out]) if (!s.destroyed) s.write(b);
      }
    };
    s.on('data', onData);
    onData(first);
  };
}

/** A STUN stream endlessly sending well-framed messages for transactions nobody started. */
export const stunEndlessFrames: Script = (s) => {
  const chunk = Buffer.concat(
    Array.from({ length: 64 }, () =>
      encodeMessage({ method: Method.Binding, cls: 'success', attributes: [attr.xorMappedAddress(MAPPED)] }, { fingerprint: true }),
    ),
  );
  const pump = () => {
    while (!s.destroyed && s.write(chunk));
  };
  s.on('drain', pump);
  pump();
};

// ---------------------------------------------------------------------------------------------
// A fake reflector

/** How a fake reflector's control channel (HTTP) or data plane misbehaves. */
export type ReflectorBehaviour =
  | 'ctl-absurd-length'
  | 'ctl-truncated'
  | 'ctl-endless-chunked'
  | 'ctl-not-json'
  | 'ctl-absurd-session'
  | 'data-garbage'
  | 'data-wrong-size'
  | 'data-other-session'
  | 'data-absurd-times'
  | 'data-bad-stats';

export const REFLECTOR_BEHAVIOURS: readonly ReflectorBehaviour[] = [
  'ctl-absurd-length',
  'ctl-truncated',
  'ctl-endless-chunked',
  'ctl-not-json',
  'ctl-absurd-session',
  'data-garbage',
  'data-wrong-size',
  'data-other-session',
  'data-absurd-times',
  'data-bad-stats',
];

const SESSION = '0123456789abcdef';
const OTHER_SESSION = 'fedcba9876543210';

interface Request {
  method: string;
  path: string;
  headers: Map<string, string>;
}

function parseHead(text: string): Request | undefined {
  const [line, ...rest] = text.split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(line ?? '');
  if (!m) return undefined;
  const headers = new Map<string, string>();
  for (const h of rest) {
    const i = h.indexOf(':');
    if (i > 0) headers.set(h.slice(0, i).trim().toLowerCase(), h.slice(i + 1).trim());
  }
  return { method: m[1]!, path: m[2]!, headers };
}

function json(status: number, body: unknown, extra = ''): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n${extra}\r\n${text}`;
}

function pumpForever(s: Socket, chunk: Buffer): void {
  const pump = () => {
    while (!s.destroyed && s.write(chunk));
  };
  s.on('drain', pump);
  pump();
}

function trickleForever(s: Socket, everyMs: number): void {
  const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write('a')), everyMs);
  s.once('close', () => clearInterval(timer));
}

function resetSocket(s: Socket): void {
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
  else s.destroy();
}

/** A WebSocket 101 the ws client accepts, then the bytes the behaviour sends. */
function wsAccept(key: string): string {
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
}

/**
 * A reflector that speaks just enough of the probe protocol (docs/probe-protocol.md) to lead the
 * client on, and misbehaves in one place: the session answer (`ctl-*`), or everything after a good
 * session answer (`data-*`: UDP replies, raw TCP streams, WebSocket streams, the statistics).
 * Knowing the token, its UDP replies can carry valid MACs — the client must still reject them.
 */
export async function startFakeReflector(behaviour: ReflectorBehaviour, token: string): Promise<HostilePeer> {
  const key = sessionKey(token, SESSION);
  const otherKey = sessionKey(token, OTHER_SESSION);
  const udp = await startHostileUdpPeer(`${behaviour}/udp`, (msg) => {
    const p = peekProbe(msg);
    if (!p) return undefined;
    switch (behaviour) {
      case 'data-garbage':
        return junk(msg.length, p.seq);
      case 'data-wrong-size': {
        // A valid reply cut to its header: the MAC covers only the first 56 bytes.
        const r = encodeProbe(
          key,
          { ...p, type: UDP_TYPE_REPLY, serverRecvUs: p.clientSendUs, serverSendUs: p.clientSendUs, serverReceived: p.seq + 1 },
          64,
        );
        return msg.length > 64 ? r : Buffer.concat([r, Buffer.alloc(32)]);
      }
      case 'data-other-session':
        return encodeProbe(
          otherKey,
          { ...p, session: OTHER_SESSION, type: UDP_TYPE_REPLY, serverRecvUs: 1n, serverSendUs: 2n, serverReceived: 1 },
          msg.length,
        );
      case 'data-absurd-times':
        // The reflector claims to have held the probe for ten days: the round trip would be negative.
        return encodeProbe(
          key,
          { ...p, type: UDP_TYPE_REPLY, serverRecvUs: 0n, serverSendUs: 864_000_000_000n, serverReceived: 0xffffffff },
          msg.length,
        );
      case 'data-bad-stats': {
        // Replies as a reflector sends them: the statistics and the streams are where it goes wrong.
        const now = nowUs();
        return encodeProbe(
          key,
          { ...p, type: UDP_TYPE_REPLY, serverRecvUs: now, serverSendUs: now, serverReceived: p.seq + 1 },
          msg.length,
        );
      }
      default:
        return undefined;
    }
  });
  const sockets = new Set<Socket>();
  let accepted = 0;
  const sessionAnswer = () => ({
    session: SESSION,
    udpPort: udp.port,
    limits: { maxTestMs: 60_000, maxUdpPps: 5000, maxStreamsPerSession: 32 },
    serverTimeMs: Date.now(),
    qos: { ttl: 64, hopLimit: 64 },
  });
  const stats = (): string => {
    switch (behaviour) {
      case 'data-garbage':
        return json(200, '{"streams": {"1": {"received": "lots", "bitmap": 12, "jitterMs": null}');
      case 'data-wrong-size':
        return json(200, {
          streams: Object.fromEntries(
            Array.from({ length: 64 }, (_, i) => [
              String(i),
              {
                received: 1e12,
                duplicates: -5,
                reordered: 1e15,
                maxSeq: 2 ** 40,
                jitterMs: -3,
                bitmap: 'AAAA',
                tos: { '184': 1e12, '-1': 3, x: 'y' },
                ttl: { min: -1, max: 1e9 },
              },
            ]),
          ),
        });
      case 'data-absurd-times':
        return json(200, {
          streams: Object.fromEntries(
            Array.from({ length: 64 }, (_, i) => [
              String(i),
              {
                received: 3,
                duplicates: 0,
                reordered: 0,
                maxSeq: 3,
                jitterMs: 1e300,
                bitmap: Buffer.alloc(64, 0xff).toString('base64'),
                tos: { '184': 3 },
                ttl: { min: 64, max: 64 },
              },
            ]),
          ),
        });
      case 'data-bad-stats':
        // Well-formed, but every stream received more probes than any client sends in a test.
        return json(200, {
          streams: Object.fromEntries(
            Array.from({ length: 64 }, (_, i) => [
              String(i),
              {
                received: 4_000_000_000,
                duplicates: 0,
                reordered: 0,
                maxSeq: 10,
                jitterMs: 0,
                bitmap: Buffer.alloc(8, 0xff).toString('base64'),
                tos: { '184': 4_000_000_000 },
                ttl: { min: 64, max: 64 },
              },
            ]),
          ),
        });
      default:
        return json(404, { error: 'no such session' });
    }
  };
  const upgraded = (s: Socket, req: Request) => {
    const ws = req.headers.get('upgrade')?.toLowerCase() === 'websocket';
    const head = ws
      ? wsAccept(req.headers.get('sec-websocket-key') ?? '')
      : 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: siteready-tcp\r\n\r\n';
    switch (behaviour) {
      case 'data-garbage':
        s.end(Buffer.concat([Buffer.from(head), junk(700)]));
        return;
      case 'data-wrong-size':
        if (ws) {
          // A binary frame announcing 2^63 − 1 bytes of payload.
          s.write(Buffer.concat([Buffer.from(head), Buffer.from([0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), junk(64)]));
          return;
        }
        s.write(head);
        setTimeout(() => resetSocket(s), 20);
        return;
      case 'data-other-session':
        // Upgraded, then nothing more: no payload, no report, no echo, no close.
        s.write(head);
        return;
      case 'data-bad-stats':
        // Upgraded, then one byte every 100 ms: never a message, never an end.
        s.write(head);
        trickleForever(s, 100);
        return;
      case 'data-absurd-times':
        if (ws) {
          // Masked server frames with RSV bits set, glued to the 101.
          s.write(Buffer.concat([Buffer.from(head), Buffer.from([0xf2, 0x84, 1, 2, 3, 4, 9, 9, 9, 9])]));
          return;
        }
        s.write(head);
        pumpForever(s, Buffer.alloc(64 * 1024, 0x61));
        return;
      default:
        s.destroy();
    }
  };
  const control = (s: Socket, req: Request) => {
    if (req.method === 'POST' && req.path === '/v1/session') {
      switch (behaviour) {
        case 'ctl-absurd-length':
          s.write('HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 99999999999999\r\n\r\n{"session":"');
          return;
        case 'ctl-truncated':
          s.write(
            `HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"session":"${SESSION}","udpPort":`,
          );
          setTimeout(() => s.destroy(), 20);
          return;
        case 'ctl-endless-chunked':
          s.write('HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
          pumpForever(s, Buffer.from(`4000\r\n${' '.repeat(0x4000)}\r\n`));
          return;
        case 'ctl-not-json':
          s.end(json(201, '<html><body>Welcome to nginx!</body></html>'));
          return;
        case 'ctl-absurd-session':
          s.end(json(201, { session: SESSION, udpPort: 99999, limits: null, qos: { ttl: 1e9, hopLimit: -1 }, qosReason: { toString: 1 } }));
          return;
        default:
          s.end(json(201, sessionAnswer()));
          return;
      }
    }
    if (req.method === 'GET' && /^\/v1\/session\/[0-9a-f]+\/udp$/.test(req.path)) return void s.end(stats());
    if (req.method === 'DELETE') return void s.end('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
    if (req.headers.get('connection')?.toLowerCase().includes('upgrade')) return upgraded(s, req);
    s.end(json(404, { error: 'not found' }));
  };
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 65536) s.destroy();
        return;
      }
      s.off('data', onData);
      const req = parseHead(buf.slice(0, end));
      if (!req) return void s.destroy();
      // Whatever follows (an upload's payload) is read and dropped.
      s.on('data', () => undefined);
      control(s, req);
    };
    s.on('data', onData);
  });
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    port,
    behaviour,
    connections: () => accepted + udp.connections(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await udp.close();
    },
  };
}
