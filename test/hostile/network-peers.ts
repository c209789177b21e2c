// Protocol-specific hostile peers for the network checks' matrix: WebSocket servers whose first
// frame arrives glued to the 101, HTTP servers with endless or truncated bodies and redirect loops,
// TLS records no client can parse, a DNS server that answers with truncated messages, absurd counts
// and compression loops (and falls back to a hostile TCP), and an HTTP CONNECT proxy that answers
// with anything but a usable tunnel. Every server listens on 127.0.0.1, port 0, and its handle
// closes it with every socket it holds.

import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { HostilePeer, Script } from '../helpers/hostile-peers.js';

// ---------------------------------------------------------------------------------------------
// Socket tricks

type AnySocket = Socket | TLSSocket;

/** An RST now (a TLS socket resets its TCP socket). */
export function rst(s: AnySocket): void {
  const tcp = ((s as TLSSocket & { _parent?: Socket })._parent ?? s) as Socket;
  tcp.resetAndDestroy();
  s.destroy();
}

/** Writes `head`, then `chunk` again and again as fast as the client reads. */
function endless(s: AnySocket, head: Buffer | string, chunk: Buffer): void {
  const pump = () => {
    while (!s.destroyed && s.write(chunk));
  };
  s.write(head);
  s.on('drain', pump);
  pump();
}

/** Writes `head`, then one byte of `drip` (repeated) every `ms`, until the socket closes. */
function trickle(s: AnySocket, head: Buffer | string, drip: Buffer, ms = 250): void {
  s.write(head);
  let i = 0;
  const timer = setInterval(() => {
    if (s.destroyed) return clearInterval(timer);
    s.write(drip.subarray(i % drip.length, (i % drip.length) + 1));
    i++;
  }, ms);
  s.once('close', () => clearInterval(timer));
}

const junk = (n: number, seed = 7): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed) & 0xff;
  return b;
};

