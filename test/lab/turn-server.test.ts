// The lab STUN/TURN server (src/lab/turn-server.ts), tested three ways:
//  1. with this project's own client (src/net/stun-client.ts), as the stun and turn checks use it;
//  2. with coturn's independent clients (turnutils_stunclient, turnutils_uclient), so the server
//     is not only known to agree with our own code;
//  3. with garbage, truncated and oversized datagrams and streams, after which it still answers.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabTurnServer, type LabTurnServer } from '../../src/lab/turn-server.js';
import { StunClientError, StunConnection, TurnClient, relayRoundTrip, stunBinding, type StunTransport } from '../../src/net/stun-client.js';
import {
  Attr,
  Method,
  attr,
  encodeMessage,
  getAddress,
  getErrorCode,
  getString,
  getUint32,
  getUnknownAttributes,
  longTermKey,
  tryDecodeMessage,
  type AttributeInput,
  type StunMessage,
  type TransportAddress,
} from '../../src/net/stun.js';
import { requireTool } from '../helpers/cli.js';
import { delay, hasTool } from '../helpers/peers.js';

const HOST = '127.0.0.1';
const REALM = 'lab.realm';
const USERS = { alice: 'secret', bob: 'hunter2' };
const ALICE = { username: 'alice', password: 'secret' };
const TX = { timeoutMs: 2000, rtoMs: 200 };

let server: LabTurnServer;

beforeAll(async () => {
  server = await startLabTurnServer({ host: HOST, realm: REALM, users: USERS });
});

afterAll(async () => {
  await server?.close();
});

// ---------------------------------------------------------------------------------------------
// Helpers

function open(transport: StunTransport, port = server.port): Promise<StunConnection> {
  return StunConnection.open({ transport, address: HOST, port });
}

async function withConn<T>(transport: StunTransport, fn: (conn: StunConnection) => Promise<T>, port?: number): Promise<T> {
  const conn = await open(transport, port);
  try {
    return await fn(conn);
  } finally {
    conn.close();
  }
}

/** A request the long-term way by hand: unauthenticated (→ 401), then with the challenge's realm and nonce. */
async function authed(
  conn: StunConnection,
  method: number,
  attributes: AttributeInput[],
  creds = ALICE,
): Promise<{ challenge: StunMessage; response: StunMessage }> {
  const first = await conn.transact({ method, attributes }, { fingerprint: true }, TX);
  const realm = getString(first.response, Attr.REALM);
  const nonce = getString(first.response, Attr.NONCE);
  if (realm === undefined || nonce === undefined) return { challenge: first.response, response: first.response };
  const key = longTermKey(creds.username, realm, creds.password);
  const r = await conn.transact(
    { method, attributes: [...attributes, attr.username(creds.username), attr.realm(realm), attr.nonce(nonce)] },
    { integrityKey: key, fingerprint: true },
    TX,
  );
  return { challenge: first.response, response: r.response };
}

async function udpSocket(host = HOST): Promise<UdpSocket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, host, () => resolve());
  });
  return s;
}

function closeSocket(s: UdpSocket): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

function addressOf(s: UdpSocket): TransportAddress {
  const a = s.address();
  return { family: 4, address: a.address, port: a.port };
}

/** The next datagram on `s`, or undefined after `ms`. */
function nextDatagram(s: UdpSocket, ms: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.off('message', on);
      resolve(undefined);
    }, ms);
    const on = (buf: Buffer) => {
      clearTimeout(timer);
      s.off('message', on);
      resolve(buf);
    };
    s.on('message', on);
  });
}

/** Whether a UDP port can be bound again (its socket is closed). */
function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, HOST, () => s.close(() => resolve(true)));
  });
}

function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, HOST, () => s.close(() => resolve(true)));
  });
}

async function expectStunError(p: Promise<unknown>): Promise<StunClientError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StunClientError);
    return err as StunClientError;
  }
  throw new Error('expected the request to fail');
}

