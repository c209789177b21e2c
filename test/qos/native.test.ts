// The DSCP module on loopback: a packet sent with a TOS byte is read back with that TOS byte (IPv4,
// IPv6, and IPv4 through a dual-stack IPv6 socket), marks are per packet, a burst is drained in
// batches, closing releases the event loop, and an established TCP connection takes a mark. The
// loader's "unavailable" answers are checked without the module.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, requireTool } from '../helpers/cli.js';
import { dscpSupport, loadDscp, markTcpSocket, socketFd, type MarkedDatagram, type NativeUdpSocket } from '../../src/net/dscp.js';

const support = dscpSupport();
/** Child processes and workers load the compiled module wrapper. */
const BUILT_NATIVE = join(ROOT, 'dist/src/net/dscp.js');
const available = requireTool(support.available, 'the DSCP module (build it with `npm run install`; needs make, a C compiler and python3)');
const hasV6 = await ipv6Loopback();

async function ipv6Loopback(): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A receiving socket that collects what arrives, with a way to wait for n datagrams. */
function receiver(family: 4 | 6, address: string) {
  if (!support.available) throw new Error('unavailable');
  const got: MarkedDatagram[] = [];
  const batches: number[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  const sock = support.openUdp(family, (batch) => {
    batches.push(batch.length);
    got.push(...batch);
    if (waiter && got.length >= waiter.n) waiter.resolve();
  });
  const port = sock.bind(address, 0);
  return {
    sock,
    port,
    got,
    batches,
    wait(n: number, ms = 2000): Promise<void> {
      if (got.length >= n) return Promise.resolve();
      return Promise.race([
        new Promise<void>((resolve) => (waiter = { n, resolve })),
        delay(ms).then(() => {
          throw new Error(`received ${got.length} of ${n} datagrams`);
        }),
      ]);
    },
  };
}

const opened: NativeUdpSocket[] = [];
function sender(family: 4 | 6, address: string): NativeUdpSocket {
  if (!support.available) throw new Error('unavailable');
  const s = support.openUdp(family, () => undefined);
  s.bind(address, 0);
  opened.push(s);
  return s;
}

afterAll(() => {
  for (const s of opened) s.close();
});

describe.skipIf(!available)('DSCP module on loopback', () => {
  it('IPv4: a packet sent with TOS 0xB8 (EF) arrives with 0xB8 and a TTL', async () => {
    const rx = receiver(4, '127.0.0.1');
    const tx = sender(4, '127.0.0.1');
    try {
      expect(tx.send(Buffer.from('ef'), '127.0.0.1', rx.port, 0xb8)).toBe(2);
      await rx.wait(1);
      const d = rx.got[0]!;
      expect(d.tos).toBe(0xb8);
      expect(d.tos >> 2).toBe(46);
      expect(d.ttl).toBe(tx.initialTtl().ttl);
      expect(d.data.toString()).toBe('ef');
      expect(d.address).toBe('127.0.0.1');
      expect(d.port).toBe(tx.address().port);
      expect(d.family).toBe('IPv4');
    } finally {
      rx.sock.close();
    }
  });

  it.skipIf(!hasV6)('IPv6 ::1: a packet sent with traffic class 0xB8 arrives with 0xB8 and a hop limit', async () => {
    const rx = receiver(6, '::1');
    const tx = sender(6, '::1');
    try {
      expect(tx.send(Buffer.from('ef6'), '::1', rx.port, 0xb8)).toBe(3);
      await rx.wait(1);
      expect(rx.got[0]!.tos).toBe(0xb8);
      expect(rx.got[0]!.ttl).toBe(tx.initialTtl().hopLimit);
      expect(rx.got[0]!.address).toBe('::1');
      expect(rx.got[0]!.family).toBe('IPv6');
    } finally {
      rx.sock.close();
    }
  });

  it.skipIf(!hasV6)('dual stack: an IPv6 socket on :: reads and sets marks of IPv4 peers (::ffff:127.0.0.1)', async () => {
    const rx = receiver(6, '::');
    const v4 = receiver(4, '127.0.0.1');
    try {
      expect(sender(4, '127.0.0.1').send(Buffer.from('x'), '127.0.0.1', rx.port, 0x88)).toBe(1);
      await rx.wait(1);
      expect(rx.got[0]!.address).toBe('::ffff:127.0.0.1');
      expect(rx.got[0]!.tos).toBe(0x88);
      // Back to the IPv4 peer through the mapped address: IP_TOS, not IPV6_TCLASS, must mark it.
      expect(rx.sock.send(Buffer.from('y'), '::ffff:127.0.0.1', v4.port, 0x48)).toBe(1);
      expect(rx.sock.send(Buffer.from('z'), '127.0.0.1', v4.port, 0xb8)).toBe(1);
      await v4.wait(2);
      expect(v4.got.map((d) => [d.data.toString(), d.tos])).toEqual([
        ['y', 0x48],
        ['z', 0xb8],
      ]);
    } finally {
      rx.sock.close();
      v4.sock.close();
    }
  });

  it('marks are per packet: interleaved classes and unmarked packets each arrive with their own', async () => {
    const rx = receiver(4, '127.0.0.1');
    const tx = sender(4, '127.0.0.1');
    const marks = [0xb8, -1, 0x88, 0, 0x48, 0xb8 | 1, -1, 0x28];
    try {
      for (const [i, tos] of marks.entries()) expect(tx.send(Buffer.from([i]), '127.0.0.1', rx.port, tos)).toBe(1);
      await rx.wait(marks.length);
      const byIndex = new Map(rx.got.map((d) => [d.data[0]!, d.tos]));
      expect(marks.map((_, i) => byIndex.get(i))).toEqual(marks.map((t) => Math.max(0, t)));
    } finally {
      rx.sock.close();
    }
  });

  it('a burst is drained in batches: 2000 datagrams, every one delivered with its mark', async () => {
    const rx = receiver(4, '127.0.0.1');
    const tx = sender(4, '127.0.0.1');
    try {
      let sent = 0;
      for (let i = 0; i < 2000; i++) {
        if (tx.send(Buffer.alloc(100, i & 0xff), '127.0.0.1', rx.port, 0xb8) === 100) sent++;
        if (i % 200 === 199) await delay(5);
      }
      expect(sent).toBe(2000);
      await rx.wait(2000, 5000);
      expect(rx.got.every((d) => d.tos === 0xb8 && d.data.length === 100)).toBe(true);
      // Several datagrams per wake-up: one JS call per batch, not per packet.
      expect(rx.batches.length).toBeLessThan(2000);
    } finally {
      rx.sock.close();
    }
  });

  it('errors: bind of a used port throws EADDRINUSE; send after close returns −EBADF; bad arguments throw', async () => {
    if (!support.available) return;
    const a = receiver(4, '127.0.0.1');
    const b = support.openUdp(4, () => undefined);
    expect(() => b.bind('127.0.0.1', a.port)).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    b.close();
    a.sock.close();
    expect(a.sock.send(Buffer.from('x'), '127.0.0.1', 9, 0)).toBeLessThan(0);
    expect(() => a.sock.send('x' as unknown as Buffer, '127.0.0.1', 9, 0)).toThrow(TypeError);
    expect(() => support.openUdp(5 as 4, () => undefined)).toThrow(TypeError);
  });

  it('a closed socket lets the process exit; an open one keeps it alive until closed', async () => {
    const script = (close: boolean) => `
      const { dscpSupport } = await import(${JSON.stringify(BUILT_NATIVE)});
      const s = dscpSupport().openUdp(4, () => {});
      s.bind('127.0.0.1', 0);
      ${close ? 's.close();' : "setTimeout(() => { s.close(); console.log('closed'); }, 300);"}
    `;
    for (const close of [true, false]) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script(close)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const [code] = (await once(child, 'close')) as [number | null];
      clearTimeout(killer);
      expect(code, out).toBe(0);
      if (!close) expect(out).toContain('closed');
    }
  });

  it('a worker terminated with a socket open tears it down cleanly (the process carries on)', async () => {
    const worker = new Worker(
      `import(${JSON.stringify(BUILT_NATIVE)}).then(({ dscpSupport }) => {
         const s = dscpSupport().openUdp(4, () => {});
         s.bind('127.0.0.1', 0);
         require('node:worker_threads').parentPort.postMessage('bound');
       });`,
      { eval: true },
    );
    const [message] = (await once(worker, 'message')) as [string];
    expect(message).toBe('bound');
    expect(await worker.terminate()).toBe(1);
    // Still alive and able to use the module here.
    const rx = receiver(4, '127.0.0.1');
    rx.sock.close();
  });

  it('TCP: an established connection takes a mark (its SYN went out before, unmarked)', async () => {
    const server: Server = createServer((s) => s.resume());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const client: Socket = connect(port, '127.0.0.1');
    try {
      await once(client, 'connect');
      const fd = socketFd(client);
      expect(fd).toBeGreaterThanOrEqual(0);
      if (!support.available) return;
      expect(support.tcpTos(fd!)).toBe(0);
      expect(markTcpSocket(client, 46)).toEqual({ ok: true });
      expect(support.tcpTos(fd!)).toBe(0xb8);
    } finally {
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('DSCP module loader: unavailable, with the reason', () => {
  it('Windows, other platforms, not built, turned off', () => {
    expect(loadDscp({ platform: 'win32' })).toEqual({ available: false, reason: 'windows' });
    expect(loadDscp({ platform: 'darwin' })).toEqual({ available: false, reason: 'platform', detail: 'darwin' });
    expect(loadDscp({ platform: 'linux', file: join(ROOT, 'build', 'no-such-dir', 'siteready_dscp.node') })).toEqual({
      available: false,
      reason: 'not-built',
    });
    expect(loadDscp({ disabled: true })).toEqual({ available: false, reason: 'turned-off' });
  });

  it('a file that is not the module: load-error with what went wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sr-dscp-'));
    try {
      const junk = join(dir, 'siteready_dscp.node');
      await writeFile(junk, 'not a shared object');
      const r = loadDscp({ platform: 'linux', file: junk });
      expect(r).toMatchObject({ available: false, reason: 'load-error' });
      expect((r as { detail?: string }).detail).toBeTruthy();
      // Something that loads but is not the module (a JSON file, say) is refused too.
      expect(loadDscp({ platform: 'linux', file: join(ROOT, 'package.json') })).toMatchObject({ available: false, reason: 'load-error' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
