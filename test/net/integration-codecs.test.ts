// The parsers the integration checks feed with other servers' bytes: the LDAP BER codec, the
// XML reader, the SMB2 NEGOTIATE parser, and the OIDC / JWKS reviews. Hostile input must end in
// a typed error, never an exception from a buffer read, a hang or an expansion.

import { randomBytes } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PathError } from '../../src/net/classify.js';
import { BerError, bindRequest, decodeResponse, messageLength, readTlv, startTlsRequest, STARTTLS_OID, tlv } from '../../src/net/ldap.js';
import { ldapExchange } from '../../src/net/ldap-client.js';
import { DIALECT_NAMES, negotiateRequest, parseNegotiateResponse } from '../../src/net/smb.js';
import { discoveryLocation, reviewDiscovery, reviewJwks } from '../../src/integration/oidc.js';
import { peerText } from '../../src/integration/peer-text.js';
import { reviewMetadata } from '../../src/integration/saml.js';
import { findAll, parseXml, XmlError } from '../../src/util/xml.js';
import { smb2NegotiateResponse } from '../helpers/integration-peers.js';

/** An LDAPResult-carrying response, as a server would send it. */
function response(id: number, opTag: number, code: number, diagnostic = '', extra: Buffer[] = []): Buffer {
  const int = (tag: number, v: number) => tlv(tag, Buffer.from([v]));
  return tlv(0x30, int(0x02, id), tlv(opTag, int(0x0a, code), tlv(0x04, Buffer.alloc(0)), tlv(0x04, Buffer.from(diagnostic)), ...extra));
}

describe('LDAP BER codec', () => {
  it('encodes the StartTLS extended request as RFC 4511 §4.14 says', () => {
    const req = startTlsRequest(1);
    const outer = readTlv(req);
    expect(outer.tag).toBe(0x30);
    expect(req.includes(Buffer.from(STARTTLS_OID))).toBe(true);
    // [APPLICATION 23] holding [0] requestName
    expect(req.subarray(5, 7)).toEqual(Buffer.from([0x77, 2 + STARTTLS_OID.length]));
    expect(req[7]).toBe(0x80);
  });

  it('encodes a simple bind with long-form lengths for long names', () => {
    const req = bindRequest(7, `cn=${'x'.repeat(300)},dc=example`, 'pw');
    expect(messageLength(req)).toBe(req.length);
    expect(req[1]).toBe(0x82); // two length bytes
  });

  it('decodes bind and extended responses, and the notice of disconnection', () => {
    expect(decodeResponse(response(2, 0x61, 49, '80090308: data 52e'))).toMatchObject({
      messageId: 2,
      op: 'bind',
      resultCode: 49,
      diagnosticMessage: '80090308: data 52e',
    });
    const notice = response(0, 0x78, 52, 'going away', [tlv(0x8a, Buffer.from('1.3.6.1.4.1.1466.20036'))]);
    expect(decodeResponse(notice)).toMatchObject({ messageId: 0, op: 'extended', responseName: '1.3.6.1.4.1.1466.20036' });
  });

  it('frames: needs more bytes, refuses indefinite, oversized and non-LDAP starts', () => {
    const full = response(1, 0x61, 0);
    expect(messageLength(full.subarray(0, 3))).toBe(0);
    expect(messageLength(full)).toBe(full.length);
    expect(() => messageLength(Buffer.from([0x30, 0x80]))).toThrow(BerError);
    expect(() => messageLength(Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]))).toThrow(/byte message \(limit/);
    expect(() => messageLength(Buffer.from('220 smtp ready'))).toThrow(/not an LDAP message/);
  });

  it('random and truncated input only ever gives BerError', () => {
    const good = response(3, 0x78, 0, 'ok', [tlv(0x8a, Buffer.from(STARTTLS_OID))]);
    for (let cut = 0; cut < good.length; cut++) {
      try {
        decodeResponse(good.subarray(0, cut));
      } catch (err) {
        expect(err).toBeInstanceOf(BerError);
      }
    }
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.concat([Buffer.from([0x30]), randomBytes(1 + (i % 40))]);
      try {
        decodeResponse(junk);
      } catch (err) {
        expect(err).toBeInstanceOf(BerError);
      }
    }
  });

  it('deep nesting is bounded', () => {
    let inner = tlv(0x04, Buffer.from('x'));
    for (let i = 0; i < 50; i++) inner = tlv(0x30, inner);
    const msg = tlv(0x30, tlv(0x02, Buffer.from([1])), tlv(0x61, inner));
    expect(() => decodeResponse(msg)).toThrow(BerError);
  });
});

