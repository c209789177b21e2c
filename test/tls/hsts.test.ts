// HSTS: the RFC 6797 §6.1 parser on its own, then fetchHsts against nginx (header with every
// attribute, absent, malformed, repeated, on a redirect, TLS 1.0 only) and against TLS services
// that do not speak HTTP (openssl s_server -rev, an LDAPS-like peer that answers in BER and hangs
// up, one that closes, one that stays silent), each giving an error within the budget.

import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate, type KeyAndCert } from '../../src/lab/cert.js';
import { fetchHsts, parseStrictTransportSecurity } from '../../src/tls/hsts.js';
import { hstsFailure, hstsProblem } from '../../src/tls/phrases.js';
import type { HstsFacts } from '../../src/tls/types.js';
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
import { writePair } from './openssl-certs.js';
import { en, zh } from './text.js';

/** Why the request failed, in English as a reader gets it. */
const failureText = (f: HstsFacts): string => (f.error ? en(hstsFailure(f.error)) : '');

describe('parseStrictTransportSecurity (RFC 6797 §6.1)', () => {
  it.each([
    ['max-age=31536000', 31536000, false, false],
    ['max-age=63072000; includeSubDomains; preload', 63072000, true, true],
    ['MAX-AGE=10;INCLUDESUBDOMAINS', 10, true, false],
    ['  max-age = "600" ;  includeSubDomains  ', 600, true, false],
    ['includeSubDomains; max-age=0', 0, true, false],
    ['max-age=1;;; includeSubDomains;', 1, true, false],
    ['max-age=5; unknown-ext="a;b"; other=tok', 5, false, false],
    ['max-age=5; preload=yes', 5, false, false],
    ['max-age=99999999999999999999999', Number.MAX_SAFE_INTEGER, false, false],
  ])('%j → max-age %d, includeSubDomains %s, preload %s', (header, maxAge, sub, preload) => {
    expect(parseStrictTransportSecurity(header)).toEqual({ ok: true, maxAgeSeconds: maxAge, includeSubDomains: sub, preload });
  });

  it.each([
    ['', /max-age directive is missing/],
    ['includeSubDomains', /max-age directive is missing/],
    ['max-age=abc; includeSubDomains', /max-age must be a number/],
    ['max-age=-1', /no valid value|max-age must be a number/],
    ['max-age=', /no valid value/],
    ['max-age', /max-age must be a number/],
    ['max-age=10; max-age=20', /max-age appears more than once/],
    ['max-age=10; includeSubDomains; includesubdomains', /appears more than once/],
    ['max-age=10; includeSubDomains=true', /includeSubDomains takes no value/],
    ['max-age=10, max-age=20', /unexpected/],
    ['max-age="10', /no valid value/],
    ['max-age=10 includeSubDomains', /unexpected/],
  ])('%j is ignored: %s', (header, reason) => {
    const r = parseStrictTransportSecurity(header);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(en(hstsProblem(r.invalid))).toMatch(reason);
  });

  it('says why in Chinese too, keeping what was found', () => {
    const r = parseStrictTransportSecurity('max-age=abc');
    expect(r).toEqual({ ok: false, invalid: { problem: 'max-age-not-number', found: '"abc"' } });
    if (!r.ok) expect(zh(hstsProblem(r.invalid))).toBe('max-age 必须是秒数，实际为 "abc"');
  });
});

const available = requireTool(hasTool('nginx'), 'nginx') && requireTool(hasTool('openssl'), 'openssl');
const PORTS = ['full', 'absent', 'malformed', 'duplicate', 'twoFields', 'redirect', 'tls10', 'plain'] as const;
type PortName = (typeof PORTS)[number];

