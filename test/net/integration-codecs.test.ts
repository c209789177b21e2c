// The parsers the integration checks feed with other servers' bytes: the LDAP BER codec, the
// XML reader, the SMB2 NEGOTIATE parser, and the OIDC / JWKS reviews. Hostile input must end in
// a typed error, never an exception from a buffer read, a hang or an expansion.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PathError } from '../../src/net/classify.js';
import { BerError, bindRequest, decodeResponse, messageLength, readTlv, startTlsRequest, STARTTLS_OID, tlv } from '../../src/net/ldap.js';
import { negotiateRequest, parseNegotiateResponse } from '../../src/net/smb.js';
import { discoveryLocation, reviewDiscovery, reviewJwks } from '../../src/integration/oidc.js';
import { findAll, parseXml, XmlError } from '../../src/util/xml.js';

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
    expect(decodeResponse(response(2, 0x61, 49, '80090308: data 52e'))).toMatchObject({ messageId: 2, op: 'bind', resultCode: 49, diagnosticMessage: '80090308: data 52e' });
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
    const root = parseXml('<?xml version="1.0"?><!-- c --><md:A xmlns:md="urn:x" a="1 &amp; 2"><md:B>x &lt; y</md:B><C><![CDATA[<raw>]]></C><md:B/></md:A>');
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
});

describe('OIDC discovery and JWKS reviews', () => {
  it('locates the configuration from an issuer or from the document URL', () => {
    expect(discoveryLocation('https://idp.example/tenant/')).toEqual({ discoveryUrl: 'https://idp.example/tenant/.well-known/openid-configuration', expectedIssuer: 'https://idp.example/tenant' });
    expect(discoveryLocation('https://idp.example/.well-known/openid-configuration')).toEqual({ discoveryUrl: 'https://idp.example/.well-known/openid-configuration', expectedIssuer: 'https://idp.example' });
  });

  it('finds missing fields, a different issuer, http endpoints and alg none', () => {
    const r = reviewDiscovery({ issuer: 'https://other.example', authorization_endpoint: 'http://idp.example/auth', id_token_signing_alg_values_supported: ['none'] }, 'https://idp.example');
    expect(r.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['missing', 'issuer-mismatch', 'not-https', 'alg-none', 'no-rs256']));
  });

  it('measures RSA moduli and flags weak, symmetric and alg-none keys', () => {
    const n2048 = Buffer.concat([Buffer.from([0xc0]), randomBytes(255)]).toString('base64url');
    const n1024 = Buffer.concat([Buffer.from([0x00, 0x80]), randomBytes(127)]).toString('base64url');
    const r = reviewJwks({ keys: [{ kty: 'RSA', kid: 'a', n: n2048, e: 'AQAB' }, { kty: 'RSA', kid: 'b', n: n1024, e: 'AQAB', alg: 'none' }, { kty: 'oct', kid: 'c', k: 'c2VjcmV0' }, 'junk'] });
    expect(r.keys.map((k) => k.bits)).toEqual([2048, 1024, undefined]);
    expect(r.problems.map((p) => p.kind).sort()).toEqual(['alg-none', 'malformed', 'symmetric', 'weak-rsa']);
    expect(reviewJwks({ nokeys: true }).error).toMatch(/keys/);
  });
});
