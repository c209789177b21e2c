// inspectCertificate against real TLS servers on loopback: nginx serving RSA, ECDSA P-256/P-384 and
// Ed25519 leaves, expired / not-yet-valid / self-signed certificates, chains with, without and out
// of order with their intermediate, a SHA-1-signed leaf, TLS 1.2 only; openssl s_server for
// TLS 1.0, every TLS 1.3 suite (the as-sent chain is decrypted from the handshake) and OCSP
// staples; a silent TCP server, a closed port and plain HTTP for the failures.

import { X509Certificate } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { PathError } from '../../src/net/classify.js';
import { inspectCertificate } from '../../src/tls/certificate.js';
import { sentCertificates } from '../../src/tls/sent-chain.js';
import type { AuditTarget } from '../../src/tls/audit-client.js';
import { requireTool } from '../helpers/cli.js';
import {
  freePort,
  hasTool,
  startNginx,
  startProcess,
  tempDir,
  withRetries,
  type Nginx,
  type Peer,
  type TempDir,
} from '../helpers/peers.js';
import { concatFiles, makeCert, makeOcspResponse, writePair, type CertFiles } from './openssl-certs.js';

describe('sentCertificates: reading the Certificate message from recorded bytes', () => {
  const der1 = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]);
  const der2 = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x02]);
  const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
  const handshake = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u24(body.length), body]);
  const record = (type: number, body: Buffer) =>
    Buffer.concat([Buffer.from([type, 0x03, 0x03, body.length >> 8, body.length & 0xff]), body]);
  const list = Buffer.concat([der1, der2].flatMap((d) => [u24(d.length), d]));
  const certificate = handshake(11, Buffer.concat([u24(list.length), list]));
  const keys = { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', keylog: [] };

  it('TLS 1.2: the list in order, also when the message spans records', () => {
    const flight = Buffer.concat([handshake(2, Buffer.alloc(4)), certificate, handshake(14, Buffer.alloc(0))]);
    const split = Buffer.concat([record(22, flight.subarray(0, 7)), record(22, flight.subarray(7, 12)), record(22, flight.subarray(12))]);
    expect(sentCertificates(split, keys)).toEqual({ ok: true, certificates: [der1, der2] });
  });

  it('a reason, never an exception, for garbage, truncation, or TLS 1.3 without keys', () => {
    expect(sentCertificates(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), keys)).toMatchObject({ ok: false });
    const truncated = record(22, Buffer.concat([handshake(2, Buffer.alloc(4)), certificate.subarray(0, 9)]));
    expect(sentCertificates(truncated, keys)).toEqual({ ok: false, reason: expect.stringMatching(/no Certificate message/) });
    const lying = record(22, handshake(11, Buffer.concat([u24(400), list])));
    expect(sentCertificates(lying, keys)).toEqual({ ok: false, reason: expect.stringMatching(/shorter than its list/) });
    expect(sentCertificates(record(23, Buffer.alloc(40)), { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', keylog: [] })).toEqual({
      ok: false,
      reason: expect.stringMatching(/no server handshake traffic secret/),
    });
    const wrongKey = {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      keylog: [`SERVER_HANDSHAKE_TRAFFIC_SECRET ${'00'.repeat(32)} ${'11'.repeat(32)}\n`],
    };
    expect(sentCertificates(record(23, Buffer.alloc(40)), wrongKey)).toMatchObject({ ok: false });
  });
});

const available = requireTool(hasTool('openssl'), 'openssl') && requireTool(hasTool('nginx'), 'nginx');

const DAY = 24 * 3600_000;
const PORTS = [
  'rsa',
  'p256',
  'p384',
  'ed25519',
  'expired',
  'notYet',
  'selfSigned',
  'chainFull',
  'chainMissing',
  'misordered',
  'sha1',
  'tls12',
  'plain',
] as const;
type PortName = (typeof PORTS)[number];