// ---------------------------------------------------------------------------------------------
// WebSocket: the upgrade answered, and what comes with it or after it

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function accept(request: Buffer): string {
  const key = /sec-websocket-key:[ \t]*([A-Za-z0-9+/=]+)/i.exec(request.toString('latin1'))?.[1] ?? '';
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

function switching(request: Buffer, opts: { accept?: string; upgrade?: boolean; extra?: string } = {}): Buffer {
  return Buffer.from(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      (opts.upgrade === false ? '' : 'Upgrade: websocket\r\n') +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${opts.accept ?? accept(request)}\r\n` +
      (opts.extra ?? '') +
      '\r\n',
    'latin1',
  );
}

/** The 101 and a frame in one write: the frame arrives with the upgrade answer. */
const glued =
  (frame: number[]): Script =>
  (s, first) =>
    void s.write(Buffer.concat([switching(first), Buffer.from(frame)]));

/** What a WebSocket server can get wrong, from the upgrade answer to the first frames. */
export const WS_SCRIPTS: Record<string, Script> = {
  // A binary frame announcing 2^64-1 bytes.
  'glued-absurd-length': glued([0x82, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  // 4 GiB: a legal length, over any limit a signalling client keeps.
  'glued-oversize-frame': glued([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]),
  'glued-rsv-bits': glued([0xf2, 0x01, 0x41]),
  'glued-masked-frame': glued([0x82, 0x81, 1, 2, 3, 4, 0x41]),
  'glued-reserved-opcode': glued([0x83, 0x00]),
  'glued-fragmented-ping': glued([0x09, 0x00]),
  'glued-bad-utf8': glued([0x81, 0x02, 0xc3, 0x28]),
  'glued-bad-close-code': glued([0x88, 0x02, 0x03, 0xe7]),
  'upgrade-bad-accept': (s, first) => void s.write(switching(first, { accept: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })),
  'upgrade-no-upgrade-header': (s, first) => void s.write(switching(first, { upgrade: false })),
  'upgrade-unasked-extension': (s, first) => void s.write(switching(first, { extra: 'Sec-WebSocket-Extensions: permessage-deflate\r\n' })),
  'upgrade-truncated': (s) => void s.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websock'),
  'upgrade-redirect': (s) => void s.end('HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n'),
  'upgrade-then-rst': (s, first) => {
    s.write(switching(first));
    setTimeout(() => rst(s), 20);
  },
  // Upgraded, then never a pong.
  'upgrade-then-silence': (s, first) => void s.write(switching(first)),
  'upgrade-then-endless': (s, first) => endless(s, switching(first), Buffer.alloc(64 * 1024, 0x61)),
  // A frame header announcing 65,535 bytes, then its payload a byte at a time.
  'upgrade-then-trickle': (s, first) =>
    trickle(s, Buffer.concat([switching(first), Buffer.from([0x82, 0x7e, 0xff, 0xff])]), Buffer.from('a')),
};

// ---------------------------------------------------------------------------------------------
// HTTP: heads, bodies and redirects

const head = (lines: string[]): string => `${lines.join('\r\n')}\r\n\r\n`;

/** What an HTTP server can get wrong, from the status line to the last chunk. */
export const HTTP_SCRIPTS: Record<string, Script> = {
  'status-absurd': (s) => void s.end('HTTP/1.1 99999 Nope\r\n\r\n'),
  'header-garbage': (s) => void s.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n'), junk(200), Buffer.from('\r\n\r\n')])),
  'head-truncated': (s) => void s.end('HTTP/1.1 200 OK\r\nContent-Ty'),
  'headers-endless': (s) => endless(s, 'HTTP/1.1 200 OK\r\n', Buffer.from('X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(512))),
  'headers-trickle': (s) => trickle(s, 'HTTP/1.1 200 OK\r\n', Buffer.from('X-Slow: a\r\n')),
  'content-length-absurd': (s) => void s.end(head(['HTTP/1.1 200 OK', 'Content-Length: 99999999999999999999999999']) + 'abc'),
  'content-length-endless': (s) => endless(s, head(['HTTP/1.1 200 OK', 'Content-Length: 1000000000000000']), Buffer.alloc(64 * 1024, 0x61)),
  'content-length-short': (s) => void s.end(head(['HTTP/1.1 200 OK', 'Content-Length: 1000']) + 'only ten b'),
  'until-close-endless': (s) => endless(s, head(['HTTP/1.0 200 OK']), Buffer.alloc(64 * 1024, 0x61)),
  'chunked-endless': (s) =>
    endless(s, head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']), Buffer.from(`10000\r\n${'a'.repeat(0x10000)}\r\n`)),
  'chunked-trickle': (s) => trickle(s, head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']), Buffer.from('1\r\na\r\n')),
  'chunked-absurd-size': (s) => void s.end(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']) + 'ffffffffffffffffffffffff\r\nabc'),
  'chunked-garbage-size': (s) => void s.end(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']) + 'zz\r\nabc\r\n'),
  'chunked-truncated': (s) => void s.end(head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']) + '100\r\nonly a few bytes'),
  'redirect-loop': (s) => void s.end(head(['HTTP/1.1 302 Found', 'Location: /', 'Content-Length: 0'])),
  'redirect-ping-pong': (s, first) => {
    const path = /^GET (\S+)/.exec(first.toString('latin1'))?.[1] ?? '/';
    s.end(head(['HTTP/1.1 301 Moved Permanently', `Location: ${path.endsWith('/a') ? '/b' : '/a'}`, 'Content-Length: 0']));
  },
  'redirect-bad-location': (s) => void s.end(head(['HTTP/1.1 302 Found', 'Location: http://[::1', 'Content-Length: 0'])),
};

// ---------------------------------------------------------------------------------------------
// TLS: records a client cannot get a handshake out of (the peer answers the ClientHello)

const record = (type: number, body: Buffer, length = body.length): Buffer =>
  Buffer.concat([Buffer.from([type, 0x03, 0x03, length >> 8, length & 0xff]), body]);

export const TLS_SCRIPTS: Record<string, Script> = {
  // A handshake record announcing 65,535 bytes: past the 16 KiB + 2 KiB a record may carry.
  'tls-absurd-record-length': (s) => void s.write(record(0x16, junk(32), 0xffff)),
  // A record header for 100 bytes, 10 of them, then the end.
  'tls-truncated-record': (s) => void s.end(record(0x16, junk(10), 100)),
  // A ServerHello whose body is noise.
  'tls-garbage-hello': (s) => void s.end(record(0x16, Buffer.concat([Buffer.from([0x02, 0x00, 0x00, 0x40]), junk(64, 11)]))),
  // A fatal handshake_failure alert in answer to everything.
  'tls-alert': (s) => void s.end(record(0x15, Buffer.from([0x02, 0x28]))),
};

// ---------------------------------------------------------------------------------------------
// DNS: a server (UDP, and TCP on the same port for truncated answers) that misbehaves by name

export const DNS_ZONE = 'dns.test';

/** Behaviours by the first label of a name under DNS_ZONE; any other name is NXDOMAIN. */
export const DNS_BEHAVIOURS = [
  'silence',
  'garbage',
  'garbage-with-id',
  'short-header',
  'truncated-answer',
  'absurd-counts',
  'compression-loop',
  'pointer-out-of-range',
  'rdlength-absurd',
  'rdata-short',
  'wrong-id',
  'wrong-question',
  'flood',
  'tc-rst',
  'tc-silence',
  'tc-garbage',
  'tc-endless',
  'tc-trickle',
  'tc-absurd-length',
  'tc-truncated',
] as const;

interface DnsQuery {
  id: number;
  name: string;
  qtype: number;
  question: Buffer;
}

function parseDnsQuery(msg: Buffer): DnsQuery | undefined {
  if (msg.length < 17) return undefined;
  const labels: string[] = [];
  let o = 12;
  for (;;) {
    const n = msg[o];
    if (n === undefined || n > 63) return undefined;
    o++;
    if (n === 0) break;
    labels.push(msg.toString('latin1', o, o + n));
    o += n;
  }
  if (o + 4 > msg.length) return undefined;
  return { id: msg.readUInt16BE(0), name: labels.join('.').toLowerCase(), qtype: msg.readUInt16BE(o), question: msg.subarray(12, o + 4) };
}

function dnsHeader(id: number, flags: number, counts: [number, number, number, number]): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  counts.forEach((c, i) => h.writeUInt16BE(c, 4 + i * 2));
  return h;
}

/** An answer RR for the question's name (a pointer to offset 12), type A unless told. */
function rr(rdata: Buffer, opts: { owner?: Buffer; rdlength?: number; type?: number } = {}): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(opts.type ?? 1, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(60, 4);
  fixed.writeUInt16BE(opts.rdlength ?? rdata.length, 8);
  return Buffer.concat([opts.owner ?? Buffer.from([0xc0, 0x0c]), fixed, rdata]);
}

const NOERROR = 0x8180;
const NXDOMAIN = 0x8183;
const TC = 0x0200;
const LOOPBACK = Buffer.from([127, 0, 0, 1]);

function encodeName(name: string): Buffer {
  return Buffer.concat([
    ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])),
    Buffer.from([0]),
  ]);
}

/** The UDP answer (or answers) for a query; [] stays silent. */
function udpAnswer(q: DnsQuery): Buffer[] {
  if (!q.name.endsWith(`.${DNS_ZONE}`)) return [Buffer.concat([dnsHeader(q.id, NXDOMAIN, [1, 0, 0, 0]), q.question])];
  const behaviour = q.name.split('.')[0]!;
  const ok = (extra: Buffer[] = [], counts: [number, number, number, number] = [1, extra.length, 0, 0], flags = NOERROR) =>
    Buffer.concat([dnsHeader(q.id, flags, counts), q.question, ...extra]);
  // AAAA is answered NODATA throughout: the A answer is where the abuse is. A resolver (or a
  // middlebox) that drops AAAA queries is common enough to have its own name.
  if (q.qtype !== 1 && behaviour === 'no-aaaa') return [];
  if (q.qtype !== 1 && !behaviour.startsWith('tc-') && behaviour !== 'silence' && behaviour !== 'wrong-id') return [ok()];
  switch (behaviour) {
    case 'ok':
    case 'no-aaaa':
      return [ok([rr(LOOPBACK)])];
    case 'silence':
      return [];
    case 'garbage':
      return [junk(300, q.id & 0xff)];
    case 'garbage-with-id': {
      const b = junk(300);
      b.writeUInt16BE(q.id, 0);
      return [b];
    }
    case 'short-header':
      return [ok().subarray(0, 7)];
    case 'truncated-answer':
      return [ok([rr(LOOPBACK).subarray(0, 6)], [1, 1, 0, 0])];
    case 'absurd-counts':
      return [ok([], [1, 0xffff, 0xffff, 0xffff])];
    case 'compression-loop': {
      // The answer's owner name is a pointer to itself.
      const at = 12 + q.question.length;
      return [ok([rr(LOOPBACK, { owner: Buffer.from([0xc0 | (at >> 8), at & 0xff]) })])];
    }
    case 'pointer-out-of-range':
      return [ok([rr(LOOPBACK, { owner: Buffer.from([0xff, 0xf0]) })])];
    case 'rdlength-absurd':
      return [ok([rr(LOOPBACK, { rdlength: 0xffff })])];
    case 'rdata-short':
      return [ok([rr(LOOPBACK.subarray(0, 3)), rr(LOOPBACK.subarray(0, 3))])];
    case 'wrong-id': {
      const b = ok([rr(LOOPBACK)]);
      b.writeUInt16BE((q.id + 1) & 0xffff, 0);
      return [b];
    }
    case 'wrong-question': {
      const other = Buffer.concat([encodeName(`other.${DNS_ZONE}`), Buffer.from([0, 1, 0, 1])]);
      return [Buffer.concat([dnsHeader(q.id, NOERROR, [1, 1, 0, 0]), other, rr(LOOPBACK)])];
    }
    case 'flood': {
      // Endless bytes, as far as datagrams go: hundreds of answers to one query, none of them parseable.
      const out: Buffer[] = [];
      for (let i = 0; i < 300; i++) {
        const b = junk(512, i);
        b.writeUInt16BE(q.id, 0);
        b.writeUInt16BE(NOERROR, 2);
        out.push(b);
      }
      return out;
    }
    default:
      if (behaviour.startsWith('tc-')) return [ok([], [1, 0, 0, 0], NOERROR | TC)];
      return [Buffer.concat([dnsHeader(q.id, NXDOMAIN, [1, 0, 0, 0]), q.question])];
  }
}

/** What the TCP side does once a truncated UDP answer sent the resolver here. */
function tcpAnswer(s: Socket, q: DnsQuery): void {
  const behaviour = q.name.split('.')[0]!;
  const framed = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]);
  switch (behaviour) {
    case 'tc-ok':
      return void s.write(
        framed(
          Buffer.concat([dnsHeader(q.id, NOERROR, [1, q.qtype === 1 ? 1 : 0, 0, 0]), q.question, ...(q.qtype === 1 ? [rr(LOOPBACK)] : [])]),
        ),
      );
    case 'tc-rst':
      return rst(s);
    case 'tc-silence':
      return;
    case 'tc-garbage':
      return void s.end(junk(700));
    case 'tc-endless':
      return endless(s, Buffer.alloc(0), Buffer.alloc(64 * 1024, 0x61));
    case 'tc-trickle':
      return trickle(s, Buffer.from([0x00]), Buffer.from('a'));
    case 'tc-absurd-length':
      return void s.write(Buffer.concat([Buffer.from([0xff, 0xff]), dnsHeader(q.id, NOERROR, [1, 1, 0, 0])]));
    case 'tc-truncated':
      return void s.end(Buffer.concat([Buffer.from([0x00, 0x64]), dnsHeader(q.id, NOERROR, [1, 1, 0, 0]).subarray(0, 8)]));
    default:
      return void s.end();
  }
}

export interface HostileDns extends HostilePeer {
  /** "127.0.0.1:port", for --dns-server. */
  server: string;
}

/**
 * The hostile DNS server: UDP and TCP on one port. `tcpAcceptRst` makes the TCP side reset every
 * connection before reading (the fallback's accept-then-RST).
 */
export async function startHostileDns(opts: { tcpAcceptRst?: boolean } = {}): Promise<HostileDns> {
  const sockets = new Set<Socket>();
  let queries = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket('udp4');
    udp.on('error', () => undefined);
    udp.on('message', (msg: Buffer, from: RemoteInfo) => {
      const q = parseDnsQuery(msg);
      if (!q) return;
      queries++;
      for (const b of udpAnswer(q)) udp.send(b, from.port, from.address);
    });
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
    const port = udp.address().port;
    const tcp: Server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => sockets.delete(s));
      if (opts.tcpAcceptRst) return rst(s);
      // A resolver sends its A and AAAA queries down one connection: each is answered.
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const q = parseDnsQuery(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
          if (!q) return void s.destroy();
          if (!s.destroyed) tcpAnswer(s, q);
        }
      });
    });
    tcp.on('error', () => undefined);
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!listening) {
      udp.close();
      continue;
    }
    return {
      port,
      server: `127.0.0.1:${port}`,
      behaviour: opts.tcpAcceptRst ? 'tcp-accept-rst' : 'dns',
      connections: () => queries,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => tcp.close(() => r()));
        await new Promise<void>((r) => udp.close(() => r()));
      },
    };
  }
  throw new Error('no port free for both UDP and TCP');
}

// ---------------------------------------------------------------------------------------------
// HTTP CONNECT proxy: misbehaves by the first label of the host it is asked for

export const PROXY_ZONE = 'proxy.test';

export const PROXY_BEHAVIOURS = [
  'rst-after-request',
  'silence',
  'garbage',
  'endless',
  'trickle',
  'auth-garbage',
  'auth-endless-body',
  'auth-negotiate-again',
  'established-garbage',
  'established-truncated',
  'redirect',
  'status-absurd',
  'headers-endless',
] as const;

function proxyAnswer(s: Socket, behaviour: string): void {
  switch (behaviour) {
    case 'rst-after-request':
      return rst(s);
    case 'silence':
      return;
    case 'garbage':
      return void s.end(junk(512));
    case 'endless':
      return endless(s, 'HTTP/1.1 200 OK\r\nX-Endless: ', Buffer.alloc(64 * 1024, 0x61));
    case 'trickle':
      return trickle(s, '', Buffer.from('HTTP/1.1 200 Connection established\r\nX-Trickle: aaaaaaaa'));
    case 'auth-garbage':
      return void s.end(
        Buffer.concat([
          Buffer.from('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: '),
          junk(64, 3).map((b) => (b === 13 || b === 10 ? 0x20 : b)),
          Buffer.from('\r\nContent-Length: 0\r\n\r\n'),
        ]),
      );
    // Negotiate offered, and offered again to whatever comes back.
    case 'auth-negotiate-again':
      return void s.end(head(['HTTP/1.1 407 Proxy Authentication Required', 'Proxy-Authenticate: Negotiate', 'Content-Length: 0']));
    case 'auth-endless-body':
      return endless(
        s,
        head(['HTTP/1.1 407 Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="x"', 'Content-Length: 1000000000000000']),
        Buffer.alloc(64 * 1024, 0x61),
      );
    case 'established-garbage':
      return void s.end(Buffer.concat([Buffer.from('HTTP/1.1 200 Connection established\r\n'), junk(120, 5), Buffer.from('\r\n\r\n')]));
    case 'established-truncated':
      return void s.end('HTTP/1.1 200 Connection estab');
    case 'redirect':
      return void s.end(head(['HTTP/1.1 302 Found', `Location: http://redirect.${PROXY_ZONE}/`, 'Content-Length: 0']));
    case 'status-absurd':
      return void s.end('HTTP/1.1 99999 Nope\r\n\r\n');
    case 'headers-endless':
      return endless(
        s,
        'HTTP/1.1 200 Connection established\r\n',
        Buffer.from('X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(512)),
      );
    default:
      return void s.end(head(['HTTP/1.1 502 Bad Gateway', 'Content-Length: 0']));
  }
}

/**
 * The hostile proxy. It reads the request (CONNECT host:port, or GET http://host/… in absolute
 * form) and misbehaves as the host's first label says; `acceptRst` resets every connection at once.
 */
export async function startHostileProxy(opts: { acceptRst?: boolean } = {}): Promise<HostilePeer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
    if (opts.acceptRst) return rst(s);
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      if (!buf.includes('\r\n\r\n') && buf.length < 8192) return;
      s.off('data', onData);
      const target = /^(?:CONNECT (\S+?)(?::\d+)? |GET http:\/\/([^/:\s]+))/.exec(buf);
      const host = (target?.[1] ?? target?.[2] ?? '').toLowerCase();
      proxyAnswer(s, host.endsWith(`.${PROXY_ZONE}`) ? host.split('.')[0]! : '');
    };
    s.on('data', onData);
  });
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  return {
    port,
    behaviour: opts.acceptRst ? 'accept-rst' : 'proxy',
    connections: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
