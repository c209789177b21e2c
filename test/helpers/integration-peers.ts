// Peers for the integration checks: an HTTPS server in the test process playing an OpenID
// provider (good, wrong issuer, weak keys), a SAML IdP (current and expired signing
// certificates), HR/CRM APIs with and without an auth challenge, S3- and WebDAV-like storage;
// hostile TCP servers (garbage, stalls, endless bodies); and a real slapd with a throwaway config.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { KeyAndCert } from '../../src/lab/cert.js';
import { tlv } from '../../src/net/ldap.js';
import { freePort, startProcess, waitForTcp, withRetries, type Peer } from './peers.js';

export interface Listening {
  port: number;
  close(): Promise<void>;
}

function listen(server: HttpsServer | TcpServer, sockets: Set<Socket>): Promise<Listening> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a ? a.port : 0,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

function rsaJwk(bits: number, kid: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256', ...extra };
}

function samlMetadata(entityId: string, certs: string[], base: string, extra = ''): string {
  const keys = certs
    .map((pem) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''))
    .map(
      (b64) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n${b64.replace(/(.{64})/g, '$1\n')}\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- IdP metadata for tests -->
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}"${extra}>
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${keys}
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/saml/slo"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/saml/sso"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${base}/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol2;"/>
`;

export interface FakeServices extends Listening {
  /** https://<host>:<port> */
  base: string;
}

/**
 * One HTTPS server answering by path. `host` is the name the site file uses (resolved by the
 * test's dnsmasq to 127.0.0.1); the certificate must name it.
 */
export async function startFakeServices(
  host: string,
  cert: KeyAndCert,
  saml: { valid: KeyAndCert; expired: KeyAndCert; weakRsaPem: string },
): Promise<FakeServices> {
  const sockets = new Set<Socket>();
  let base = '';
  const goodKeys = { keys: [rsaJwk(2048, 'good-1'), { ...rsaJwk(2048, 'good-enc'), use: 'enc', alg: 'RSA-OAEP' }] };
  const weakKeys = {
    keys: [
      rsaJwk(1024, 'weak-1024'),
      { kty: 'oct', kid: 'shared', alg: 'HS256', k: randomBytes(32).toString('base64url') },
      rsaJwk(2048, 'unsigned', { alg: 'none' }),
    ],
  };
  const discovery = (issuer: string, prefix: string, algs = ['RS256']) => ({
    issuer,
    authorization_endpoint: `${base}${prefix}/authorize`,
    token_endpoint: `${base}${prefix}/token`,
    userinfo_endpoint: `${base}${prefix}/userinfo`,
    jwks_uri: `${base}${prefix}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  });
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    res.on('error', () => undefined);
    // OpenID providers
    if (path === '/good/.well-known/openid-configuration') return json(res, 200, discovery(`${base}/good`, '/good'));
    if (path === '/mismatch/.well-known/openid-configuration')
      return json(res, 200, discovery(`https://login.elsewhere.example/mismatch`, '/good'));
    if (path === '/weak/.well-known/openid-configuration') return json(res, 200, discovery(`${base}/weak`, '/weak', ['RS256', 'none']));
    if (path === '/broken/.well-known/openid-configuration')
      return json(res, 200, { issuer: `${base}/broken`, jwks_uri: `http://${host}:1/jwks` });
    if (path === '/good/jwks') return json(res, 200, goodKeys);
    if (path === '/weak/jwks') return json(res, 200, weakKeys);
    if (/^\/(good|weak)\/authorize$/.test(path)) return json(res, 400, { error: 'invalid_request' });
    if (/^\/(good|weak)\/token$/.test(path)) return json(res, 405, { error: 'method not allowed' });
    if (/^\/(good|weak)\/userinfo$/.test(path)) return json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer' });
    // SAML IdPs
    if (path === '/saml/valid/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
      return res.end(samlMetadata(`${base}/saml/valid`, [saml.valid.certPem], base));
    }
    if (path === '/saml/expired/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
      return res.end(samlMetadata(`${base}/saml/expired`, [saml.expired.certPem], base, ' validUntil="2020-01-01T00:00:00Z"'));
    }
    if (path === '/saml/weak/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
      return res.end(samlMetadata(`${base}/saml/weak`, [saml.weakRsaPem], base));
    }
    if (path === '/saml/dtd/metadata') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(BILLION_LAUGHS);
    }
    if (path === '/saml/sso' || path === '/saml/slo') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return res.end('missing SAMLRequest');
    }
    // Business APIs
    if (path === '/hr/open') return json(res, 200, { employees: [] });
    if (path === '/crm/protected')
      return json(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer realm="crm", Basic realm="crm"' });
    if (path === '/moved') {
      res.writeHead(301, { location: '/v2/tickets' });
      return res.end();
    }
    if (path === '/oa/sso') {
      res.writeHead(302, { location: `${base}/good/authorize?client_id=oa` });
      return res.end();
    }
    // Storage
    if (path.startsWith('/s3/')) {
      res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'TX0001', server: 'MinIO' });
      return res.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied.</Message><Resource>/chat-files/</Resource></Error>',
      );
    }
    if (path.startsWith('/public-bucket')) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>public-bucket</Name><Contents><Key>a.txt</Key></Contents></ListBucketResult>',
      );
    }
    if (path.startsWith('/dav/')) {
      if (req.method === 'OPTIONS') {
        res.writeHead(200, { dav: '1, 2', allow: 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK' });
        return res.end();
      }
      res.writeHead(401, { 'www-authenticate': 'Basic realm="files"' });
      return res.end();
    }
    if (path === '/plain-web/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html><body>intranet</body></html>');
    }
    // Hostile answers
    if (path === '/endless/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.write('{"issuer":"');
      return pump();
    }
    if (path === '/stall/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.write('{"issuer":');
    }
    res.writeHead(404);
    res.end();
  };
  const server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, handler);
  const l = await listen(server, sockets);
  base = `https://${host}:${l.port}`;
  return { ...l, base };
}