async function bindingStillWorks(port = server.port): Promise<void> {
  for (const transport of ['udp', 'tcp'] as const) {
    const r = await stunBinding({ transport, address: HOST, port }, TX);
    expect(r.mapped?.address).toBe(HOST);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Our own client

describe('lab TURN server with the siteready client', () => {
  it.each(['udp', 'tcp'] as const)('answers a Binding over %s with the reflexive address and a FINGERPRINT', async (transport) => {
    await withConn(transport, async (conn) => {
      const r = await conn.transact({ method: Method.Binding, attributes: [] }, { fingerprint: true }, TX);
      expect(r.response.cls).toBe('success');
      expect(r.response.fingerprint).toBe('valid');
      expect(getAddress(r.response, Attr.XOR_MAPPED_ADDRESS)).toEqual(conn.localAddress());
    });
  });

  it.each(['udp', 'tcp'] as const)('allocates over %s, relays a round trip through a permission, and deallocates', async (transport) => {
    await withConn(transport, async (conn) => {
      const turn = new TurnClient(conn, ALICE);
      const a = await turn.allocate(TX);
      expect(a.realm).toBe(REALM);
      expect(a.relayed.address).toBe(HOST);
      expect(a.relayed.port).not.toBe(server.port);
      expect(a.mapped).toEqual(conn.localAddress());
      expect(a.lifetime).toBe(600);
      const rt = await relayRoundTrip(turn, a.relayed, { timeoutMs: 3000, stunServer: { address: HOST, port: server.port } });
      expect(rt.peerAddressFrom).toBe('binding');
      expect(rt.attempts).toBe(1);
      expect(await turn.refresh(0, TX)).toBe(0);
      expect(await udpPortFree(a.relayed.port)).toBe(true);
    });
  });

  it.each(['udp', 'tcp'] as const)('refuses a wrong password over %s as auth-refused (401 after the challenge)', async (transport) => {
    await withConn(transport, async (conn) => {
      const err = await expectStunError(new TurnClient(conn, { username: 'alice', password: 'wrong' }).allocate(TX));
      expect(err.classification).toBe('auth-refused');
      expect(err.stun?.code).toBe(401);
      expect(err.realm).toBe(REALM);
    });
    // An unknown user looks the same as a wrong password.
    await withConn(transport, async (conn) => {
      const err = await expectStunError(new TurnClient(conn, { username: 'mallory', password: 'secret' }).allocate(TX));
      expect(err.classification).toBe('auth-refused');
    });
  });

  it('refresh(0) frees the allocation: the relay port is released and a second Allocate succeeds', async () => {
    await withConn('udp', async (conn) => {
      const turn = new TurnClient(conn, ALICE);
      const first = await turn.allocate(TX);
      // One allocation per 5-tuple: a second (new transaction) is 437 Allocation Mismatch.
      const again = await expectStunError(turn.allocate(TX));
      expect(again.stun?.code).toBe(437);
      expect(await turn.refresh(0, TX)).toBe(0);
      expect(await udpPortFree(first.relayed.port)).toBe(true);
      // Gone: a Refresh now is 437 too.
      expect((await expectStunError(turn.refresh(600, TX))).stun?.code).toBe(437);
      const second = await turn.allocate(TX);
      expect(second.relayed.address).toBe(HOST);
      await turn.refresh(0, TX);
    });
  });

  it('grants lifetimes between the default and the maximum, and refreshes', async () => {
    await withConn('udp', async (conn) => {
      const turn = new TurnClient(conn, ALICE);
      expect((await turn.allocate({ ...TX, lifetime: 30 })).lifetime).toBe(600); // never below the default
      expect(await turn.refresh(7200, TX)).toBe(3600); // never above the maximum
      expect(await turn.refresh(1200, TX)).toBe(1200);
      await turn.refresh(0, TX);
    });
  });

  it('answers 401 with REALM and NONCE, 442 for a TCP relay, 440 for IPv6, 437 without an allocation', async () => {
    await withConn('udp', async (conn) => {
      const tcpRelay = await authed(conn, Method.Allocate, [attr.requestedTransport(6)]);
      expect(tcpRelay.challenge.cls).toBe('error');
      expect(getErrorCode(tcpRelay.challenge)?.code).toBe(401);
      expect(getString(tcpRelay.challenge, Attr.REALM)).toBe(REALM);
      expect(getString(tcpRelay.challenge, Attr.NONCE)).toMatch(/^[0-9a-f]{24}$/);
      expect(getErrorCode(tcpRelay.response)?.code).toBe(442);

      const v6 = await authed(conn, Method.Allocate, [
        attr.requestedTransport(),
        attr.raw(Attr.REQUESTED_ADDRESS_FAMILY, Buffer.from([2, 0, 0, 0])),
      ]);
      expect(getErrorCode(v6.response)?.code).toBe(440);

      const noTransport = await authed(conn, Method.Allocate, []);
      expect(getErrorCode(noTransport.response)?.code).toBe(400);

      const perm = await authed(conn, Method.CreatePermission, [attr.xorPeerAddress({ family: 4, address: HOST, port: 9 })]);
      expect(getErrorCode(perm.response)?.code).toBe(437);

      // A stale (foreign) nonce is 438 with the server's own.
      const key = longTermKey('alice', REALM, 'secret');
      const stale = await conn.transact(
        {
          method: Method.Allocate,
          attributes: [attr.requestedTransport(), attr.username('alice'), attr.realm(REALM), attr.nonce('not-the-nonce')],
        },
        { integrityKey: key, fingerprint: true },
        TX,
      );
      expect(getErrorCode(stale.response)?.code).toBe(438);
      expect(getString(stale.response, Attr.NONCE)).toBe(getString(tcpRelay.challenge, Attr.NONCE));
    });
  });

  it('only lets permitted peers through, in both directions', async () => {
    const peer = await udpSocket();
    const stranger = await udpSocket('127.0.0.2');
    const conn = await open('udp');
    try {
      const turn = new TurnClient(conn, ALICE);
      const a = await turn.allocate(TX);
      const received: Array<{ from: TransportAddress; data: string }> = [];
      turn.onData((from, data) => received.push({ from, data: data.toString() }));

      // Before any permission: nothing passes either way.
      turn.send(addressOf(peer), Buffer.from('early'));
      peer.send('early-in', a.relayed.port, a.relayed.address);
      expect(await nextDatagram(peer, 300)).toBeUndefined();
      expect(received).toEqual([]);

      await turn.createPermission([addressOf(peer)], TX);
      const out = nextDatagram(peer, 2000);
      turn.send(addressOf(peer), Buffer.from('to-peer'));
      expect((await out)?.toString()).toBe('to-peer');
      peer.send('to-client', a.relayed.port, a.relayed.address);
      await delay(200);
      expect(received).toEqual([{ from: addressOf(peer), data: 'to-client' }]);

      // Permissions are per IP: 127.0.0.2 has none.
      turn.send(addressOf(stranger), Buffer.from('nope'));
      stranger.send('nope-in', a.relayed.port, a.relayed.address);
      expect(await nextDatagram(stranger, 300)).toBeUndefined();
      expect(received).toHaveLength(1);
      await turn.refresh(0, TX);
    } finally {
      conn.close();
      await closeSocket(peer);
      await closeSocket(stranger);
    }
  });

  it('binds channels (RFC 8656 §12) and relays ChannelData both ways over UDP', async () => {
    const peer = await udpSocket();
    const conn = await open('udp');
    try {
      const turn = new TurnClient(conn, ALICE);
      const a = await turn.allocate(TX);
      const fromRelay: Buffer[] = [];
      conn.onOther((data) => fromRelay.push(data));
      const bad = await authed(conn, Method.ChannelBind, [attr.channelNumber(0x3fff), attr.xorPeerAddress(addressOf(peer))]);
      expect(getErrorCode(bad.response)?.code).toBe(400);
      const ok = await authed(conn, Method.ChannelBind, [attr.channelNumber(0x4001), attr.xorPeerAddress(addressOf(peer))]);
      expect(ok.response.cls).toBe('success');
      // The same peer on another channel is refused.
      const twice = await authed(conn, Method.ChannelBind, [attr.channelNumber(0x4002), attr.xorPeerAddress(addressOf(peer))]);
      expect(getErrorCode(twice.response)?.code).toBe(400);

      const out = nextDatagram(peer, 2000);
      conn.sendRaw(Buffer.concat([Buffer.from([0x40, 0x01, 0x00, 0x05]), Buffer.from('hello')]));
      expect((await out)?.toString()).toBe('hello');
      peer.send('world', a.relayed.port, a.relayed.address);
      await delay(200);
      expect(fromRelay.map((b) => b.toString('hex'))).toEqual([
        Buffer.concat([Buffer.from([0x40, 0x01, 0x00, 0x05]), Buffer.from('world')]).toString('hex'),
      ]);
      await turn.refresh(0, TX);
    } finally {
      conn.close();
      await closeSocket(peer);
    }
  });

  it('frees a TCP allocation when its connection closes', async () => {
    const conn = await open('tcp');
    const a = await new TurnClient(conn, ALICE).allocate(TX);
    expect(await udpPortFree(a.relayed.port)).toBe(false);
    conn.close();
    await delay(200);
    expect(await udpPortFree(a.relayed.port)).toBe(true);
  });

  it('expires allocations on a timer, and bounds how many there are', async () => {
    const small = await startLabTurnServer({ host: HOST, realm: REALM, users: USERS, maxAllocations: 2, maxLifetimeSeconds: 1 });
    const conns: StunConnection[] = [];
    try {
      for (let i = 0; i < 3; i++) conns.push(await open('udp', small.port));
      const [c1, c2, c3] = conns.map((c) => new TurnClient(c, ALICE)) as [TurnClient, TurnClient, TurnClient];
      const a1 = await c1.allocate(TX);
      expect(a1.lifetime).toBe(1);
      await c2.allocate(TX);
      expect((await expectStunError(c3.allocate(TX))).stun?.code).toBe(508);
      await delay(1300);
      expect(await udpPortFree(a1.relayed.port)).toBe(true);
      expect((await expectStunError(c1.refresh(1, TX))).stun?.code).toBe(437);
      expect((await c3.allocate(TX)).relayed.address).toBe(HOST);
    } finally {
      conns.forEach((c) => c.close());
      await small.close();
    }
  });

  it('close() frees the listening port (UDP and TCP) and every relay socket', async () => {
    const s = await startLabTurnServer({ host: HOST, realm: REALM, users: USERS });
    const udp = await open('udp', s.port);
    const tcp = await open('tcp', s.port);
    const relays = [
      (await new TurnClient(udp, ALICE).allocate(TX)).relayed.port,
      (await new TurnClient(tcp, ALICE).allocate(TX)).relayed.port,
    ];
    await s.close();
    udp.close();
    tcp.close();
    expect(await udpPortFree(s.port)).toBe(true);
    expect(await tcpPortFree(s.port)).toBe(true);
    for (const p of relays) expect(await udpPortFree(p)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. coturn's clients as the independent anchor

const haveStunclient = requireTool(hasTool('turnutils_stunclient'), 'turnutils_stunclient (coturn)');
const haveUclient = requireTool(hasTool('turnutils_uclient'), 'turnutils_uclient (coturn)');

interface Run {
  code: number | null;
  output: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('lab TURN server with coturn clients', () => {
  it.skipIf(!haveStunclient)('turnutils_stunclient gets the reflexive address from a Binding', async () => {
    const r = await run('turnutils_stunclient', ['-p', String(server.port), HOST], 10_000);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });

  // -y: two clients allocate and send to each other's relayed address (no turnutils_peer needed).
  // -c: no RTCP allocations — those use EVEN-PORT's reservation and RESERVATION-TOKEN, which this
  //     lab server does not implement (it answers 420, as an RFC 8656 server that lacks them must).
  // Without -s the data goes over ChannelBind + ChannelData; with -s over Send/Data indications.
  // Each run takes 2–7 s: uclient waits 1–6 s (random) before it starts sending.
  const modes: Array<{ name: string; flags: string[] }> = [
    { name: 'UDP, channels', flags: [] },
    { name: 'UDP, Send/Data indications', flags: ['-s'] },
    { name: 'TCP, channels', flags: ['-t'] },
    { name: 'TCP, Send/Data indications', flags: ['-t', '-s'] },
  ];
  describe.concurrent('turnutils_uclient -y -c', () => {
    it.for(modes)(
      'allocates and echoes 2×5 messages through the relay ($name)',
      { skip: !haveUclient, timeout: 40_000 },
      async ({ name, flags }, { expect }) => {
        const args = ['-v', '-y', '-c', ...flags, '-u', 'alice', '-w', 'secret', '-p', String(server.port), '-n', '5', '-l', '100', HOST];
        const r = await run('turnutils_uclient', args, 30_000);
        const detail = `turnutils_uclient ${args.join(' ')} (${name}):\n${r.output.slice(-3000)}`;
        expect(r.code, detail).toBe(0);
        // The probe allocation and the two clients' allocations, each authenticated.
        expect(r.output.match(/Received relay addr: 127\.0\.0\.1:\d+/g)?.length, detail).toBeGreaterThanOrEqual(3);
        if (!flags.includes('-s')) expect(r.output.match(/success: 0x[4-7][0-9a-f]{3}/g)?.length, detail).toBe(2); // two channel binds
        expect(r.output, detail).toMatch(/tot_send_msgs=10, tot_recv_msgs=10\b/);
        expect(r.output, detail).toMatch(/Total lost packets 0 \(/);
      },
    );

    it.skipIf(!haveUclient)(
      'fails to allocate with a wrong password',
      async ({ expect }) => {
        const r = await run(
          'turnutils_uclient',
          ['-y', '-c', '-u', 'alice', '-w', 'wrong', '-p', String(server.port), '-n', '1', HOST],
          15_000,
        );
        expect(r.code).not.toBe(0);
        expect(r.output).toMatch(/Cannot complete Allocation/);
      },
      20_000,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Robustness

describe('lab TURN server against malformed input', () => {
  it('drops garbage, truncated, oversized and corrupted datagrams and keeps answering', async () => {
    const s = await udpSocket();
    const send = (b: Buffer) => new Promise<void>((resolve) => s.send(b, server.port, HOST, () => resolve()));
    try {
      const binding = encodeMessage({ method: Method.Binding, cls: 'request', attributes: [attr.software('x')] }, { fingerprint: true });
      const allocate = encodeMessage(
        {
          method: Method.Allocate,
          cls: 'request',
          attributes: [attr.requestedTransport(), attr.username('alice'), attr.realm(REALM), attr.nonce('n'), attr.lifetime(600)],
        },
        { integrityKey: longTermKey('alice', REALM, 'secret'), fingerprint: true },
      );
      const badFingerprint = Buffer.from(binding);
      badFingerprint.writeUInt8(badFingerprint.readUInt8(badFingerprint.length - 1) ^ 0xff, badFingerprint.length - 1);
      const longHeader = Buffer.from(binding);
      longHeader.writeUInt16BE(0xfffc, 2);
      const inputs: Buffer[] = [
        Buffer.alloc(0),
        Buffer.from([0]),
        Buffer.from('GET / HTTP/1.1\r\n\r\n'),
        binding.subarray(0, 19),
        binding.subarray(0, binding.length - 4),
        longHeader,
        badFingerprint,
        Buffer.concat([binding, Buffer.alloc(4)]),
        Buffer.alloc(65_000, 0x00),
        Buffer.concat([binding.subarray(0, 20), Buffer.alloc(60_000, 0xff)]),
        Buffer.from([0x40, 0x00, 0xff, 0xff, 1, 2, 3]), // ChannelData announcing more than there is
        Buffer.from([0x7f, 0xff, 0x00, 0x00]), // ChannelData on a channel nobody bound
        Buffer.from([0x40]),
        encodeMessage({
          method: Method.Send,
          cls: 'indication',
          attributes: [attr.xorPeerAddress({ family: 4, address: HOST, port: 0 }), attr.data(Buffer.from('x'))],
        }),
        encodeMessage({
          method: Method.Send,
          cls: 'indication',
          attributes: [attr.xorPeerAddress({ family: 6, address: '::1', port: 9 })],
        }),
        encodeMessage({ method: 0xfff, cls: 'request', attributes: [] }),
        encodeMessage({ method: Method.Binding, cls: 'success', attributes: [] }),
      ];
      // Random bytes, and valid messages with random bytes flipped (most fail to decode, some decode oddly).
      for (let i = 0; i < 300; i++) inputs.push(randomBytes(1 + Math.floor(Math.random() * 600)));
      for (let i = 0; i < 1000; i++) {
        const m = Buffer.from(i % 2 ? allocate : binding);
        for (let k = 0; k < 3; k++) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
        inputs.push(m);
      }
      for (const b of inputs) await send(b);
      await delay(100);
      await bindingStillWorks();
    } finally {
      await closeSocket(s);
    }
  });

  it('answers 400 to an unknown method and 420 to an unknown comprehension-required attribute', async () => {
    await withConn('udp', async (conn) => {
      const unknownMethod = await conn.transact({ method: 0x0ff, attributes: [] }, { fingerprint: true }, TX);
      expect(getErrorCode(unknownMethod.response)?.code).toBe(400);
      const changeRequest = await conn.transact(
        {
          method: Method.Binding,
          attributes: [attr.changeRequest({ changeIp: true, changePort: true }), attr.raw(0x7ffe, Buffer.alloc(4))],
        },
        { fingerprint: true },
        TX,
      );
      expect(getErrorCode(changeRequest.response)?.code).toBe(420);
      expect(getUnknownAttributes(changeRequest.response)).toEqual([Attr.CHANGE_REQUEST, 0x7ffe]);
      // Comprehension-optional attributes it does not know are ignored.
      const optional = await conn.transact(
        { method: Method.Binding, attributes: [attr.raw(0xc001, Buffer.alloc(3))] },
        { fingerprint: true },
        TX,
      );
      expect(optional.response.cls).toBe('success');
    });
  });

  /** Writes `bytes` on a fresh TCP connection; resolves with what came back and whether the server closed it. */
  function tcpExchange(bytes: Buffer[], waitMs = 300): Promise<{ closedByServer: boolean; received: Buffer }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const done = (closedByServer: boolean) => {
        clearTimeout(timer);
        s.destroy();
        resolve({ closedByServer, received: Buffer.concat(chunks) });
      };
      // The pieces go out 20 ms apart, so the server really sees them as separate reads.
      const s: Socket = connect({ host: HOST, port: server.port }, () => {
        bytes.forEach((b, i) => setTimeout(() => s.writable && s.write(b), i * 20));
      });
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('error', () => undefined);
      s.on('close', () => done(true));
      const timer = setTimeout(() => done(false), waitMs + bytes.length * 20);
    });
  }

  it('closes TCP streams that are not STUN, and survives truncated and oversized frames', async () => {
    const binding = encodeMessage({ method: Method.Binding, cls: 'request', attributes: [] }, { fingerprint: true });
    // Not STUN at all: closed.
    expect((await tcpExchange([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')])).closedByServer).toBe(true);
    // A STUN header with a length that is not a multiple of 4: closed.
    const odd = Buffer.from(binding.subarray(0, 20));
    odd.writeUInt16BE(5, 2);
    expect((await tcpExchange([odd])).closedByServer).toBe(true);
    // A good Binding, then garbage: the answer comes, then the close.
    const mixed = await tcpExchange([binding, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]);
    expect(mixed.closedByServer).toBe(true);
    expect(tryDecodeMessage(mixed.received).message?.cls).toBe('success');
    // A frame that decodes badly (attribute runs past the end): closed.
    const badAttr = Buffer.concat([binding.subarray(0, 20), Buffer.from([0x00, 0x06, 0x00, 0x40, 1, 2, 3, 4])]);
    badAttr.writeUInt16BE(8, 2);
    expect((await tcpExchange([badAttr])).closedByServer).toBe(true);
    // Truncated: a header announcing more than ever comes, then silence — the server just waits.
    const truncated = Buffer.from(binding.subarray(0, 24));
    truncated.writeUInt16BE(0xfffc, 2);
    expect((await tcpExchange([truncated])).closedByServer).toBe(false);
    // Oversized: the largest frame there is (65 555 bytes, a bogus attribute), sent in pieces, then more junk.
    const huge = Buffer.alloc(20 + 0xfffc);
    binding.copy(huge, 0, 0, 20);
    huge.writeUInt16BE(0xfffc, 2);
    huge.writeUInt16BE(0x0006, 20);
    huge.writeUInt16BE(0xfff8, 22);
    const big = await tcpExchange([huge.subarray(0, 30_000), huge.subarray(30_000), randomBytes(70_000)], 500);
    expect(big.closedByServer).toBe(true);
    // ChannelData without an allocation (no channel can be bound): closed.
    expect((await tcpExchange([Buffer.from([0x40, 0x05, 0x00, 0x03, 1, 2, 3, 0]), binding])).closedByServer).toBe(true);
    // Only a first part of a Binding, then the rest later: answered.
    const split = await tcpExchange([binding.subarray(0, 3), binding.subarray(3, 9), binding.subarray(9)]);
    expect(split.closedByServer).toBe(false);
    expect(tryDecodeMessage(split.received).message?.cls).toBe('success');
    await bindingStillWorks();
  });

  it('keeps answering after allocations are abused (unpermitted sends, bad lifetimes, bad peers)', async () => {
    await withConn('tcp', async (conn) => {
      const turn = new TurnClient(conn, ALICE);
      const a = await turn.allocate(TX);
      const v6peer = await authed(conn, Method.CreatePermission, [attr.xorPeerAddress({ family: 6, address: '::1', port: 9 })]);
      expect(getErrorCode(v6peer.response)?.code).toBe(443);
      const none = await authed(conn, Method.CreatePermission, []);
      expect(getErrorCode(none.response)?.code).toBe(400);
      // Bob cannot touch Alice's allocation on Alice's connection.
      const bob = await authed(conn, Method.Refresh, [attr.lifetime(600)], { username: 'bob', password: 'hunter2' });
      expect(getErrorCode(bob.response)?.code).toBe(441);
      turn.send({ family: 4, address: HOST, port: 0 }, Buffer.from('x'));
      turn.send({ family: 6, address: '::1', port: 9 }, Buffer.from('x'));
      expect(getUint32((await authed(conn, Method.Refresh, [attr.lifetime(0xffffffff)])).response, Attr.LIFETIME)).toBe(3600);
      expect(a.relayed.address).toBe(HOST);
      await turn.refresh(0, TX);
    });
    await bindingStillWorks();
  });
});
