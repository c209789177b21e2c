import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate, type KeyAndCert } from '../../src/lab/cert.js';

const DAY = 24 * 3600_000;

// In CI a missing openssl must fail the run rather than silently skip coverage.
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const skipOpenssl = !hasOpenssl && !process.env.CI;

const workDir = mkdtempSync(join(tmpdir(), 'siteready-cert-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function writePem(fileName: string, pem: string): string {
  const path = join(workDir, fileName);
  writeFileSync(path, pem);
  return path;
}

function openssl(args: string[]): { status: number | null; out: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

const ca = createCertificateAuthority('siteready test CA');
const leaf = issueCertificate(ca, {
  commonName: 'app.lab.test',
  dnsNames: ['app.lab.test', '*.svc.lab.test'],
  ipAddresses: ['127.0.0.1', '::1', '2001:db8::42'],
});

describe('createCertificateAuthority', () => {
  it('produces a self-signed CA certificate', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.subject).toBe('CN=siteready test CA');
    expect(cert.issuer).toBe('CN=siteready test CA');
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(cert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
  });

  it('defaults validity to now-1h .. now+30d', () => {
    const cert = new X509Certificate(ca.certPem);
    const now = Date.now();
    const from = new Date(cert.validFrom).getTime();
    const to = new Date(cert.validTo).getTime();
    expect(Math.abs(from - (now - 3600_000))).toBeLessThan(60_000);
    expect(Math.abs(to - (now + 30 * DAY))).toBeLessThan(60_000);
  });

  it.skipIf(skipOpenssl)('is accepted by openssl with the expected extensions', () => {
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', writePem('ca.pem', ca.certPem)], {
      encoding: 'utf8',
    });
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('X509v3 Subject Key Identifier');
    expect(text).toContain('NIST CURVE: P-256');
  });
});

