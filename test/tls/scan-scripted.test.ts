// scanTls against scripted servers: what a local OpenSSL 3 cannot be made to do — speak SSLv3
// and SSLv2, compress, answer a heartbeat without checking its length — plus servers that stall
// or send garbage, whose errors must be recorded within the deadline.

import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { scanTls } from '../../src/tls/enumerate.js';
import { closedAfterEach } from './helpers/scripted-server.js';
import { tls12Flight } from './helpers/server-bytes.js';

const { scripted, open: servers } = closedAfterEach();

const target = (port: number) => ({ host: 'legacy.test', port, address: '127.0.0.1' });
const set = (xs: Array<{ version: string; code: string }>) => xs.map((a) => `${a.version} ${a.code}`).sort();

describe('scanTls against scripted legacy servers', () => {
  it('SSLv2 + SSLv3 + TLS 1.0: versions, suites per version, server order, renegotiation, compression', async () => {
    const s = await scripted({
      versions: [0x0300, 0x0301],
      suites: [0x0005, 0x000a, 0x002f, 0xc013, 0x0033],
      serverPreference: true,
      sslv2Kinds: [0x010080, 0x0700c0, 0x020080],
      secureRenegotiation: false,
      compression: true,
      fallbackScsv: false,
    });
    const scan = await scanTls(target(s.port), { timeoutMs: 5000 });
    expect(scan.errors).toEqual([]);
    expect(scan.versions).toEqual({ SSLv2: true, SSLv3: true, 'TLSv1.0': true, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false });
    expect(set(scan.accepted)).toEqual(
      [
        'SSLv2 0x010080',
        'SSLv2 0x020080',
        'SSLv2 0x0700C0',
        ...['0x0005', '0x000A', '0x002F', '0x0033', '0xC013'].flatMap((c) => [`SSLv3 ${c}`, `TLSv1.0 ${c}`]),
      ].sort(),
    );
    // Greedy removal against a server-preference server finds the suites in the server's order.
    expect(scan.accepted.filter((a) => a.version === 'TLSv1.0').map((a) => a.code)).toEqual([
      '0x0005',
      '0x000A',
      '0x002F',
      '0xC013',
      '0x0033',
    ]);
    expect(scan.preference).toEqual({ SSLv3: 'server', 'TLSv1.0': 'server' });
    expect(scan.accepted.find((a) => a.code === '0x010080')).toMatchObject({
      version: 'SSLv2',
      name: 'SSL_CK_RC4_128_WITH_MD5',
      strength: 'insecure',
    });
    // The scan's hellos list x25519 first; the server follows the client's order of curves.
    expect(scan.accepted.find((a) => a.version === 'TLSv1.0' && a.code === '0xC013')).toMatchObject({ group: 'x25519', kxBits: 253 });
    expect([...scan.groups].sort()).toEqual(['secp256r1', 'secp384r1', 'x25519']);
    expect(scan.facts).toMatchObject({
      secureRenegotiation: false,
      compression: true,
      fallbackScsv: false,
      heartbeat: false,
      heartbleed: false,
      sessionIdResumption: true,
    });
    expect(scan.tlcp).toEqual({ offered: false, accepted: [] });
  });

  it('client preference, TLS_FALLBACK_SCSV honoured, and the DHE prime size', async () => {
    const s = await scripted({
      versions: [0x0301, 0x0302, 0x0303],
      suites: [0x009e, 0x0033, 0x002f],
      serverPreference: false,
      secureRenegotiation: true,
      fallbackScsv: true,
      dhPrime: Buffer.alloc(128, 0xff),
    });
    const scan = await scanTls(target(s.port), { timeoutMs: 5000 });
    expect(scan.errors).toEqual([]);
    expect(scan.versions).toMatchObject({
      'TLSv1.0': true,
      'TLSv1.1': true,
      'TLSv1.2': true,
      'TLSv1.3': false,
      SSLv3: false,
      SSLv2: false,
    });
    expect(scan.preference).toEqual({ 'TLSv1.0': 'client', 'TLSv1.1': 'client', 'TLSv1.2': 'client' });
    expect(scan.facts.fallbackScsv).toBe(true);
    expect(scan.facts.secureRenegotiation).toBe(true);
    expect(scan.dhMinBits).toBe(1024);
    expect(scan.accepted.find((a) => a.code === '0x009E')).toMatchObject({ version: 'TLSv1.2', group: 'DH 1024', kxBits: 1024 });
  });

  it('Heartbleed: a heartbeat answered without a length check is vulnerable; a silent one is not', async () => {
    const vulnerable = await scripted({ versions: [0x0301, 0x0302], suites: [0x002f], heartbeat: 'vulnerable' });
    const v = await scanTls(target(vulnerable.port), { timeoutMs: 5000, versions: ['TLSv1.0', 'TLSv1.1'], tlcp: false });
    expect(v.facts).toMatchObject({ heartbeat: true, heartbleed: true });
    const patched = await scripted({ versions: [0x0301], suites: [0x002f], heartbeat: 'patched' });
    const p = await scanTls(target(patched.port), { timeoutMs: 1500, versions: ['TLSv1.0'], tlcp: false });
    expect(p.facts).toMatchObject({ heartbeat: true, heartbleed: false });
  });

  it('a server that hangs up on big hellos: smaller hellos find every suite', async () => {
    const suites = [0x0035, 0x009c, 0xc013, 0xc030, 0xcca8];
    const s = await scripted({ versions: [0x0303], suites, serverPreference: true, maxSuites: 24 });
    const scan = await scanTls(target(s.port), { timeoutMs: 5000, versions: ['TLSv1.2', 'TLSv1.1'], tlcp: false });
    expect(scan.versions).toMatchObject({ 'TLSv1.2': true, 'TLSv1.1': false });
    expect(scan.accepted.map((a) => a.code)).toEqual(['0x0035', '0x009C', '0xC013', '0xC030', '0xCCA8']);
    expect(scan.errors).toEqual([]);
  });

  it('a TLCP server: GM suites over version 0x0101, TLS versions refused', async () => {
    const s = await scripted({ versions: [0x0101], suites: [0xe053, 0xe013, 0xe051, 0xe011], serverPreference: true });
    const scan = await scanTls(target(s.port), { timeoutMs: 5000 });
    expect(scan.errors).toEqual([]);
    expect(scan.tlcp?.offered).toBe(true);
    expect(scan.tlcp?.accepted.map((a) => a.code)).toEqual(['0xE053', '0xE013', '0xE051', '0xE011']);
    expect(scan.tlcp?.accepted[0]).toMatchObject({ name: 'ECC_SM4_GCM_SM3', kx: 'ECC', forwardSecrecy: false, aead: true });
    expect(Object.values(scan.versions).every((v) => v === false)).toBe(true);
  });

  it('counts probes: greedy removal costs accepted + one refusal per chunk', async () => {
    const s = await scripted({ versions: [0x0303], suites: [0xc02f, 0xc030, 0x009c], serverPreference: true });
    const scan = await scanTls(target(s.port), {
      timeoutMs: 5000,
      versions: ['TLSv1.2'],
      tlcp: false,
      preference: false,
      groups: false,
      facts: false,
    });
    const chunks = Math.ceil(354 / 64);
    expect(scan.accepted.length).toBe(3);
    // Two preflights (the second tells a one-at-a-time server), then the chains.
    expect(scan.probes).toBe(2 + 3 + chunks);
    expect(s.hellos).toBe(scan.probes);
  });
});

