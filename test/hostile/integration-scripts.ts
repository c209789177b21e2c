// Protocol-specific hostile peers for the integration checks' rows of the hostile-peer matrix
// (directory, sso, api, storage, org-sync): scripts for startHostileTcpPeer that speak just enough
// HTTP, LDAP or SMB2 to get past the first bytes and then break the protocol — chunked bodies
// that never end, redirect loops, OpenID documents that are huge, nested or wrongly typed, SAML
// metadata with DTDs and entities, BER with absurd or indefinite lengths, SMB2 answers that are
// cut short or name a dialect that does not exist — and a slapd-like server that echoes the bind
// password back in its diagnosticMessage.

import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { children, readTlv, tlv } from '../../src/net/ldap.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import type { Script } from '../helpers/hostile-peers.js';
import { smb2NegotiateResponse } from '../helpers/integration-peers.js';
import type { Report } from '../helpers/peers.js';

type Sock = Socket | TLSSocket;

/** Writes `chunk` for as long as the client reads; stops when the socket goes. */
function pump(s: Sock, chunk: Buffer | (() => Buffer)): void {
  const next = typeof chunk === 'function' ? chunk : () => chunk;
  const go = () => {
    while (!s.destroyed && s.write(next()));
  };
  s.on('drain', go);
  go();
}

/** Writes one byte (or `piece`) every `ms`, forever. */
function trickle(s: Sock, piece: Buffer, ms = 200): void {
  const timer = setInterval(() => (s.destroyed ? clearInterval(timer) : s.write(piece)), ms);
  s.once('close', () => clearInterval(timer));
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface HttpRequest {
  method: string;
  path: string;
  /** The Host header, e.g. 127.0.0.1:40123: an issuer or Location the client will accept as its own. */
  host: string;
}

/** Reads one request head, then lets `respond` misbehave on the socket. */
export function httpScript(respond: (req: HttpRequest, s: Sock) => void): Script {
  return (s, first) => {
    let buf = first;
    const parse = () => {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return false;
      s.off('data', onData);
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const [method = '', path = '/'] = lines[0]!.split(' ');
      const host =
        lines
          .find((l) => /^host:/i.test(l))
          ?.slice(5)
          .trim() ?? '';
      respond({ method, path, host }, s);
      return true;
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!parse() && buf.length > 65_536) s.destroy();
    };
    s.on('data', onData);
    parse();
  };
}