describe('issueCertificate', () => {
  it('produces a leaf signed by the CA with the requested names', () => {
    const cert = new X509Certificate(leaf.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.subject).toBe('CN=app.lab.test');
    expect(cert.issuer).toBe('CN=siteready test CA');
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(false);
    expect(cert.subjectAltName).toContain('DNS:app.lab.test');
    expect(cert.subjectAltName).toContain('DNS:*.svc.lab.test');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.checkHost('app.lab.test')).toBe('app.lab.test');
    expect(cert.checkHost('api.svc.lab.test')).toBe('*.svc.lab.test');
    expect(cert.checkHost('other.lab.test')).toBeUndefined();
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkIP('2001:db8::42')).toBe('2001:db8::42');
    expect(cert.checkIP('127.0.0.2')).toBeUndefined();
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
  });

  it('uses a random positive 16-byte serial', () => {
    const a = new X509Certificate(issueCertificate(ca, { commonName: 'a.lab.test' }).certPem).serialNumber;
    const b = new X509Certificate(issueCertificate(ca, { commonName: 'b.lab.test' }).certPem).serialNumber;
    expect(a).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(b).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(a).not.toBe(b);
  });

  it('falls back to the common name as the only SAN when no names are given', () => {
    const cert = new X509Certificate(issueCertificate(ca, { commonName: 'solo.lab.test' }).certPem);
    expect(cert.subjectAltName).toBe('DNS:solo.lab.test');
  });

  it('honours explicit validity and switches to GeneralizedTime from 2050', () => {
    const notBefore = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));
    const notAfter = new Date(Date.UTC(2051, 0, 2, 3, 4, 5));
    const issued = issueCertificate(ca, { commonName: 'future.lab.test', notBefore, notAfter });
    const cert = new X509Certificate(issued.certPem);
    expect(new Date(cert.validFrom).getTime()).toBe(notBefore.getTime());
    expect(new Date(cert.validTo).getTime()).toBe(notAfter.getTime());
    const der = cert.raw.toString('latin1');
    // tag, length, value: 0x17 = UTCTime, 0x18 = GeneralizedTime
    expect(der).toContain('\x17\x0d491231235959Z');
    expect(der).toContain('\x18\x0f20510102030405Z');
  });

  it('rejects bad input', () => {
    expect(() => issueCertificate(ca, { commonName: 'x', ipAddresses: ['not-an-ip'] })).toThrow(/not an IP/);
    expect(() => issueCertificate(ca, { commonName: 'x', dnsNames: ['bad name'] })).toThrow(/invalid DNS name/);
    expect(() => issueCertificate(ca, { commonName: 'x', notBefore: new Date(), notAfter: new Date(Date.now() - DAY) })).toThrow(
      /notAfter/,
    );
    expect(() => issueCertificate(leaf, { commonName: 'x' })).toThrow(/not a CA/);
    const other = createCertificateAuthority('other CA');
    expect(() => issueCertificate({ certPem: ca.certPem, keyPem: other.keyPem }, { commonName: 'x' })).toThrow(/does not match/);
  });

  it.skipIf(skipOpenssl)('is accepted by openssl x509 and openssl verify', () => {
    const caFile = writePem('ca.pem', ca.certPem);
    const leafFile = writePem('leaf.pem', leaf.certPem);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', leafFile], { encoding: 'utf8' });
    expect(text).toContain('Issuer: CN = siteready test CA');
    expect(text).toContain('Subject: CN = app.lab.test');
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toContain('X509v3 Authority Key Identifier');
    expect(text).toMatch(
      /DNS:app\.lab\.test, DNS:\*\.svc\.lab\.test, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:0:42/,
    );

    const verified = openssl(['verify', '-CAfile', caFile, leafFile]);
    expect(verified.out).toContain(`${leafFile}: OK`);
    expect(verified.status).toBe(0);

    // The AKI must point at the CA's SKI, otherwise openssl refuses the chain.
    const otherCa = writePem('other-ca.pem', createCertificateAuthority('siteready test CA').certPem);
    expect(openssl(['verify', '-CAfile', otherCa, leafFile]).status).not.toBe(0);
  });

  it.skipIf(skipOpenssl)('can issue an intermediate CA that openssl accepts in a chain', () => {
    const intermediate = issueCertificate(ca, { commonName: 'siteready intermediate', isCa: true });
    const intermediateCert = new X509Certificate(intermediate.certPem);
    expect(intermediateCert.ca).toBe(true);
    const server = issueCertificate(intermediate, { commonName: 'deep.lab.test' });
    const verified = openssl([
      'verify',
      '-CAfile',
      writePem('ca.pem', ca.certPem),
      '-untrusted',
      writePem('intermediate.pem', intermediate.certPem),
      writePem('deep.pem', server.certPem),
    ]);
    expect(verified.out).toContain('deep.pem: OK');
    expect(verified.status).toBe(0);
  });

  it.skipIf(skipOpenssl)('produces certificates openssl rejects once expired', () => {
    const expired = issueCertificate(ca, {
      commonName: 'old.lab.test',
      notBefore: new Date(Date.now() - 2 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const verified = openssl(['verify', '-CAfile', writePem('ca.pem', ca.certPem), writePem('old.pem', expired.certPem)]);
    expect(verified.status).not.toBe(0);
    expect(verified.out).toContain('certificate has expired');
  });
});

describe('TLS handshake with issued certificates', () => {
  const servers: Server[] = [];

  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
  });

  async function serve(cert: KeyAndCert): Promise<number> {
    const server = createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => res.end('ok'));
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  function handshake(port: number, servername?: string): Promise<{ authorized: boolean } | { code: string }> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem, ...(servername ? { servername } : {}) });
      socket.once('secureConnect', () => {
        resolve({ authorized: socket.authorized });
        socket.destroy();
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        resolve({ code: err.code ?? String(err) });
        socket.destroy();
      });
    });
  }

  it('authorizes the leaf for its DNS name', async () => {
    const port = await serve(leaf);
    expect(await handshake(port, 'app.lab.test')).toEqual({ authorized: true });
  });

  it('authorizes the leaf for its IP address', async () => {
    const port = await serve(leaf);
    expect(await handshake(port)).toEqual({ authorized: true });
  });

  it('rejects a hostname the certificate does not cover', async () => {
    const port = await serve(leaf);
    expect(await handshake(port, 'wrong.lab.test')).toEqual({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('rejects an expired leaf', async () => {
    const expired = issueCertificate(ca, {
      commonName: 'app.lab.test',
      dnsNames: ['app.lab.test'],
      notBefore: new Date(Date.now() - 2 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const port = await serve(expired);
    expect(await handshake(port, 'app.lab.test')).toEqual({ code: 'CERT_HAS_EXPIRED' });
  });

  it('rejects a leaf from an untrusted CA', async () => {
    const stranger = issueCertificate(createCertificateAuthority('stranger CA'), { commonName: 'app.lab.test' });
    const port = await serve(stranger);
    expect(await handshake(port, 'app.lab.test')).toEqual({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });
});