describe('XML reader', () => {
  it('reads namespaced elements, attributes, CDATA and entities', () => {
    const root = parseXml(
      '<?xml version="1.0"?><!-- c --><md:A xmlns:md="urn:x" a="1 &amp; 2"><md:B>x &lt; y</md:B><C><![CDATA[<raw>]]></C><md:B/></md:A>',
    );
    expect(root).toMatchObject({ name: 'md:A', local: 'A', attrs: { 'xmlns:md': 'urn:x', a: '1 & 2' } });
    expect(findAll(root, 'B').map((b) => b.text)).toEqual(['x < y', '']);
    expect(findAll(root, 'C')[0]!.text).toBe('<raw>');
  });

  it.each([
    ['a DTD (billion laughs)', '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>', 'dtd'],
    ['an external entity', '<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', 'dtd'],
    ['an undeclared entity', '<x>&xxe;</x>', 'entity'],
    ['mismatched tags', '<a><b></a></b>', 'malformed'],
    ['an unclosed element', '<a><b></b>', 'malformed'],
    ['two roots', '<a/><b/>', 'malformed'],
    ['no root', '   ', 'malformed'],
  ])('refuses %s', (_, xml, kind) => {
    expect(() => parseXml(xml)).toThrow(XmlError);
    try {
      parseXml(xml);
    } catch (err) {
      expect((err as XmlError).kind).toBe(kind);
    }
  });

  it('caps size, depth and element count', () => {
    expect(() => parseXml(`<a>${'x'.repeat(2048)}</a>`, { maxBytes: 1024 })).toThrow(/larger than/);
    expect(() => parseXml(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`)).toThrow(/nested deeper/);
    expect(() => parseXml(`<r>${'<e/>'.repeat(50)}</r>`, { maxElements: 20 })).toThrow(/more than 20/);
  });

  it('attributes: no prototype, no duplicates, a bounded number', () => {
    const root = parseXml('<a __proto__="x" constructor="y"/>');
    expect(root.attrs.__proto__).toBe('x');
    expect(Object.getPrototypeOf(root.attrs)).toBeNull();
    expect(() => parseXml('<a b="1" b="2"/>')).toThrow(/twice/);
    expect(() => parseXml(`<a ${Array.from({ length: 100 }, (_, i) => `a${i}="1"`).join(' ')}/>`)).toThrow(/more than 64 attributes/);
  });

  it('random bytes only ever give XmlError', () => {
    for (let i = 0; i < 500; i++) {
      const text = `<a ${randomBytes(30).toString('latin1')}`;
      try {
        parseXml(text);
      } catch (err) {
        expect(err).toBeInstanceOf(XmlError);
      }
    }
  });
});

describe('SMB2 NEGOTIATE', () => {
  it('the request is a well-framed SMB2 NEGOTIATE with a preauth context', () => {
    const req = negotiateRequest();
    expect(req.readUInt32BE(0)).toBe(req.length - 4);
    expect(req.subarray(4, 8).toString('latin1')).toBe('\xfeSMB');
    const contextOffset = req.readUInt32LE(4 + 64 + 28);
    expect(contextOffset % 8).toBe(0);
    expect(req.readUInt16LE(4 + contextOffset)).toBe(1);
  });

  it('refuses SMB1 and garbage with typed errors', () => {
    expect(() => parseNegotiateResponse(Buffer.from('\xffSMBrest', 'latin1'))).toThrow(/SMB1/);
    expect(() => parseNegotiateResponse(randomBytes(100))).toThrow(PathError);
  });

  /** A NEGOTIATE response frame (without the NBSS header), patched. */
  const frame = (patch: (b: Buffer) => void = () => undefined) => {
    const b = Buffer.from(smb2NegotiateResponse(0x0311, true)).subarray(4);
    patch(b);
    return b;
  };
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return (err as PathError).code;
    }
    return 'no error';
  };

  it('takes only the dialects MS-SMB2 defines (0x0202, 0x0210, 0x02FF, 0x0300, 0x0302, 0x0311)', () => {
    expect(
      Object.keys(DIALECT_NAMES)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([0x0202, 0x0210, 0x02ff, 0x0300, 0x0302, 0x0311]);
    for (const d of Object.keys(DIALECT_NAMES).map(Number))
      expect(parseNegotiateResponse(frame((b) => b.writeUInt16LE(d, 64 + 4))).dialectRevision).toBe(d);
    for (const d of [0x0041, 0x0000, 0x0201, 0x0312, 0x02fe, 0xffff])
      expect(code(() => parseNegotiateResponse(frame((b) => b.writeUInt16LE(d, 64 + 4))))).toBe('SMB_BAD_DIALECT');
  });

  it('refuses answers that are cut short, mis-sized, or requests rather than responses', () => {
    expect(code(() => parseNegotiateResponse(frame().subarray(0, 72)))).toBe('SMB_BAD_ANSWER');
    expect(code(() => parseNegotiateResponse(frame((b) => b.writeUInt16LE(9, 64))))).toBe('SMB_BAD_ANSWER');
    expect(code(() => parseNegotiateResponse(frame((b) => b.writeUInt16LE(32, 4))))).toBe('SMB_BAD_ANSWER');
    expect(code(() => parseNegotiateResponse(frame((b) => b.writeUInt32LE(0, 16))))).toBe('SMB_BAD_ANSWER');
    expect(code(() => parseNegotiateResponse(negotiateRequest().subarray(4)))).toBe('SMB_BAD_ANSWER');
    // An error status is told apart, whatever the size of the error body.
    expect(code(() => parseNegotiateResponse(frame((b) => b.writeUInt32LE(0xc000000d, 8)).subarray(0, 64 + 9)))).toBe('SMB_STATUS');
  });
});

describe('LDAP exchange over a socket', () => {
  it('hands bytes after the answer to the next reader (StartTLS) instead of reading them as LDAP', async () => {
    const int = (tag: number, v: number) => tlv(tag, Buffer.from([v]));
    const answer = tlv(0x30, int(0x02, 1), tlv(0x78, int(0x0a, 0), tlv(0x04, Buffer.alloc(0)), tlv(0x04, Buffer.alloc(0))));
    const server = createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.write(Buffer.concat([answer, Buffer.from('\x16\x03\x03 not LDAP')])));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket: Socket = connect((server.address() as { port: number }).port, '127.0.0.1');
    socket.on('error', () => undefined);
    try {
      const result = await ldapExchange(socket, startTlsRequest(1), 1, 'extended', 3000, new AbortController().signal);
      expect(result).toMatchObject({ messageId: 1, op: 'extended', resultCode: 0 });
      await new Promise((r) => setTimeout(r, 50));
      expect(socket.read()?.toString('latin1')).toBe('\x16\x03\x03 not LDAP');
    } finally {
      socket.destroy();
      server.close();
    }
  });

  it('an answer of the wrong kind with the right message id is not LDAP', async () => {
    const server = createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', (d) => s.write(d));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket: Socket = connect((server.address() as { port: number }).port, '127.0.0.1');
    socket.on('error', () => undefined);
    try {
      await expect(
        ldapExchange(socket, bindRequest(1, 'cn=x', 'pw-secret'), 1, 'bind', 3000, new AbortController().signal),
      ).rejects.toMatchObject({ code: 'LDAP_BAD_ANSWER', detail: { first: expect.stringMatching(/^[0-9a-f]{16}$/) } });
    } finally {
      socket.destroy();
      server.close();
    }
  });
});

describe('peer text', () => {
  it('drops control and bidi characters, bounds the length, and never reads as a message reference', () => {
    expect(peerText('\u001b[2Jhello\u0007 \u202eworld\n')).toBe('[2Jhello world');
    expect(peerText('x'.repeat(1_000_000), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(peerText('@directory.fix')).toBe('(@directory.fix)');
    expect(peerText('密码'.repeat(200), 3)).toBe('密码密…');
  });
});

describe('OIDC discovery and JWKS reviews', () => {
  it('locates the configuration from an issuer or from the document URL', () => {
    expect(discoveryLocation('https://idp.example/tenant/')).toEqual({
      discoveryUrl: 'https://idp.example/tenant/.well-known/openid-configuration',
      expectedIssuer: 'https://idp.example/tenant',
    });
    expect(discoveryLocation('https://idp.example/.well-known/openid-configuration')).toEqual({
      discoveryUrl: 'https://idp.example/.well-known/openid-configuration',
      expectedIssuer: 'https://idp.example',
    });
  });

  it('finds missing fields, a different issuer, http endpoints and alg none', () => {
    const r = reviewDiscovery(
      {
        issuer: 'https://other.example',
        authorization_endpoint: 'http://idp.example/auth',
        id_token_signing_alg_values_supported: ['none'],
      },
      'https://idp.example',
    );
    expect(r.problems.map((p) => p.kind)).toEqual(
      expect.arrayContaining(['missing', 'issuer-mismatch', 'not-https', 'alg-none', 'no-rs256']),
    );
  });

  it('wrongly typed fields are problems of their own, and peer text is bounded', () => {
    const r = reviewDiscovery(
      {
        issuer: 42,
        authorization_endpoint: ['x'],
        token_endpoint: 'https://idp.example/t',
        jwks_uri: 'https://idp.example/k',
        response_types_supported: 'code',
        subject_types_supported: [1],
        id_token_signing_alg_values_supported: ['RS256'],
      },
      'https://idp.example',
    );
    expect(r.problems).toEqual(
      expect.arrayContaining([
        { kind: 'wrong-type', field: 'issuer', expected: 'string' },
        { kind: 'wrong-type', field: 'authorization_endpoint', expected: 'string' },
        { kind: 'wrong-type', field: 'response_types_supported', expected: 'array' },
        { kind: 'wrong-type', field: 'subject_types_supported', expected: 'array' },
      ]),
    );
    const long = reviewDiscovery(
      { issuer: `\u001b]0;x\u0007${'i'.repeat(100_000)}`, jwks_uri: `https://idp.example/${'k'.repeat(5000)}` },
      'https://idp.example',
    );
    expect(long.issuer!.length).toBeLessThanOrEqual(301);
    expect(long.issuer).not.toMatch(/\u001b/);
    expect(long.endpoints.jwks_uri).toBeUndefined();
    expect(long.problems).toContainEqual(expect.objectContaining({ kind: 'bad-url', field: 'jwks_uri' }));
  });

  it('a key set of arrays, key-less types and modulus-less RSA has no usable key', () => {
    const r = reviewJwks({ keys: [[[[]]], { kid: 'a' }, { kty: 'RSA', kid: 'b', n: 12345 }, null] });
    expect(r.keys).toEqual([]);
    expect(r.problems.map((p) => p.kind)).toEqual(['malformed', 'malformed', 'malformed', 'malformed']);
  });

  it('measures RSA moduli and flags weak, symmetric and alg-none keys', () => {
    const n2048 = Buffer.concat([Buffer.from([0xc0]), randomBytes(255)]).toString('base64url');
    const n1024 = Buffer.concat([Buffer.from([0x00, 0x80]), randomBytes(127)]).toString('base64url');
    const r = reviewJwks({
      keys: [
        { kty: 'RSA', kid: 'a', n: n2048, e: 'AQAB' },
        { kty: 'RSA', kid: 'b', n: n1024, e: 'AQAB', alg: 'none' },
        { kty: 'oct', kid: 'c', k: 'c2VjcmV0' },
        'junk',
      ],
    });
    expect(r.keys.map((k) => k.bits)).toEqual([2048, 1024, undefined]);
    expect(r.problems.map((p) => p.kind).sort()).toEqual(['alg-none', 'malformed', 'symmetric', 'weak-rsa']);
    expect(reviewJwks({ nokeys: true }).error).toMatch(/keys/);
  });
});

describe('SAML metadata review', () => {
  it('bounds and cleans what the metadata says about itself', () => {
    const xml = `<md:EntityDescriptor xmlns:md="urn:x" entityID="&#x1b;[2J${'e'.repeat(5000)}" validUntil="${'9'.repeat(500)}"><md:IDPSSODescriptor><md:SingleSignOnService Binding="${'b'.repeat(500)}" Location="https://idp.example/${'l'.repeat(5000)}"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
    const r = reviewMetadata(xml);
    expect(r.entityId!.length).toBeLessThanOrEqual(301);
    expect(r.entityId).not.toMatch(/\u001b/);
    expect(r.validUntil!.length).toBeLessThanOrEqual(65);
    expect(r.endpoints[0]!.binding.length).toBeLessThanOrEqual(101);
    expect(r.endpoints[0]!.location.length).toBeLessThanOrEqual(2049);
  });
});