function head(status: number, headers: Record<string, string | number> = {}): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${status} X\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`,
    'latin1',
  );
}

function answer(s: Sock, status: number, headers: Record<string, string | number>, body: string | Buffer = ''): void {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  s.end(Buffer.concat([head(status, { 'content-length': b.length, connection: 'close', ...headers }), b]));
}

/** A JSON document served whole. */
function json(body: string | Buffer): Script {
  return httpScript((_, s) => answer(s, 200, { 'content-type': 'application/json' }, body));
}

function xml(body: string): Script {
  return httpScript((_, s) => answer(s, 200, { 'content-type': 'application/samlmetadata+xml' }, body));
}

const chunk = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

/** HTTP misbehaviour any HTTP-speaking check must survive (status chosen so that a check would otherwise like it). */
export function httpScripts(status: number, contentType = 'application/json'): Record<string, Script> {
  return {
    /** A chunked body whose chunks never stop. */
    'chunked-endless': httpScript((_, s) => {
      s.write(head(status, { 'content-type': contentType, 'transfer-encoding': 'chunked', 'www-authenticate': 'Bearer' }));
      pump(s, chunk(Buffer.alloc(16 * 1024, 0x20)));
    }),
    /** A chunked body that drips one-byte chunks, each well inside any idle timer. */
    'chunked-trickle': httpScript((_, s) => {
      s.write(head(status, { 'content-type': contentType, 'transfer-encoding': 'chunked', 'www-authenticate': 'Bearer' }));
      trickle(s, chunk(Buffer.from(' ')));
    }),
    /** A chunk size of twenty hex digits. */
    'chunk-size-absurd': httpScript((_, s) => {
      s.end(
        Buffer.concat([
          head(status, { 'content-type': contentType, 'transfer-encoding': 'chunked' }),
          Buffer.from('FFFFFFFFFFFFFFFFFFFF\r\nxx\r\n'),
        ]),
      );
    }),
    /** Content-Length of 100 TB, and bytes that keep coming. */
    'content-length-absurd': httpScript((_, s) => {
      s.write(head(status, { 'content-type': contentType, 'content-length': '99999999999999', 'www-authenticate': 'Bearer' }));
      pump(s, Buffer.alloc(64 * 1024, 0x20));
    }),
    /** Content-Length 4000, 40 bytes, then the connection closes. */
    'body-truncated': httpScript((_, s) => {
      s.end(Buffer.concat([head(status, { 'content-type': contentType, 'content-length': 4000 }), Buffer.alloc(40, 0x20)]));
    }),
    /** Every URL redirects to itself. */
    'redirect-self': httpScript((req, s) => answer(s, 302, { location: req.path })),
    /** /a ↔ /login: a loop through a page that looks like a login, absolute URLs. */
    'redirect-ping-pong': httpScript((req, s) =>
      answer(s, 302, { location: `https://${req.host}${req.path.startsWith('/login') ? '/a' : '/login'}` }),
    ),
    /** Every answer a redirect to a new URL: /r/1 → /r/2 → … */
    'redirect-endless': httpScript((req, s) => answer(s, 307, { location: `/r/${Number(/\/r\/(\d+)/.exec(req.path)?.[1] ?? 0) + 1}` })),
    /** A redirect somewhere no HTTP client can go. */
    'redirect-bad-scheme': httpScript((_, s) => answer(s, 301, { location: 'file:///etc/passwd' })),
    /** A status line, then header bytes forever. */
    'header-endless': httpScript((_, s) => {
      s.write(Buffer.from('HTTP/1.1 200 OK\r\nX-Pad: '));
      pump(s, Buffer.alloc(16 * 1024, 0x61));
    }),
    /** 100 Continue, again and again: never a final answer. */
    'informational-flood': httpScript((_, s) => pump(s, Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'.repeat(256)))),
  };
}

// ---------------------------------------------------------------------------------------------
// OpenID Connect discovery and JWKS

