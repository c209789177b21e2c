// The receive paths that count bytes without keeping them: countReads on a socket a server
// accepted (the reflector receiving an upload) and openCountingTcpDownload on the client (its own
// Upgrade handshake over a socket that reads into one reused buffer). Real sockets on loopback;
// peers that misbehave are small TCP servers written here.

import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PathError } from '../../src/net/classify.js';
import { UNAUTHORIZED, openCountingTcpDownload, type ProbeEndpoint, type ProbeSession } from '../../src/probe/client.js';
import { countReads } from '../../src/probe/count-reads.js';
import { TCP_UPGRADE } from '../../src/probe/protocol.js';

const servers: Server[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((srv) => new Promise<void>((r) => srv.close(() => r()))));
});

function listen(onConnection: (s: Socket) => void): Promise<number> {
  const srv = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnection(s);
  });
  servers.push(srv);
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)));
}

/** Sends `total` bytes in chunks of varying size, then ends. */
function sendAll(port: number, total: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1');
    sockets.add(c);
    c.on('error', reject);
    c.on('connect', () => {
      let left = total;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, 1 + Math.floor(Math.random() * 200_000));
          left -= n;
          if (!c.write(randomBytes(n))) return void c.once('drain', pump);
        }
        c.end(resolve);
      };
      pump();
    });
  });
}

describe('countReads (a socket the server accepted)', () => {
  async function receive(disabled: boolean, total: number) {
    let counted = 0;
    let dataEvents = 0;
    let switched: boolean | undefined;
    const ended = new Promise<void>((resolveEnded) => {
      void listen((s) => {
        switched = countReads(s, (n) => (counted += n), disabled);
        if (!switched) s.on('data', (chunk: Buffer) => (counted += chunk.length));
        else s.on('data', () => dataEvents++);
        s.once('end', () => resolveEnded());
      }).then((port) => sendAll(port, total));
    });
    await ended;
    return { counted, dataEvents, switched };
  }

  it('counts every byte, emits no data events, and still ends', async () => {
    const total = 20 * 1024 * 1024 + 12_345;
    const r = await receive(false, total);
    expect(r.switched).toBe(true);
    expect(r.counted).toBe(total);
    expect(r.dataEvents).toBe(0);
  });

  it('disabled, it changes nothing and the caller counts data events to the same total', async () => {
    const total = 3 * 1024 * 1024 + 7;
    const r = await receive(true, total);
    expect(r.switched).toBe(false);
    expect(r.counted).toBe(total);
  });

  it('bytes the stream already held before the switch are counted first', async () => {
    let counted = 0;
    const total = 100_000;
    const done = new Promise<void>((resolveDone) => {
      void listen((s) => {
        // Read in the ordinary way until the first bytes are waiting in the stream, then switch.
        s.once('readable', () => {
          expect(s.readableLength).toBeGreaterThan(0);
          expect(countReads(s, (n) => (counted += n))).toBe(true);
          s.once('end', () => resolveDone());
        });
      }).then((port) => sendAll(port, total));
    });
    await done;
    expect(counted).toBe(total);
  });
});

describe('openCountingTcpDownload (the client side of a download stream)', () => {
  const session: ProbeSession = {
    id: '0123456789abcdef',
    key: Buffer.alloc(32),
    udpPort: 0,
    limits: { maxTestMs: 1, maxUdpPps: 1, maxStreamsPerSession: 1 },
  };
  const endpoint = (port: number): ProbeEndpoint => ({
    address: '127.0.0.1',
    port,
    host: 'reflector.test',
    token: 'x'.repeat(32),
    connectTimeoutMs: 2000,
  });

  /** A peer that reads the request head, then does `answer` with it. */
  function peer(answer: (s: Socket, head: string) => void): Promise<number> {
    return listen((s) => {
      let head = '';
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        s.off('data', onData);
        answer(s, head);
      };
      s.on('data', onData);
    });
  }

  async function failure(p: Promise<unknown>): Promise<PathError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PathError);
    return err as PathError;
  }

  it('sends an authenticated Upgrade and counts the payload, including bytes that came with the 101 answer', async () => {
    const body = 5 * 1024 * 1024;
    let request = '';
    const port = await peer((s, head) => {
      request = head;
      // The answer and the first payload bytes in one segment, the answer itself split in two.
      s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${TCP_UPGRADE}\r\n`);
      setTimeout(() => {
        s.write(Buffer.concat([Buffer.from('Connection: Upgrade\r\n\r\n'), randomBytes(1000)]));
        s.end(randomBytes(body - 1000));
      }, 20);
    });
    let counted = 0;
    const sock = await openCountingTcpDownload(endpoint(port), session, 4000, { timeoutMs: 3000 }, (n) => (counted += n));
    await new Promise((r) => (sock.destroyed ? r(undefined) : sock.once('close', r)));
    expect(counted).toBe(body);
    expect(request).toMatch(/^GET \/v1\/tcp HTTP\/1\.1\r\n/);
    expect(request).toContain(`Upgrade: ${TCP_UPGRADE}\r\n`);
    expect(request).toContain('X-SR-Session: 0123456789abcdef\r\n');
    expect(request).toContain('X-SR-Mode: download\r\n');
    expect(request).toContain('X-SR-Duration-Ms: 4000\r\n');
    expect(request).toMatch(/\r\nAuthorization: SRP1 ts=\d+, nonce=[0-9a-f]{24}, mac=[0-9a-f]{64}\r\n/);
  });

  it('a refused token is PROBE_UNAUTHORIZED', async () => {
    const port = await peer((s) => s.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
    const err = await failure(openCountingTcpDownload(endpoint(port), session, 1000, { timeoutMs: 3000 }, () => undefined));
    expect(err.code).toBe(UNAUTHORIZED);
  });

  it('something that is not HTTP, an endless head, or a close before the answer: PROBE_BAD_ANSWER', async () => {
    const notHttp = await peer((s) => s.write('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    expect((await failure(openCountingTcpDownload(endpoint(notHttp), session, 1000, { timeoutMs: 3000 }, () => undefined))).code).toBe(
      'PROBE_BAD_ANSWER',
    );
    const endless = await peer((s) => s.write(`HTTP/1.1 101 Switching Protocols\r\n${'X-Pad: y\r\n'.repeat(3000)}`));
    expect((await failure(openCountingTcpDownload(endpoint(endless), session, 1000, { timeoutMs: 3000 }, () => undefined))).code).toBe(
      'PROBE_BAD_ANSWER',
    );
    const closes = await peer((s) => s.destroy());
    expect((await failure(openCountingTcpDownload(endpoint(closes), session, 1000, { timeoutMs: 3000 }, () => undefined))).code).toBe(
      'PROBE_BAD_ANSWER',
    );
  });

  it('a peer that never answers the upgrade: a timeout in the application phase, at the deadline', async () => {
    const port = await peer(() => undefined);
    const err = await failure(openCountingTcpDownload(endpoint(port), session, 1000, { timeoutMs: 300 }, () => undefined));
    expect(err).toMatchObject({ classification: 'timeout', phase: 'application' });
  });

  it('an abort before the answer rejects with the abort reason and closes the socket', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    const port = await peer((s) => (closed = new Promise((r) => s.once('close', r))));
    const ac = new AbortController();
    const p = openCountingTcpDownload(endpoint(port), session, 1000, { timeoutMs: 5000, signal: ac.signal }, () => undefined);
    setTimeout(() => ac.abort(new Error('stop')), 100);
    await expect(p).rejects.toThrow('stop');
    await closed;
  });
});