describe('scanTls against broken servers', () => {
  async function raw(onConnection: (s: Socket) => void): Promise<number> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    });
    return (server.address() as AddressInfo).port;
  }

  it('a stalling server: errors recorded, versions unknown, done within the deadline', async () => {
    const port = await raw(() => undefined);
    const t0 = Date.now();
    const scan = await scanTls(target(port), { timeoutMs: 800 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(scan.errors).toEqual([expect.objectContaining({ what: 'preflight', code: 'TIMEOUT' })]);
    expect(Object.values(scan.versions).every((v) => v === 'unknown')).toBe(true);
    expect(scan.accepted).toEqual([]);
  });

  it('a server that answers the preflight and then goes silent: the scan stops after two rounds of silence, STALLED', async () => {
    let connections = 0;
    const port = await raw((s) => {
      if (connections++ > 0) return;
      s.once('data', () => s.write(tls12Flight()));
    });
    const t0 = Date.now();
    const scan = await scanTls(target(port), { timeoutMs: 400, concurrency: 4 });
    // Two rounds of four probes at 400 ms each, not every probe of every version.
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(scan.errors).toContainEqual(expect.objectContaining({ what: 'scan', code: 'STALLED' }));
    expect(scan.probes).toBeLessThan(20);
    expect(scan.accepted).toEqual([]);
  });

  it('a garbage-sending server: NOT_TLS recorded, nothing accepted', async () => {
    const port = await raw((s) => s.once('data', () => s.end('220 mail.example ESMTP ready\r\n')));
    const scan = await scanTls(target(port), { timeoutMs: 3000 });
    expect(scan.errors).toEqual([expect.objectContaining({ what: 'preflight', code: 'NOT_TLS' })]);
    expect(scan.accepted).toEqual([]);
    // The preflight and its twin (the one-at-a-time test); nothing after.
    expect(scan.probes).toBe(2);
  });

  it('a closed port: the connect failure recorded once', async () => {
    const port = await raw(() => undefined);
    await servers.pop()!.close();
    const scan = await scanTls(target(port), { timeoutMs: 3000 });
    expect(scan.errors).toEqual([expect.objectContaining({ what: 'preflight', code: 'ECONNREFUSED' })]);
  });

  it('an abort mid-scan returns what was found, with ABORTED', async () => {
    const port = await raw(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const t0 = Date.now();
    const scan = await scanTls(target(port), { timeoutMs: 30_000, signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(scan.errors.some((e) => e.code === 'ABORTED')).toBe(true);
  });
});