/** A discovery document that is right in every respect but where its key set points. */
function discovery(host: string, jwksPath: string): string {
  const base = `https://${host}`;
  return JSON.stringify({
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}${jwksPath}`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
}

/** Good discovery, endpoints that answer, and this misbehaving key set at /jwks. */
function withJwks(jwks: (s: Sock) => void): Script {
  return httpScript((req, s) => {
    if (req.path.endsWith('/.well-known/openid-configuration'))
      return answer(s, 200, { 'content-type': 'application/json' }, discovery(req.host, '/jwks'));
    if (req.path === '/jwks') return jwks(s);
    answer(s, 400, { 'content-type': 'application/json' }, '{"error":"invalid_request"}');
  });
}

const nested = (depth: number, open: string, close: string, inner = '1') => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

export const OIDC_SCRIPTS: Record<string, Script> = {
  /** Valid JSON, 600 KiB of it. */
  'json-huge': json(JSON.stringify({ issuer: 'x', pad: 'x'.repeat(600 * 1024) })),
  /** An array nested 100,000 deep. */
  'json-deep-array': json(nested(100_000, '[', ']')),
  /** An object nested 30,000 deep: JSON.parse takes it; nothing may walk it recursively. */
  'json-deep-object': json(nested(30_000, '{"a":', '}')),
  /** Every required field there, every one of the wrong type. */
  'json-wrong-types': json(
    JSON.stringify({
      issuer: 42,
      authorization_endpoint: ['x'],
      token_endpoint: { url: 'x' },
      jwks_uri: null,
      response_types_supported: 'code',
      subject_types_supported: [1, 2],
      id_token_signing_alg_values_supported: { RS256: true },
    }),
  ),
  /** Not JSON at all: a login page. */
  'json-html': httpScript((_, s) => answer(s, 200, { 'content-type': 'text/html' }, '<html><body>Sign in</body></html>')),
  /** Content-Length 2000, a document cut off after its issuer. */
  'json-truncated': httpScript((req, s) =>
    s.end(
      Buffer.concat([
        head(200, { 'content-type': 'application/json', 'content-length': 2000 }),
        Buffer.from(discovery(req.host, '/jwks').slice(0, 60)),
      ]),
    ),
  ),
  /** A control-character issuer 300 KiB long: bounded and cleaned before it reaches the report. */
  'json-issuer-terminal-escape': httpScript((req, s) =>
    answer(
      s,
      200,
      { 'content-type': 'application/json' },
      JSON.stringify({
        ...JSON.parse(discovery(req.host, '/jwks')),
        issuer: `\u001b[2J\u001b]0;pwned\u0007${'\u202e'.repeat(10)}${'i'.repeat(250 * 1024)}`,
      }),
    ),
  ),
  /** Good discovery; the key set never ends. */
  'jwks-endless': withJwks((s) => {
    s.write(head(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }));
    s.write(chunk(Buffer.from('{"keys":[')));
    pump(s, chunk(Buffer.from('{"kty":"RSA","n":"AQAB","e":"AQAB"},'.repeat(400))));
  }),
  /** Good discovery; the key set is an array nested 100,000 deep. */
  'jwks-deep': withJwks((s) => answer(s, 200, { 'content-type': 'application/json' }, `{"keys":${nested(100_000, '[', ']')}}`)),
  /** Good discovery; "keys" of every wrong type. */
  'jwks-wrong-types': withJwks((s) =>
    answer(
      s,
      200,
      { 'content-type': 'application/json' },
      JSON.stringify({ keys: [null, 7, 'RSA', { kty: 9, n: { x: 1 }, kid: ['a'] }, { kty: 'RSA', n: 12345 }] }),
    ),
  ),
  /** Good discovery; the key set stalls after its first bytes. */
  'jwks-stall': withJwks((s) =>
    s.write(Buffer.concat([head(200, { 'content-type': 'application/json', 'content-length': 5000 }), Buffer.from('{"keys":[')])),
  ),
};

// ---------------------------------------------------------------------------------------------
// SAML metadata

const ENTITY = (inner: string) =>
  `<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.hostile.test">${inner}</md:EntityDescriptor>`;

export const SAML_SCRIPTS: Record<string, Script> = {
  'xml-billion-laughs': xml(
    `<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol9;"/>`,
  ),
  'xml-external-entity': xml(
    `<?xml version="1.0"?>\n<!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${ENTITY('<md:IDPSSODescriptor>&xxe;</md:IDPSSODescriptor>')}`,
  ),
  'xml-undeclared-entity': xml(ENTITY('<md:IDPSSODescriptor>&xxe;</md:IDPSSODescriptor>')),
  'xml-deep': xml(ENTITY(nested(50_000, '<a>', '</a>', ''))),
  'xml-huge': xml(ENTITY(`<md:Extensions>${'<x/>'.repeat(300_000)}</md:Extensions>`)),
  'xml-many-attributes': xml(ENTITY(`<md:IDPSSODescriptor ${Array.from({ length: 5000 }, (_, i) => `a${i}="${i}"`).join(' ')}/>`)),
  'xml-truncated': httpScript((_, s) => {
    const doc = ENTITY('<md:IDPSSODescriptor><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">');
    s.end(Buffer.concat([head(200, { 'content-type': 'application/xml', 'content-length': doc.length + 500 }), Buffer.from(doc)]));
  }),
  'xml-cut-mid-tag': xml(ENTITY('<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis').slice(0, -30)),
  /** An IdP whose signing "certificate" is 900 KiB of base64 noise and whose SSO location is not a URL. */
  'xml-junk-certificate': xml(
    ENTITY(
      `<md:IDPSSODescriptor><md:KeyDescriptor use="signing"><ds:X509Certificate xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${Buffer.alloc(600 * 1024, 0x41).toString('base64')}</ds:X509Certificate></md:KeyDescriptor><md:SingleSignOnService Binding="x" Location="javascript:alert(1)"/></md:IDPSSODescriptor>`,
    ),
  ),
};

// ---------------------------------------------------------------------------------------------
// LDAP

export interface LdapRequest {
  id: number;
  /** The protocolOp tag: 0x60 bind, 0x77 extended, 0x42 unbind. */
  op: number;
  dn?: string;
  password?: string;
  oid?: string;
  raw: Buffer;
}

/** Decodes what the client sends (our own requests, so well-formed). */
function decodeRequest(raw: Buffer): LdapRequest {
  const [idT, opT] = children(readTlv(raw).value, 1);
  if (!idT || !opT || readTlv(raw).tag !== 0x30) throw new Error('not an LDAP message');
  const id = idT.value.reduce((v, b) => v * 256 + b, 0);
  const op = opT.tag;
  if (op === 0x60) {
    const [, name, auth] = children(opT.value, 2);
    return { id, op, dn: name!.value.toString('utf8'), password: auth!.value.toString('utf8'), raw };
  }
  if (op === 0x77) return { id, op, oid: children(opT.value, 2)[0]!.value.toString('latin1'), raw };
  return { id, op, raw };
}

/** Reads LDAP requests as they come (TLS or not) and lets `handle` answer each. */
export function ldapScript(handle: (req: LdapRequest, s: Sock) => void): Script {
  return (s, first) => {
    let buf = first;
    const drain = () => {
      while (buf.length >= 2) {
        let req: LdapRequest;
        try {
          const t = readTlv(buf);
          req = decodeRequest(buf.subarray(0, t.end));
          buf = buf.subarray(t.end);
        } catch {
          // Incomplete, or not LDAP at all (a ClientHello after StartTLS): nothing to answer.
          return;
        }
        handle(req, s);
      }
    };
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      drain();
    });
    drain();
  };
}