/** A TCP server that does something hostile to every connection. */
export async function startHostileTcp(
  behaviour: 'garbage' | 'stall' | 'huge-ber' | 'smb2' | 'smb1' | 'http-garbage' | 'starttls-refused',
): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    s.on('error', () => undefined);
    s.once('data', () => {
      if (behaviour === 'garbage') s.write(Buffer.from('220 mail.example ESMTP ready\r\n'));
      if (behaviour === 'huge-ber') s.write(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01]));
      if (behaviour === 'http-garbage') s.end(Buffer.from('\x00\x01\x02garbage that is not HTTP\r\n\r\n'));
      if (behaviour === 'smb1') s.end(Buffer.concat([Buffer.from([0, 0, 0, 36]), Buffer.from('\xffSMB', 'latin1'), Buffer.alloc(32)]));
      if (behaviour === 'smb2') s.write(smb2NegotiateResponse(0x0311, true));
      // An LDAP server without TLS: ExtendedResponse protocolError (2) to the StartTLS request (message 1), then hang up.
      if (behaviour === 'starttls-refused') {
        const int = (tag: number, v: number) => tlv(tag, Buffer.from([v]));
        s.end(
          tlv(
            0x30,
            int(0x02, 1),
            tlv(0x78, int(0x0a, 2), tlv(0x04, Buffer.alloc(0)), tlv(0x04, Buffer.from('unsupported extended operation'))),
          ),
        );
      }
      // stall: read and say nothing
    });
  });
  return listen(server, sockets);
}

/** A minimal SMB2 NEGOTIATE response (MS-SMB2 §2.2.4) with the given dialect. */
function smb2NegotiateResponse(dialect: number, signingRequired: boolean): Buffer {
  const header = Buffer.alloc(64);
  header.write('\xfeSMB', 0, 'latin1');
  header.writeUInt16LE(64, 4);
  header.writeUInt32LE(0x00000001, 16); // Flags: SERVER_TO_REDIR
  const body = Buffer.alloc(65);
  body.writeUInt16LE(65, 0);
  body.writeUInt16LE(signingRequired ? 0x0003 : 0x0001, 2);
  body.writeUInt16LE(dialect, 4);
  const smb = Buffer.concat([header, body]);
  const nbss = Buffer.alloc(4);
  nbss.writeUInt32BE(smb.length, 0);
  return Buffer.concat([nbss, smb]);
}

export interface Slapd extends Peer {
  ldapPort: number;
  ldapsPort: number;
  rootDn: string;
}

/**
 * slapd with a throwaway slapd.conf: suffix dc=sr,dc=test, a root DN with a password, TLS with
 * the given certificate on ldaps:// and StartTLS on ldap://, anonymous binds as configured.
 */
export async function startSlapd(
  dir: string,
  tls: { caFile: string; certFile: string; keyFile: string },
  rootPassword: string,
  opts: { anonymous: boolean },
): Promise<Slapd> {
  return withRetries(5, async () => {
    const ldapPort = await freePort();
    let ldapsPort = await freePort();
    while (ldapsPort === ldapPort) ldapsPort = await freePort();
    const home = join(dir, `slapd-${ldapPort}`);
    await mkdir(join(home, 'db'), { recursive: true });
    const conf = join(home, 'slapd.conf');
    await writeFile(
      conf,
      [
        'include /etc/ldap/schema/core.schema',
        `pidfile ${home}/slapd.pid`,
        `argsfile ${home}/slapd.args`,
        'modulepath /usr/lib/ldap',
        'moduleload back_mdb',
        `TLSCACertificateFile ${tls.caFile}`,
        `TLSCertificateFile ${tls.certFile}`,
        `TLSCertificateKeyFile ${tls.keyFile}`,
        ...(opts.anonymous ? [] : ['disallow bind_anon']),
        'database mdb',
        'maxsize 10485760',
        'suffix "dc=sr,dc=test"',
        'rootdn "cn=admin,dc=sr,dc=test"',
        `rootpw ${rootPassword}`,
        `directory ${home}/db`,
        '',
      ].join('\n'),
    );
    const peer = await startProcess(
      'slapd',
      ['-d', '0', '-f', conf, '-h', `ldap://127.0.0.1:${ldapPort}/ ldaps://127.0.0.1:${ldapsPort}/`],
      {
        name: 'slapd',
        ready: async () => {
          try {
            await waitForTcp('127.0.0.1', ldapPort, 200);
            await waitForTcp('127.0.0.1', ldapsPort, 200);
            return true;
          } catch {
            return false;
          }
        },
      },
    );
    return Object.assign(peer, { ldapPort, ldapsPort, rootDn: 'cn=admin,dc=sr,dc=test' });
  });
}

// The hostile-peer matrix patches this answer's bytes into broken ones (dialects, statuses, sizes).
export { smb2NegotiateResponse };