describe.skipIf(!available)('fetchHsts against real servers', () => {
  let tmp: TempDir | undefined;
  let nginx: Nginx | undefined;
  let leaf: KeyAndCert;
  const port = {} as Record<PortName, number>;
  const target = (p: number, serverName: string | undefined = 'www.sr.test'): AuditTarget => ({
    host: serverName ?? '127.0.0.1',
    port: p,
    address: '127.0.0.1',
    ...(serverName ? { serverName } : {}),
  });

  beforeAll(async () => {
    tmp = await tempDir('sr-tls-hsts-');
    const dir = tmp.path;
    const ca = createCertificateAuthority('siteready hsts test CA');
    leaf = issueCertificate(ca, { commonName: 'www.sr.test', dnsNames: ['www.sr.test'], ipAddresses: ['127.0.0.1'] });
    const files = await writePair(dir, 'leaf', leaf);
    const tls = `ssl_certificate ${files.cert}; ssl_certificate_key ${files.key};`;
    const server = (p: number, body: string, protocols = 'ssl_protocols TLSv1.2 TLSv1.3;') =>
      `  server { listen 127.0.0.1:${p} ssl; ${tls} ${protocols} ${body} }\n`;
    const sts = (value: string) => `add_header Strict-Transport-Security '${value}' always;`;
    nginx = await startNginx({
      dir,
      portCount: PORTS.length,
      servers: (ports) => {
        PORTS.forEach((name, i) => (port[name] = ports[i]!));
        return [
          server(port.full, `location / { ${sts('max-age=63072000; includeSubDomains; preload')} return 200 "ok\\n"; }`),
          server(port.absent, 'location / { return 200 "ok\\n"; }'),
          server(port.malformed, `location / { ${sts('max-age=abc; includeSubDomains')} return 200 "ok\\n"; }`),
          server(port.duplicate, `location / { ${sts('max-age=10; max-age=20')} return 200 "ok\\n"; }`),
          server(port.twoFields, `location / { ${sts('max-age=300')} ${sts('max-age=bogus')} return 200 "ok\\n"; }`),
          server(port.redirect, `location / { ${sts('max-age=31536000')} return 301 https://www.sr.test/elsewhere; }`),
          // TLS 1.0 needs security level 0 in OpenSSL 3.
          server(
            port.tls10,
            `location / { ${sts('max-age=86400')} return 200 "ok\\n"; }`,
            'ssl_protocols TLSv1; ssl_ciphers "DEFAULT:@SECLEVEL=0";',
          ),
          `  server { listen 127.0.0.1:${port.plain}; location / { ${sts('max-age=1')} return 200 "plain\\n"; } }\n`,
        ].join('');
      },
    });
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await tmp?.remove();
  });

  const fetch = (t: AuditTarget, timeoutMs = 5000) => fetchHsts(t, { timeoutMs });

  it('every attribute: present, max-age, includeSubDomains, preload', async () => {
    expect(await fetch(target(port.full))).toEqual({
      present: true,
      maxAgeSeconds: 63072000,
      includeSubDomains: true,
      preload: true,
      status: 200,
      header: 'max-age=63072000; includeSubDomains; preload',
    });
  });

  it('an IP-literal target without SNI reads it too', async () => {
    expect(await fetch(target(port.full, undefined))).toMatchObject({ present: true, maxAgeSeconds: 63072000 });
  });

  it('absent: present false, no error', async () => {
    expect(await fetch(target(port.absent))).toEqual({ present: false, status: 200 });
  });

  it('malformed max-age: not in force, with the header and the reason', async () => {
    expect(await fetch(target(port.malformed))).toEqual({
      present: false,
      status: 200,
      header: 'max-age=abc; includeSubDomains',
      invalid: { problem: 'max-age-not-number', found: '"abc"' },
    });
  });

  it('a repeated directive invalidates the header', async () => {
    expect(await fetch(target(port.duplicate))).toMatchObject({ present: false, invalid: { problem: 'repeated' } });
  });

  it('two fields: only the first counts (§8.1)', async () => {
    expect(await fetch(target(port.twoFields))).toMatchObject({ present: true, maxAgeSeconds: 300, header: 'max-age=300' });
  });

  it('the header on a redirect counts; the redirect is not followed', async () => {
    expect(await fetch(target(port.redirect))).toMatchObject({ present: true, maxAgeSeconds: 31536000, status: 301 });
  });

  it('a TLS 1.0-only server is still asked', async () => {
    expect(await fetch(target(port.tls10))).toMatchObject({ present: true, maxAgeSeconds: 86400 });
  });

  it('plain HTTP on the port: an error naming the TLS failure', async () => {
    const f = await fetch(target(port.plain));
    expect(f.present).toBe(false);
    expect(failureText(f)).toMatch(/tls-failure \(not-tls\)/);
  });

  it('a closed port: refused', async () => {
    const f = await fetch(target(await freePort()));
    expect(f).toMatchObject({ present: false, error: { kind: 'failed', classification: 'refused' } });
    expect(failureText(f)).toMatch(/^refused/);
  });

  describe('TLS services that do not speak HTTP', () => {
    let reverser: Peer | undefined;
    let reverserPort = 0;
    const servers: Array<TlsServer | TcpServer> = [];
    const sockets: Socket[] = [];
    let ldapsLike = 0;
    let closesOnData = 0;
    let silentTls = 0;
    let silentTcp = 0;

    async function listen(server: TlsServer | TcpServer): Promise<number> {
      servers.push(server);
      server.on('connection', (s: Socket) => sockets.push(s));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as { port: number }).port;
    }

    beforeAll(async () => {
      const dir = tmp!.path;
      reverser = await withRetries(5, async () => {
        reverserPort = await freePort();
        // Echoes every line reversed: TLS is fine, the answer is not HTTP.
        return startProcess(
          'openssl',
          ['s_server', '-accept', `127.0.0.1:${reverserPort}`, '-cert', `${dir}/leaf.crt`, '-key', `${dir}/leaf.key`, '-rev'],
          {
            name: 'openssl s_server -rev',
            ready: /ACCEPT/,
          },
        );
      });
      const key = { key: leaf.keyPem, cert: leaf.certPem };
      // Active Directory answers a request it cannot parse with an LDAP Notice of Disconnection
      // (RFC 4511 §4.4.1, protocolError) and closes.
      const notice = Buffer.from(
        '3024020100782a0a0102040004234d616c666f726d6564207265717565737420666f72204c44415020736572766963650a',
        'hex',
      );
      ldapsLike = await listen(createTlsServer(key, (s) => s.once('data', () => s.end(notice)).on('error', () => undefined)));
      closesOnData = await listen(createTlsServer(key, (s) => s.once('data', () => s.destroy()).on('error', () => undefined)));
      silentTls = await listen(createTlsServer(key, (s) => s.on('error', () => undefined)));
      silentTcp = await listen(createTcpServer(() => undefined));
    });

    afterAll(async () => {
      await reverser?.stop();
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    });

    it('s_server -rev (answers, but not in HTTP): not HTTP, at once', async () => {
      const t0 = Date.now();
      const f = await fetch(target(reverserPort));
      expect(f).toEqual({ present: false, error: expect.objectContaining({ kind: 'not-http' }) });
      expect(failureText(f)).toMatch(/^not HTTP: the answer to GET \/ is not an HTTP response/);
      expect(Date.now() - t0).toBeLessThan(2000);
    });

    it('LDAPS-like (BER notice, then close): not HTTP, at once', async () => {
      const t0 = Date.now();
      const f = await fetch(target(ldapsLike));
      expect(f).toEqual({ present: false, error: expect.objectContaining({ kind: expect.stringMatching(/^(not-http|closed)$/) }) });
      expect(failureText(f)).toMatch(/^not HTTP/);
      expect(Date.now() - t0).toBeLessThan(2000);
    });

    it('closes on the request: not HTTP, at once', async () => {
      const t0 = Date.now();
      const f = await fetch(target(closesOnData));
      expect(f).toEqual({ present: false, error: expect.objectContaining({ kind: 'closed' }) });
      expect(failureText(f)).toMatch(/^not HTTP: the connection closed/);
      expect(Date.now() - t0).toBeLessThan(2000);
    });

    it.each([
      ['silent after the TLS handshake', () => silentTls, /no HTTP answer within 800 ms/],
      ['silent TCP (no TLS at all)', () => silentTcp, /^(no TLS connection within 800 ms|tls-failure \(handshake-timeout\))/],
    ])('%s: an error within the deadline', async (_name, portOf, message) => {
      const t0 = Date.now();
      const f = await fetch(target(portOf()), 800);
      const elapsed = Date.now() - t0;
      expect(f).toEqual({ present: false, error: expect.objectContaining({ kind: expect.any(String) }) });
      expect(failureText(f)).toMatch(message);
      // undici's own headers timer may fire a little early; never late.
      expect(elapsed).toBeGreaterThanOrEqual(600);
      expect(elapsed).toBeLessThan(1500);
    });

    it('aborted by the caller: rejects with the reason', async () => {
      const ac = new AbortController();
      const reason = new Error('run deadline');
      setTimeout(() => ac.abort(reason), 100);
      await expect(fetchHsts(target(silentTls), { timeoutMs: 5000, signal: ac.signal })).rejects.toBe(reason);
    });
  });
});