const int = (tag: number, v: number) => tlv(tag, Buffer.from([v]));

/** An LDAPResult-carrying response: BindResponse (0x61) or ExtendedResponse (0x78). */
export function ldapResponse(id: number, opTag: number, code: number, diagnostic: string | Buffer = '', extra: Buffer[] = []): Buffer {
  return tlv(
    0x30,
    int(0x02, id),
    tlv(
      opTag,
      int(0x0a, code),
      tlv(0x04, Buffer.alloc(0)),
      tlv(0x04, Buffer.isBuffer(diagnostic) ? diagnostic : Buffer.from(diagnostic)),
      ...extra,
    ),
  );
}

/** The right kind of response for a request, with this result code. */
const reply = (req: LdapRequest, code: number, diagnostic: string | Buffer = '') =>
  ldapResponse(req.id, req.op === 0x60 ? 0x61 : 0x78, code, diagnostic);

/** What an LDAP-like stream starts with for the generic endless and trickle peers: a message announcing 16,000 bytes (under the client's cap, so it waits for them). */
export const LDAP_PAYLOAD = Buffer.from([0x30, 0x82, 0x3e, 0x80]);

export const LDAP_SCRIPTS: Record<string, Script> = {
  /** A message announcing 2 GiB. */
  'ber-absurd-length': (s) => s.write(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01])),
  /** Indefinite length, which LDAP forbids. */
  'ber-indefinite-length': (s) =>
    s.write(Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x61, 0x80, 0x0a, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00])),
  /** A nine-byte length field. */
  'ber-length-of-length': (s) => s.write(Buffer.from([0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9])),
  /** A message whose inner element claims more than the message holds. */
  'ber-inner-overrun': ldapScript((req, s) => s.write(tlv(0x30, int(0x02, req.id), Buffer.from([0x61, 0x7f, 0x0a, 0x01, 0x00])))),
  /** A response nested 60 levels deep. */
  'ber-deep-nesting': ldapScript((req, s) => {
    let inner = tlv(0x04, Buffer.from('x'));
    for (let i = 0; i < 60; i++) inner = tlv(0x30, inner);
    s.write(tlv(0x30, int(0x02, req.id), tlv(0x61, inner)));
  }),
  /** Half a response, then the connection closes. */
  'ber-truncated-close': ldapScript((req, s) => s.end(reply(req, 0).subarray(0, 6))),
  /** Half a response, then silence. */
  'ber-truncated-stall': ldapScript((req, s) => s.write(reply(req, 0).subarray(0, 6))),
  /** The request sent straight back: the right message id, the wrong operation. */
  'ldap-echo-request': ldapScript((req, s) => s.write(req.raw)),
  /** Answers to message ids nobody used, without end. */
  'ldap-unsolicited-flood': ldapScript((_, s) =>
    pump(s, Buffer.concat(Array.from({ length: 64 }, (__, i) => ldapResponse(100 + i, 0x61, 0)))),
  ),
  /** The unsolicited notice of disconnection (RFC 4511 §4.4.1), with ANSI escapes in its text. */
  'ldap-notice-of-disconnection': ldapScript((_, s) =>
    s.end(ldapResponse(0, 0x78, 52, '\u001b[31mshutting down\u001b[0m', [tlv(0x8a, Buffer.from('1.3.6.1.4.1.1466.20036'))])),
  ),
  /** A refusal whose diagnostic is 60 KB of terminal escapes and bidi overrides: more than any LDAP answer needs. */
  'ldap-huge-diagnostic': ldapScript((req, s) => s.write(reply(req, 49, ESCAPES.repeat(4000).slice(0, 60_000)))),
};