describe.skipIf(!available)('inspectCertificate against nginx and openssl s_server', () => {
  let tmp: TempDir | undefined;
  let nginx: Nginx | undefined;
  const port = {} as Record<PortName, number>;
  let caPem = '';
  let sha1CaPem = '';
  const files = {} as Record<'ca' | 'inter' | 'chained' | 'chainFull' | 'p256', CertFiles>;

  const target = (name: PortName, host: string, serverName: string | undefined = host): AuditTarget => ({
    host,
    port: port[name],
    address: '127.0.0.1',
    ...(serverName ? { serverName } : {}),
  });

  beforeAll(async () => {
    tmp = await tempDir('sr-tls-cert-');
    const dir = tmp.path;
    const ca = createCertificateAuthority('siteready tls test CA');
    caPem = ca.certPem;
    files.ca = await writePair(dir, 'ca', ca);
    const inter = issueCertificate(ca, { commonName: 'siteready tls test intermediate', isCa: true });
    files.inter = await writePair(dir, 'inter', inter);
    files.chained = await writePair(dir, 'chained', issueCertificate(inter, { commonName: 'chain.sr.test' }));
    files.chainFull = { ...files.chained, cert: await concatFiles(join(dir, 'chain-full.pem'), [files.chained.cert, files.inter.cert]) };
    const misordered = await concatFiles(join(dir, 'chain-misordered.pem'), [files.chained.cert, files.ca.cert, files.inter.cert]);
    const issuer = { cert: files.ca.cert, key: files.ca.key };

    const [rsa, p256, p384, ed25519, selfSigned, sha1Ca] = await Promise.all([
      makeCert({ dir, name: 'rsa', key: 'rsa2048', commonName: 'rsa.sr.test', dnsNames: ['rsa.sr.test'], issuer, digest: 'sha256' }),
      makeCert({
        dir,
        name: 'p256',
        key: 'p256',
        commonName: 'p256.sr.test',
        dnsNames: ['p256.sr.test', '*.wild.sr.test'],
        ipAddresses: ['127.0.0.1'],
        issuer,
        digest: 'sha256',
      }),
      makeCert({ dir, name: 'p384', key: 'p384', commonName: 'p384.sr.test', dnsNames: ['p384.sr.test'], issuer, digest: 'sha384' }),
      makeCert({
        dir,
        name: 'ed25519',
        key: 'ed25519',
        commonName: 'ed25519.sr.test',
        dnsNames: ['ed25519.sr.test'],
        issuer,
        digest: 'sha256',
      }),
      makeCert({ dir, name: 'self', key: 'p256', commonName: 'self.sr.test', dnsNames: ['self.sr.test'] }),
      makeCert({ dir, name: 'sha1-ca', key: 'rsa2048', commonName: 'siteready sha1 test CA', isCa: true, digest: 'sha256' }),
    ]);
    files.p256 = p256;
    sha1CaPem = sha1Ca.certPem;
    const sha1 = await makeCert({
      dir,
      name: 'sha1',
      key: 'rsa2048',
      commonName: 'sha1.sr.test',
      dnsNames: ['sha1.sr.test'],
      issuer: { cert: sha1Ca.cert, key: sha1Ca.key },
      digest: 'sha1',
    });
    const expired = await writePair(
      dir,
      'expired',
      issueCertificate(ca, {
        commonName: 'expired.sr.test',
        notBefore: new Date(Date.now() - 60 * DAY),
        notAfter: new Date(Date.now() - DAY - 3600_000),
      }),
    );
    const notYet = await writePair(
      dir,
      'not-yet',
      issueCertificate(ca, {
        commonName: 'notyet.sr.test',
        notBefore: new Date(Date.now() + 10 * DAY),
        notAfter: new Date(Date.now() + 40 * DAY),
      }),
    );

    const tls = (c: { cert: string; key: string }) => `ssl_certificate ${c.cert}; ssl_certificate_key ${c.key};`;
    // nginx 1.22 leaves TLS 1.3 off unless asked.
    const server = (p: number, c: { cert: string; key: string }, extra = 'ssl_protocols TLSv1.2 TLSv1.3;') =>
      `  server { listen 127.0.0.1:${p} ssl; ${tls(c)} ${extra} location / { return 200 "ok\\n"; } }\n`;
    nginx = await startNginx({
      dir,
      portCount: PORTS.length,
      servers: (ports) => {
        PORTS.forEach((name, i) => (port[name] = ports[i]!));
        return [
          server(port.rsa, rsa),
          server(port.p256, p256),
          server(port.p384, p384),
          server(port.ed25519, ed25519),
          server(port.expired, expired),
          server(port.notYet, notYet),
          server(port.selfSigned, selfSigned),
          server(port.chainFull, files.chainFull),
          server(port.chainMissing, files.chained),
          server(port.misordered, { cert: misordered, key: files.chained.key }),
          // OpenSSL 3 refuses to load a SHA-1-signed certificate above security level 0.
          server(port.sha1, sha1, 'ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers "DEFAULT:@SECLEVEL=0";'),
          server(port.tls12, files.chainFull, 'ssl_protocols TLSv1.2;'),
          `  server { listen 127.0.0.1:${port.plain}; location / { return 200 "plain\\n"; } }\n`,
        ].join('');
      },
    });
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await tmp?.remove();
  });

  const inspect = (t: AuditTarget, ca: string[] | null = [caPem]) => inspectCertificate(t, { timeoutMs: 5000, ...(ca ? { ca } : {}) });

  it('RSA 2048 leaf from the test CA, CA given: trusted, every fact filled in', async () => {
    const f = await inspect(target('rsa', 'rsa.sr.test'));
    expect(f).toMatchObject({
      trusted: true,
      hostnameMatch: true,
      checkedName: 'rsa.sr.test',
      subjectAltNames: ['DNS:rsa.sr.test'],
      expired: false,
      notYetValid: false,
      daysLeft: 29,
      lifetimeDays: 30,
      ocspStapled: false,
      chainComplete: true,
      chainSource: 'sent',
      chainIssues: [],
      protocol: 'TLSv1.3',
    });
    expect(f.trustError).toBeUndefined();
    expect(f.chain).toHaveLength(1);
    const leaf = new X509Certificate((await import('node:fs')).readFileSync(join(tmp!.path, 'rsa.crt')));
    expect(f.chain[0]).toEqual({
      subject: 'CN=rsa.sr.test',
      issuer: 'CN=siteready tls test CA',
      serialNumber: leaf.serialNumber,
      notBefore: new Date(leaf.validFrom).toISOString(),
      notAfter: new Date(leaf.validTo).toISOString(),
      fingerprint256: leaf.fingerprint256,
      keyType: 'RSA',
      keyBits: 2048,
      signatureAlgorithm: 'ecdsa-with-SHA256',
      signatureHash: 'sha256',
      selfSigned: false,
      isCA: false,
    });
    expect(f.notAfter).toBe(f.chain[0]!.notAfter);
  });

  it('the same leaf without the CA: untrusted, and trustError says why', async () => {
    const f = await inspect(target('rsa', 'rsa.sr.test'), null);
    expect(f).toMatchObject({
      trusted: false,
      trustError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      hostnameMatch: true,
      chainComplete: false,
      chainIssues: ['incomplete'],
    });
  });

  it('the CA as a SecureContext (as the checks build it from security.trust.caFile): trusted', async () => {
    const context = createSecureContext({ ca: [...rootCertificates, caPem] });
    const f = await inspectCertificate(target('rsa', 'rsa.sr.test'), { timeoutMs: 5000, ca: context });
    expect(f).toMatchObject({ trusted: true, chainComplete: true, chainSource: 'sent' });
  });

  it('ECDSA P-256 leaf: EC prime256v1, 256 bits; IP SAN matches an IP target without SNI', async () => {
    const f = await inspect(target('p256', 'p256.sr.test'));
    expect(f.chain[0]).toMatchObject({ keyType: 'EC', curve: 'prime256v1', keyBits: 256, signatureAlgorithm: 'ecdsa-with-SHA256' });
    expect(f.subjectAltNames).toEqual(['DNS:p256.sr.test', 'DNS:*.wild.sr.test', 'IP Address:127.0.0.1']);
    const byIp = await inspect(target('p256', '127.0.0.1', undefined));
    expect(byIp).toMatchObject({ checkedName: '127.0.0.1', hostnameMatch: true, trusted: true });
    const wildcard = await inspect(target('p256', 'a.wild.sr.test'));
    expect(wildcard.hostnameMatch).toBe(true);
  });

  it('wrong host name: hostnameMatch false, trust unaffected', async () => {
    const f = await inspect(target('p256', 'wrong.sr.test'));
    expect(f).toMatchObject({ checkedName: 'wrong.sr.test', hostnameMatch: false, trusted: true });
    expect(f.trustError).toBeUndefined();
  });

  it('ECDSA P-384 leaf signed with SHA-384', async () => {
    const f = await inspect(target('p384', 'p384.sr.test'));
    expect(f.chain[0]).toMatchObject({
      keyType: 'EC',
      curve: 'secp384r1',
      keyBits: 384,
      signatureAlgorithm: 'ecdsa-with-SHA384',
      signatureHash: 'sha384',
    });
    expect(f.trusted).toBe(true);
  });

  it('Ed25519 leaf', async () => {
    const f = await inspect(target('ed25519', 'ed25519.sr.test'));
    expect(f.chain[0]).toMatchObject({ keyType: 'Ed25519', keyBits: 256 });
    expect(f.chain[0]!.curve).toBeUndefined();
    expect(f).toMatchObject({ trusted: true, hostnameMatch: true });
  });

  it('expired: expired, negative daysLeft, CERT_HAS_EXPIRED', async () => {
    const f = await inspect(target('expired', 'expired.sr.test'));
    expect(f).toMatchObject({
      expired: true,
      notYetValid: false,
      daysLeft: -1,
      trusted: false,
      trustError: 'CERT_HAS_EXPIRED',
      lifetimeDays: expect.closeTo(58.96, 1),
    });
  });

  it('not yet valid: CERT_NOT_YET_VALID', async () => {
    const f = await inspect(target('notYet', 'notyet.sr.test'));
    expect(f).toMatchObject({
      expired: false,
      notYetValid: true,
      trusted: false,
      trustError: 'CERT_NOT_YET_VALID',
      daysLeft: 39,
      lifetimeDays: 30,
    });
  });

  it('self-signed server certificate: selfSigned, DEPTH_ZERO_SELF_SIGNED_CERT, a complete chain of one', async () => {
    const f = await inspect(target('selfSigned', 'self.sr.test'));
    expect(f).toMatchObject({
      trusted: false,
      trustError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      chainComplete: true,
      chainIssues: [],
      hostnameMatch: true,
    });
    expect(f.chain).toEqual([
      expect.objectContaining({ selfSigned: true, isCA: false, subject: 'CN=self.sr.test', issuer: 'CN=self.sr.test' }),
    ]);
  });

  it('chain with its intermediate: two certificates as sent (not the three Node verifies), complete', async () => {
    const f = await inspect(target('chainFull', 'chain.sr.test'));
    expect(f.chain.map((c) => c.subject)).toEqual(['CN=chain.sr.test', 'CN=siteready tls test intermediate']);
    expect(f.chain[1]).toMatchObject({ isCA: true, selfSigned: false });
    expect(f).toMatchObject({ trusted: true, chainComplete: true, chainIssues: [], chainSource: 'sent' });
  });

  it('chain served without its intermediate: incomplete, untrusted', async () => {
    const f = await inspect(target('chainMissing', 'chain.sr.test'));
    expect(f.chain.map((c) => c.subject)).toEqual(['CN=chain.sr.test']);
    expect(f).toMatchObject({
      trusted: false,
      trustError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      chainComplete: false,
      chainIssues: ['incomplete'],
    });
  });

  it('chain sent out of order (leaf, root, intermediate): kept as sent, misordered', async () => {
    const f = await inspect(target('misordered', 'chain.sr.test'));
    expect(f.chain.map((c) => c.subject)).toEqual(['CN=chain.sr.test', 'CN=siteready tls test CA', 'CN=siteready tls test intermediate']);
    expect(f.chain[1]).toMatchObject({ selfSigned: true, isCA: true });
    // OpenSSL reorders the chain for verification, so the chain is trusted yet not in order.
    expect(f.trusted).toBe(true);
    expect(f.chainComplete).toBe(false);
    expect(f.chainIssues).toEqual(expect.arrayContaining(['misordered', 'contains-anchor']));
  });

  it('SHA-1-signed leaf: sha1WithRSAEncryption', async () => {
    const f = await inspect(target('sha1', 'sha1.sr.test'), [sha1CaPem]);
    expect(f.chain[0]).toMatchObject({ signatureAlgorithm: 'sha1WithRSAEncryption', signatureHash: 'sha1', keyType: 'RSA', keyBits: 2048 });
    expect(f).toMatchObject({ trusted: true, hostnameMatch: true });
  });

  it('TLS 1.2: the chain is read from the clear handshake', async () => {
    const f = await inspect(target('tls12', 'chain.sr.test'));
    expect(f).toMatchObject({ protocol: 'TLSv1.2', chainSource: 'sent', trusted: true, chainComplete: true });
    expect(f.chain).toHaveLength(2);
  });

  describe('openssl s_server', () => {
    async function sServer(args: string[]): Promise<{ peer: Peer; port: number }> {
      return withRetries(5, async () => {
        const p = await freePort();
        const peer = await startProcess('openssl', ['s_server', '-accept', `127.0.0.1:${p}`, '-www', ...args], {
          name: 'openssl s_server',
          ready: /ACCEPT/,
        });
        return { peer, port: p };
      });
    }
    const at = (p: number, host: string): AuditTarget => ({ host, port: p, address: '127.0.0.1', serverName: host });

    it('TLS 1.0 only (security level 0): still reached, chain as sent', async () => {
      const s = await sServer([
        '-cert',
        files.chained.cert,
        '-key',
        files.chained.key,
        '-cert_chain',
        files.inter.cert,
        '-tls1',
        '-cipher',
        'DEFAULT@SECLEVEL=0',
      ]);
      try {
        const f = await inspect(at(s.port, 'chain.sr.test'));
        expect(f).toMatchObject({ protocol: 'TLSv1', chainSource: 'sent', trusted: true, chainComplete: true });
        expect(f.chain).toHaveLength(2);
      } finally {
        await s.peer.stop();
      }
    });

    it.each([
      'TLS_AES_128_GCM_SHA256',
      'TLS_AES_256_GCM_SHA384',
      'TLS_CHACHA20_POLY1305_SHA256',
      'TLS_AES_128_CCM_SHA256',
      'TLS_AES_128_CCM_8_SHA256',
    ])('TLS 1.3 with %s: the chain as sent is decrypted from the handshake', async (suite) => {
      const s = await sServer([
        '-cert',
        files.chained.cert,
        '-key',
        files.chained.key,
        '-cert_chain',
        files.inter.cert,
        '-tls1_3',
        '-ciphersuites',
        suite,
      ]);
      try {
        const f = await inspect(at(s.port, 'chain.sr.test'));
        expect(f).toMatchObject({ protocol: 'TLSv1.3', chainSource: 'sent', trusted: true, chainComplete: true });
        expect(f.chain.map((c) => c.subject)).toEqual(['CN=chain.sr.test', 'CN=siteready tls test intermediate']);
      } finally {
        await s.peer.stop();
      }
    });

    it.each([
      ['good', false],
      ['revoked', true],
    ] as const)('OCSP staple (%s) from openssl ocsp: stapled, status read', async (status, revoked) => {
      const response = await makeOcspResponse({
        dir: tmp!.path,
        name: `staple-${status}`,
        leaf: files.p256.cert,
        issuer: { cert: files.ca.cert, key: files.ca.key },
        revoked,
      });
      const s = await sServer(['-cert', files.p256.cert, '-key', files.p256.key, '-status_file', response]);
      try {
        const f = await inspect(at(s.port, 'p256.sr.test'));
        expect(f).toMatchObject({ ocspStapled: true, ocspStatus: status, trusted: true });
        expect(Date.parse(f.ocspNextUpdate!)).toBeGreaterThan(Date.now());
      } finally {
        await s.peer.stop();
      }
    });

    it('no staple configured: ocspStapled false', async () => {
      const s = await sServer(['-cert', files.p256.cert, '-key', files.p256.key]);
      try {
        const f = await inspect(at(s.port, 'p256.sr.test'));
        expect(f.ocspStapled).toBe(false);
        expect(f.ocspStatus).toBeUndefined();
      } finally {
        await s.peer.stop();
      }
    });
  });

  describe('connection failures are PathErrors', () => {
    let silent: Server | undefined;
    const held: Socket[] = [];
    let silentPort = 0;

    beforeAll(async () => {
      // Accepts and never says a word: a black hole past the TCP handshake.
      silent = createServer((s) => held.push(s));
      await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
      silentPort = (silent.address() as { port: number }).port;
    });

    afterAll(async () => {
      for (const s of held) s.destroy();
      await new Promise((resolve) => silent?.close(resolve));
    });

    it('a server that accepts and stays silent: handshake-timeout within the deadline', async () => {
      const t0 = Date.now();
      const err = await inspectCertificate(
        { host: 'silent.sr.test', port: silentPort, address: '127.0.0.1', serverName: 'silent.sr.test' },
        { timeoutMs: 800 },
      ).catch((e: unknown) => e);
      const elapsed = Date.now() - t0;
      expect(err).toBeInstanceOf(PathError);
      expect(err).toMatchObject({ classification: 'tls-failure', phase: 'tls', code: 'TLS_TIMEOUT', tlsKind: 'handshake-timeout' });
      expect(elapsed).toBeGreaterThanOrEqual(700);
      expect(elapsed).toBeLessThan(1500);
    });

    it('aborted: rejects with the signal reason at once', async () => {
      const ac = new AbortController();
      const reason = new Error('deadline');
      setTimeout(() => ac.abort(reason), 100);
      const t0 = Date.now();
      const err = await inspectCertificate(
        { host: 'silent.sr.test', port: silentPort, address: '127.0.0.1' },
        { timeoutMs: 5000, signal: ac.signal },
      ).catch((e: unknown) => e);
      expect(err).toBe(reason);
      expect(Date.now() - t0).toBeLessThan(1000);
    });

    it('a closed port: refused at connect', async () => {
      const closed = await freePort();
      const err = await inspectCertificate({ host: 'closed.sr.test', port: closed, address: '127.0.0.1' }, { timeoutMs: 2000 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PathError);
      expect(err).toMatchObject({ classification: 'refused', phase: 'connect' });
    });

    it('plain HTTP on the port: tls-failure, not-tls', async () => {
      const err = await inspect(target('plain', 'plain.sr.test')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PathError);
      expect(err).toMatchObject({ classification: 'tls-failure', phase: 'tls', tlsKind: 'not-tls' });
    });
  });
});
