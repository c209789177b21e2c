// One probe against peers that misbehave on purpose (written here with net.createServer): a
// stall, garbage, a reply cut short, a reset, a refused port, an abort — each a typed result
// within the deadline — and a valid flight dribbled one byte per write.

import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildClientHello } from '../../src/tls/client-hello.js';
import { probe } from '../../src/tls/probe.js';
import { freePort } from '../helpers/peers.js';
import { alertRecord, record, serverHello, tls12Flight } from './helpers/server-bytes.js';

const hello = buildClientHello({ version: 0x0303, suites: [0xc02f, 0x009c], renegotiationInfo: true });

interface Peer {
  port: number;
  close(): Promise<void>;
}

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function peer(onConnection: (socket: Socket) => void): Promise<Peer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const p = {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  peers.push(p);
  return p;
}

/** Answers once the client's hello has arrived. */
const afterHello = (reply: (socket: Socket) => void) => (socket: Socket) => socket.once('data', () => reply(socket));

describe('probe', () => {
  it('reads a whole TLS 1.2 flight and reports it complete', async () => {
    const p = await peer(afterHello((s) => s.write(tls12Flight())));
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 5000 });
    expect(r.status).toBe('answered');
    expect(r.complete).toBe(true);
    expect(r.flight.serverHello!.cipherSuite).toBe(0xc02f);
  });

  it('reassembles a flight written one byte at a time', async () => {
    const p = await peer(
      afterHello(async (s) => {
        for (const b of tls12Flight()) {
          if (s.destroyed) return;
          s.write(Buffer.from([b]));
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 10_000 });
    expect(r.status).toBe('answered');
    expect(r.complete).toBe(true);
    expect(r.flight.certificates!.length).toBe(2);
  });

  it('a handshake_failure alert is an alert, not an error', async () => {
    const p = await peer(afterHello((s) => s.end(alertRecord(40))));
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 5000 });
    expect(r.status).toBe('alert');
    expect(r.alert).toMatchObject({ name: 'handshake_failure', level: 2 });
    expect(r.error).toBeUndefined();
  });

  it('a server that stalls times out at the deadline', async () => {
    const p = await peer(() => undefined);
    const t0 = Date.now();
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 400 });
    expect(r.status).toBe('timeout');
    expect(r.error!.code).toBe('TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a server that sends garbage is malformed: NOT_TLS', async () => {
    const p = await peer(afterHello((s) => s.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 5000 });
    expect(r.status).toBe('malformed');
    expect(r.error!.code).toBe('NOT_TLS');
  });

  it('a reply cut inside a record is malformed: TRUNCATED', async () => {
    const p = await peer(afterHello((s) => s.end(tls12Flight().subarray(0, 40))));
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 5000 });
    expect(r.status).toBe('malformed');
    expect(r.error!.code).toBe('TRUNCATED');
  });

  it('a ServerHello followed by a close is an answer, though not a complete flight', async () => {
    const p = await peer(afterHello((s) => s.end(record(22, 0x0303, serverHello({ version: 0x0303, suite: 0xc02f })))));
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 5000 });
    expect(r.status).toBe('answered');
    expect(r.complete).toBe(false);
  });

  it('a close without a word is closed; a reset is reset', async () => {
    const closing = await peer(afterHello((s) => s.end()));
    expect((await probe({ address: '127.0.0.1', port: closing.port }, hello, { timeoutMs: 5000 })).status).toBe('closed');
    const resetting = await peer(afterHello((s) => s.resetAndDestroy()));
    expect((await probe({ address: '127.0.0.1', port: resetting.port }, hello, { timeoutMs: 5000 })).status).toBe('reset');
  });

  it('a refused port is connect-failed, never a throw', async () => {
    const port = await freePort();
    const r = await probe({ address: '127.0.0.1', port }, hello, { timeoutMs: 3000 });
    expect(r.status).toBe('connect-failed');
    expect(r.error!.code).toBe('ECONNREFUSED');
  });

  it('honours an abort signal while waiting', async () => {
    const p = await peer(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 30_000, signal: ac.signal });
    expect(r.status).toBe('aborted');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a peer that never stops sending is cut off', async () => {
    const p = await peer(
      afterHello((s) => {
        // Valid-looking warning alerts forever: never a decision, only bytes.
        const burst = Buffer.concat(Array.from({ length: 1000 }, () => alertRecord(112, 0x0303, 1)));
        const pump = () => {
          while (!s.destroyed && s.write(burst));
          if (!s.destroyed) s.once('drain', pump);
        };
        pump();
      }),
    );
    const r = await probe({ address: '127.0.0.1', port: p.port }, hello, { timeoutMs: 10_000 });
    expect(r.status).toBe('malformed');
    expect(r.error!.code).toBe('BAD_LENGTH');
  });
});