const ESCAPES = '\u001b[2J\u202e\u001b]0;x\u0007data 52e ';

/** The directory's binds refused with a 12 KB diagnostic of terminal escapes: within the size cap, so quoted, and so bounded and cleaned. */
export const ldapLongDiagnostic: Script = ldapScript((req, s) => s.write(reply(req, 49, ESCAPES.repeat(800).slice(0, 12_000))));

/** StartTLS misbehaviour (plain ldap://): the directory check asks for StartTLS first. */
export const STARTTLS_SCRIPTS: Record<string, Script> = {
  /** StartTLS accepted, then bytes that are not TLS. */
  'starttls-then-garbage': ldapScript((req, s) =>
    s.write(Buffer.concat([reply(req, 0), Buffer.from('this is not a TLS record\r\n'.repeat(20))])),
  ),
  /** StartTLS answered with a BindResponse. */
  'starttls-wrong-op': ldapScript((req, s) => s.write(ldapResponse(req.id, 0x61, 0))),
  /** StartTLS accepted, then silence where the ServerHello should be. */
  'starttls-then-silence': ldapScript((req, s) => s.write(reply(req, 0))),
};

/**
 * A slapd-like server that refuses anonymous binds and answers the service account's bind with
 * invalidCredentials, quoting the bind back in its diagnosticMessage: the password raw, in base64,
 * and as the base64 of dn:password (what a Basic header would carry).
 */
export const ldapEchoPassword: Script = ldapScript((req, s) => {
  if (req.op === 0x42) return s.end();
  if (req.op !== 0x60) return s.write(reply(req, 2, 'unsupported extended operation'));
  if (!req.password) return s.write(reply(req, 53, 'anonymous bind disallowed'));
  const pw = req.password;
  s.write(
    reply(
      req,
      49,
      `invalid credentials for "${req.dn}" with password "${pw}" (b64 ${Buffer.from(pw).toString('base64')}, basic ${Buffer.from(`${req.dn}:${pw}`).toString('base64')})`,
    ),
  );
});

/**
 * A server that answers the service account's bind by hanging up with a notice of disconnection
 * (RFC 4511 §4.4.1) whose text quotes the password: the client's error message carries it, so the
 * failure recorded in the facts must not.
 */
export const ldapDisconnectEchoPassword: Script = ldapScript((req, s) => {
  if (req.op !== 0x60) return s.write(reply(req, 2, 'unsupported extended operation'));
  if (!req.password) return s.write(reply(req, 53, 'anonymous bind disallowed'));
  s.end(
    ldapResponse(0, 0x78, 52, `bind of ${req.dn} with "${req.password}" refused, goodbye`, [
      tlv(0x8a, Buffer.from('1.3.6.1.4.1.1466.20036')),
    ]),
  );
});

// ---------------------------------------------------------------------------------------------
// SMB2

/** The NEGOTIATE response a file server sends, with `patch` applied to its bytes (offsets include the 4-byte NBSS header). */
function smbAnswer(patch: (b: Buffer) => Buffer = (b) => b): Script {
  return (s) => s.write(patch(Buffer.from(smb2NegotiateResponse(0x0311, true))));
}

const SMB = 4; // NBSS header

/** What an SMB-like stream starts with for the generic endless and trickle peers: a frame announcing 65,280 bytes. */
export const SMB_PAYLOAD = Buffer.from([0x00, 0x00, 0xff, 0x00]);

export const SMB_SCRIPTS: Record<string, Script> = {
  /** The issue's case: a well-formed answer naming dialect 0x0041. */
  'smb-dialect-0x0041': smbAnswer((b) => (b.writeUInt16LE(0x0041, SMB + 64 + 4), b)),
  'smb-dialect-0xffff': smbAnswer((b) => (b.writeUInt16LE(0xffff, SMB + 64 + 4), b)),
  /** An NBSS length of 16 MiB − 1: more than any NEGOTIATE response. */
  'smb-nbss-absurd-length': (s) =>
    s.write(Buffer.concat([Buffer.from([0x00, 0xff, 0xff, 0xff]), Buffer.from('\xfeSMB', 'latin1'), Buffer.alloc(60)])),
  /** The frame says 129 bytes; 40 arrive, then the connection closes. */
  'smb-truncated-close': (s) => s.end(Buffer.from(smb2NegotiateResponse(0x0311, true)).subarray(0, 44)),
  /** The frame says 129 bytes; 40 arrive, then silence. */
  'smb-truncated-stall': (s) => s.write(Buffer.from(smb2NegotiateResponse(0x0311, true)).subarray(0, 44)),
  /** A complete frame that holds only the SMB2 header and 8 bytes of the response. */
  'smb-response-cut-short': (s) => {
    const full = Buffer.from(smb2NegotiateResponse(0x0311, true)).subarray(SMB, SMB + 72);
    const nbss = Buffer.alloc(4);
    nbss.writeUInt32BE(full.length);
    s.write(Buffer.concat([nbss, full]));
  },
  /** The client's own NEGOTIATE request sent back (no SERVER_TO_REDIR flag). */
  'smb-echo-request': (s, first) => s.write(first),
  /** A response StructureSize that is not 65. */
  'smb-bad-structure-size': smbAnswer((b) => (b.writeUInt16LE(9, SMB + 64), b)),
  /** An error status (STATUS_INVALID_PARAMETER). */
  'smb-error-status': smbAnswer((b) => (b.writeUInt32LE(0xc000000d, SMB + 8), b)),
  /** SMB1 only. */
  'smb1-only': (s) => s.end(Buffer.concat([Buffer.from([0, 0, 0, 36]), Buffer.from('\xffSMB', 'latin1'), Buffer.alloc(32)])),
  /** NBSS keepalives, forever, and never an answer. */
  'smb-keepalive-flood': (s) => pump(s, Buffer.alloc(4 * 1024).fill(Buffer.from([0x85, 0, 0, 0]))),
};

// ---------------------------------------------------------------------------------------------
// The run

export interface WrittenRun {
  cli: CliResult;
  report: Report;
  /** Every written file's text by format (json first): what must not be in them is searched here. */
  texts: Record<string, string>;
}

/**
 * `siteready run <check> <targets…>` writing JSON and each of `formats` (sarif, md, …) to files, as
 * a user would; throws when a file was not written, itself a failure of the case.
 */
export async function runCheckWritten(
  check: string,
  targets: string[],
  dir: string,
  formats: string[],
  extra: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<WrittenRun> {
  const stem = join(dir, `${check}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  const files = ['json', ...formats].map((f) => [f, `${stem}.${f}`] as const);
  const cli = await runCli(
    ['run', check, ...targets, '--format', files.map(([f, path]) => `${f}=${path}`).join(','), '--quiet', ...extra],
    { env, timeoutMs },
  );
  const texts: Record<string, string> = {};
  for (const [f, path] of files) {
    texts[f] = await readFile(path, 'utf8').catch(() => {
      throw new Error(`no ${f} report written (exit ${cli.code}, ${cli.ms} ms):\n${cli.stderr.slice(0, 4000)}`);
    });
  }
  return { cli, report: JSON.parse(texts.json!) as Report, texts };
}
