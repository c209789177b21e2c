// The STUN codec against the RFC 5769 test vectors (short-term and long-term credentials, IPv4
// and IPv6), round trips of every attribute the client uses, and a fuzz-ish run of random,
// truncated and mangled bytes that must only ever produce StunDecodeError.

import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Attr,
  ERROR_NAMES,
  appendFingerprint,
  appendIntegrity,
  Method,
  StunDecodeError,
  attr,
  crc32,
  decodeMessage,
  encodeMessage,
  frameLength,
  getAddress,
  getChangeRequest,
  getChannelNumber,
  getData,
  getErrorCode,
  getRequestedTransport,
  getString,
  getUint32,
  longTermKey,
  messageType,
  shortTermKey,
  splitMessageType,
  tryDecodeMessage,
  verifyIntegrity,
  verifyIntegritySha256,
  integrityOf,
  type StunMessage,
} from '../../src/net/stun.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 §2.1: sample request, short-term credentials.
const SAMPLE_REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
// §2.2: IPv4 response.
const SAMPLE_IPV4_RESPONSE = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);
// §2.3: IPv6 response.
const SAMPLE_IPV6_RESPONSE = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);
// §2.4: request with long-term credentials (no FINGERPRINT).
const SAMPLE_LONG_TERM_REQUEST = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`);

const SHORT_TERM_PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt';
const LONG_TERM_USER = '\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9';
const LONG_TERM_PASSWORD = 'The\u00ADM\u00AAtr\u2168';

describe('RFC 5769 test vectors', () => {
  it('§2.1 sample request: header, attributes, short-term MESSAGE-INTEGRITY and FINGERPRINT', () => {
    const m = decodeMessage(SAMPLE_REQUEST);
    expect(m.method).toBe(Method.Binding);
    expect(m.cls).toBe('request');
    expect(m.transactionId.toString('hex')).toBe('b7e7a701bc34d686fa87dfae');
    expect(getString(m, Attr.SOFTWARE)).toBe('STUN test client');
    expect(getString(m, Attr.USERNAME)).toBe('evtj:h6vY');
    expect(getUint32(m, 0x0024)).toBe(0x6e0001ff); // PRIORITY, an attribute the codec does not know: kept raw
    expect(m.fingerprint).toBe('valid');
    expect(verifyIntegrity(m, shortTermKey(SHORT_TERM_PASSWORD))).toBe(true);
    expect(verifyIntegrity(m, shortTermKey('wrong'))).toBe(false);
  });

  it('§2.2 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const m = decodeMessage(SAMPLE_IPV4_RESPONSE);
    expect(m.cls).toBe('success');
    expect(getString(m, Attr.SOFTWARE)).toBe('test vector');
    expect(getAddress(m, Attr.XOR_MAPPED_ADDRESS)).toEqual({ family: 4, address: '192.0.2.1', port: 32853 });
    expect(m.fingerprint).toBe('valid');
    expect(verifyIntegrity(m, shortTermKey(SHORT_TERM_PASSWORD))).toBe(true);
  });

  it('§2.3 IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const m = decodeMessage(SAMPLE_IPV6_RESPONSE);
    expect(getAddress(m, Attr.XOR_MAPPED_ADDRESS)).toEqual({ family: 6, address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
    expect(m.fingerprint).toBe('valid');
    expect(verifyIntegrity(m, shortTermKey(SHORT_TERM_PASSWORD))).toBe(true);
  });

  it('§2.4 long-term credentials: key = MD5(user:realm:SASLprep(password))', () => {
    const m = decodeMessage(SAMPLE_LONG_TERM_REQUEST);
    expect(getString(m, Attr.USERNAME)).toBe(LONG_TERM_USER);
    expect(getString(m, Attr.REALM)).toBe('example.org');
    expect(getString(m, Attr.NONCE)).toBe('f//499k954d6OL34oL9FSTvy64sA');
    expect(m.fingerprint).toBe('absent');
    expect(verifyIntegrity(m, longTermKey(LONG_TERM_USER, 'example.org', LONG_TERM_PASSWORD))).toBe(true);
    // SASLprep turned the password into "TheMatrIX".
    expect(longTermKey(LONG_TERM_USER, 'example.org', 'TheMatrIX')).toEqual(longTermKey(LONG_TERM_USER, 'example.org', LONG_TERM_PASSWORD));
    expect(verifyIntegrity(m, longTermKey(LONG_TERM_USER, 'example.org', 'TheMatrix'))).toBe(false);
  });

  it('the encoder reproduces every vector byte for byte', () => {
    const tid = hex('b7e7a701bc34d686fa87dfae');
    const key = shortTermKey(SHORT_TERM_PASSWORD);
    // The vectors pad with spaces (any pad value is allowed; we write zeros). MESSAGE-INTEGRITY and
    // FINGERPRINT cover the padding, so put the vector's pad bytes in before signing.
    const sign = (body: Buffer, spaces: Array<[number, number]>, fingerprint = true) => {
      for (const [from, to] of spaces) body.fill(0x20, from, to);
      const signed = appendIntegrity(body, key);
      return fingerprint ? appendFingerprint(signed) : signed;
    };

    const request = encodeMessage({
      method: Method.Binding,
      cls: 'request',
      transactionId: tid,
      attributes: [
        attr.software('STUN test client'),
        attr.raw(0x0024, hex('6e0001ff')),
        attr.raw(0x8029, hex('932ff9b151263b36')),
        attr.username('evtj:h6vY'),
      ],
    });
    expect(sign(request, [[request.length - 3, request.length]]).toString('hex')).toBe(SAMPLE_REQUEST.toString('hex'));

    const ipv4 = encodeMessage({
      method: Method.Binding,
      cls: 'success',
      transactionId: tid,
      attributes: [attr.software('test vector'), attr.xorMappedAddress({ family: 4, address: '192.0.2.1', port: 32853 })],
    });
    expect(sign(ipv4, [[35, 36]]).toString('hex')).toBe(SAMPLE_IPV4_RESPONSE.toString('hex'));

    const ipv6 = encodeMessage({
      method: Method.Binding,
      cls: 'success',
      transactionId: tid,
      attributes: [
        attr.software('test vector'),
        attr.xorMappedAddress({ family: 6, address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 }),
      ],
    });
    expect(sign(ipv6, [[35, 36]]).toString('hex')).toBe(SAMPLE_IPV6_RESPONSE.toString('hex'));

    // The long-term request is padded with zeros: encodeMessage alone reproduces it.
    const lt = encodeMessage(
      {
        method: Method.Binding,
        cls: 'request',
        transactionId: hex('78ad3433c6ad72c029da412e'),
        attributes: [attr.username(LONG_TERM_USER), attr.nonce('f//499k954d6OL34oL9FSTvy64sA'), attr.realm('example.org')],
      },
      { integrityKey: longTermKey(LONG_TERM_USER, 'example.org', LONG_TERM_PASSWORD) },
    );
    expect(lt.toString('hex')).toBe(SAMPLE_LONG_TERM_REQUEST.toString('hex'));
  });
});

describe('codec round trips', () => {
  it('message type packs method and class as RFC 8489 §5 says', () => {
    expect(messageType(Method.Binding, 'request')).toBe(0x0001);
    expect(messageType(Method.Binding, 'success')).toBe(0x0101);
    expect(messageType(Method.Binding, 'error')).toBe(0x0111);
    expect(messageType(Method.Allocate, 'request')).toBe(0x0003);
    expect(messageType(Method.Allocate, 'error')).toBe(0x0113);
    expect(messageType(Method.Send, 'indication')).toBe(0x0016);
    expect(messageType(Method.Data, 'indication')).toBe(0x0017);
    expect(messageType(Method.CreatePermission, 'success')).toBe(0x0108);
    for (let method = 0; method < 0x1000; method += 37) {
      for (const cls of ['request', 'indication', 'success', 'error'] as const) {
        expect(splitMessageType(messageType(method, cls))).toEqual({ method, cls });
      }
    }
  });

  it('every attribute the client uses survives encode → decode', () => {
    const peer6 = { family: 6 as const, address: '::1', port: 40000 };
    const msg = encodeMessage(
      {
        method: Method.Allocate,
        cls: 'error',
        attributes: [
          attr.errorCode(437),
          attr.realm('test.local'),
          attr.nonce('abc'),
          attr.username('alice'),
          attr.software('siteready'),
          attr.lifetime(600),
          attr.requestedTransport(),
          attr.xorRelayedAddress({ family: 4, address: '10.1.2.3', port: 50000 }),
          attr.xorPeerAddress(peer6),
          attr.mappedAddress({ family: 4, address: '198.51.100.7', port: 1 }),
          attr.responseOrigin({ family: 6, address: 'fe80::1:2', port: 3478 }),
          attr.otherAddress({ family: 4, address: '127.0.0.2', port: 3479 }),
          attr.changeRequest({ changeIp: true, changePort: false }),
          attr.data(Buffer.from('hello')),
          attr.channelNumber(0x4001),
        ],
      },
      { integrityKey: longTermKey('alice', 'test.local', 'secret'), fingerprint: true },
    );
    const m = decodeMessage(msg);
    expect(m.cls).toBe('error');
    expect(getErrorCode(m)).toEqual({ code: 437, reason: ERROR_NAMES[437] });
    expect(getString(m, Attr.REALM)).toBe('test.local');
    expect(getString(m, Attr.NONCE)).toBe('abc');
    expect(getUint32(m, Attr.LIFETIME)).toBe(600);
    expect(getRequestedTransport(m)).toBe(17);
    expect(getAddress(m, Attr.XOR_RELAYED_ADDRESS)).toEqual({ family: 4, address: '10.1.2.3', port: 50000 });
    expect(getAddress(m, Attr.XOR_PEER_ADDRESS)).toEqual(peer6);
    expect(getAddress(m, Attr.MAPPED_ADDRESS)).toEqual({ family: 4, address: '198.51.100.7', port: 1 });
    expect(getAddress(m, Attr.RESPONSE_ORIGIN)).toEqual({ family: 6, address: 'fe80::1:2', port: 3478 });
    expect(getAddress(m, Attr.OTHER_ADDRESS)).toEqual({ family: 4, address: '127.0.0.2', port: 3479 });
    expect(getChangeRequest(m)).toEqual({ changeIp: true, changePort: false });
    expect(getData(m)?.toString()).toBe('hello');
    expect(getChannelNumber(m)).toBe(0x4001);
    expect(m.fingerprint).toBe('valid');
    expect(verifyIntegrity(m, longTermKey('alice', 'test.local', 'secret'))).toBe(true);
    expect(verifyIntegrity(m, longTermKey('alice', 'test.local', 'wrong'))).toBe(false);
  });

  it('a flipped bit breaks FINGERPRINT; attributes after MESSAGE-INTEGRITY are ignored', () => {
    const good = encodeMessage({ method: Method.Binding, cls: 'request', attributes: [attr.software('x')] }, { fingerprint: true });
    const bad = Buffer.from(good);
    bad[25] = bad[25]! ^ 1;
    expect(decodeMessage(bad).fingerprint).toBe('invalid');

    const withMi = encodeMessage(
      { method: Method.Binding, cls: 'request', attributes: [attr.software('x')] },
      { integrityKey: shortTermKey('pw12') },
    );
    // Append a SOFTWARE after MI and fix the length: it must be dropped, not read.
    const extra = Buffer.concat([withMi, hex('8022000479797979')]);
    extra.writeUInt16BE(extra.length - 20, 2);
    const m = decodeMessage(extra);
    expect(m.attributes.filter((a) => a.type === Attr.SOFTWARE)).toHaveLength(1);
    expect(getString(m, Attr.SOFTWARE)).toBe('x');
  });

  it('MESSAGE-INTEGRITY-SHA256: full and truncated HMACs verify, a tampered one does not; integrityOf says which', () => {
    const key = longTermKey('alice', 'test.local', 'secret');
    const withSha256 = (macBytes: number) => {
      const body = encodeMessage({
        method: Method.Allocate,
        cls: 'success',
        transactionId: Buffer.alloc(12, 7),
        attributes: [attr.lifetime(600)],
      });
      const out = Buffer.concat([body, Buffer.alloc(4 + macBytes)]);
      out.writeUInt16BE(out.length - 20, 2);
      out.writeUInt16BE(Attr.MESSAGE_INTEGRITY_SHA256, body.length);
      out.writeUInt16BE(macBytes, body.length + 2);
      createHmac('sha256', key)
        .update(out.subarray(0, body.length))
        .digest()
        .subarray(0, macBytes)
        .copy(out, body.length + 4);
      return out;
    };
    for (const n of [32, 16]) {
      const m = decodeMessage(withSha256(n));
      expect(verifyIntegritySha256(m, key)).toBe(true);
      expect(integrityOf(m, key)).toBe('valid');
      expect(integrityOf(m, longTermKey('alice', 'test.local', 'wrong'))).toBe('invalid');
    }
    const tampered = withSha256(32);
    tampered[24] = tampered[24]! ^ 1;
    expect(integrityOf(decodeMessage(tampered), key)).toBe('invalid');
    const sha1 = decodeMessage(
      encodeMessage({ method: Method.Allocate, cls: 'success', attributes: [attr.lifetime(1)] }, { integrityKey: key }),
    );
    expect(integrityOf(sha1, key)).toBe('valid');
    expect(
      integrityOf(decodeMessage(encodeMessage({ method: Method.Allocate, cls: 'success', attributes: [attr.lifetime(1)] })), key),
    ).toBe('absent');
  });

  it('CRC-32 is the IEEE one', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('frames a stream: STUN by its length field, ChannelData padded to 4', () => {
    const m = encodeMessage({ method: Method.Binding, cls: 'request' });
    expect(frameLength(m.subarray(0, 3))).toBeUndefined();
    expect(frameLength(m)).toEqual({ kind: 'stun', length: 20 });
    expect(frameLength(hex('40000005 0102030405'))).toEqual({ kind: 'channel-data', length: 12 });
    expect(() => frameLength(Buffer.from('SSH-2.0-OpenSSH_9.2p1'))).toThrow(StunDecodeError);
    expect(() => frameLength(hex('16030100 2a010000 26030300'))).toThrow(StunDecodeError); // a TLS record
    expect(() => frameLength(hex('0001 0003 2112a442'))).toThrow(StunDecodeError);
    expect(frameLength(m.subarray(0, 7))).toBeUndefined();
  });
});

describe('malformed input → StunDecodeError, nothing else', () => {
  const reasonOf = (buf: Buffer) => {
    const r = tryDecodeMessage(buf);
    return r.error?.reason;
  };

  it('names what is wrong', () => {
    expect(reasonOf(Buffer.alloc(0))).toBe('too-short');
    expect(reasonOf(SAMPLE_REQUEST.subarray(0, 19))).toBe('too-short');
    expect(reasonOf(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe('not-stun');
    const noCookie = Buffer.from(SAMPLE_IPV4_RESPONSE);
    noCookie.writeUInt32BE(0, 4);
    expect(reasonOf(noCookie)).toBe('bad-magic-cookie');
    expect(reasonOf(SAMPLE_IPV4_RESPONSE.subarray(0, 60))).toBe('truncated');
    expect(reasonOf(Buffer.concat([SAMPLE_IPV4_RESPONSE, Buffer.alloc(4)]))).toBe('trailing-bytes');
    const oddLength = Buffer.from(SAMPLE_IPV4_RESPONSE);
    oddLength.writeUInt16BE(0x3b, 2);
    expect(reasonOf(oddLength.subarray(0, 20 + 0x3b))).toBe('bad-length');
    // An attribute whose length runs past the end.
    const longAttr = Buffer.from(SAMPLE_IPV4_RESPONSE);
    longAttr.writeUInt16BE(0x0100, 22);
    expect(reasonOf(longAttr)).toBe('truncated-attribute');
    // XOR-MAPPED-ADDRESS with family 3, and one too short for IPv6.
    const badFamily = Buffer.from(SAMPLE_IPV4_RESPONSE);
    badFamily[41] = 0x03;
    expect(reasonOf(badFamily)).toBe('bad-attribute');
    const shortV6 = Buffer.from(SAMPLE_IPV4_RESPONSE);
    shortV6[41] = 0x02;
    expect(reasonOf(shortV6)).toBe('bad-attribute');
    // Something after FINGERPRINT.
    const after = Buffer.concat([SAMPLE_IPV4_RESPONSE, hex('80220000')]);
    after.writeUInt16BE(after.length - 20, 2);
    expect(reasonOf(after)).toBe('fingerprint-not-last');
    // ERROR-CODE with a class outside 3..6.
    const err = encodeMessage({ method: 1, cls: 'error', attributes: [attr.raw(Attr.ERROR_CODE, hex('00000200'))] });
    expect(reasonOf(err)).toBe('bad-attribute');
  });

  function expectOnlyTypedErrors(buf: Buffer): StunMessage | undefined {
    try {
      return decodeMessage(buf);
    } catch (err) {
      if (!(err instanceof StunDecodeError)) throw new Error(`decoder threw ${String(err)} for ${buf.toString('hex')}`, { cause: err });
      expect(err.reason).toEqual(expect.any(String));
      return undefined;
    }
  }

  it('random bytes, every truncation and bit flips of valid messages never throw anything else', () => {
    const seeds = [SAMPLE_REQUEST, SAMPLE_IPV4_RESPONSE, SAMPLE_IPV6_RESPONSE, SAMPLE_LONG_TERM_REQUEST];
    let decoded = 0;
    for (const seed of seeds) {
      for (let n = 0; n <= seed.length; n++) if (expectOnlyTypedErrors(seed.subarray(0, n))) decoded++;
      for (let i = 0; i < 1000; i++) {
        const b = Buffer.from(seed);
        const flips = 1 + (i % 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(Math.random() * b.length);
          b[at] = b[at]! ^ (1 << Math.floor(Math.random() * 8));
        }
        const m = expectOnlyTypedErrors(b);
        if (m) {
          decoded++;
          // Whatever decoded must be readable without surprises: the getters never throw.
          for (const a of m.attributes) {
            getAddress(m, a.type);
            getErrorCode(m);
            getString(m, a.type);
            getUint32(m, a.type);
          }
        }
      }
    }
    // Header-shaped garbage: cookie in place, random length and attributes.
    for (let i = 0; i < 3000; i++) {
      const body = randomBytes(Math.floor(Math.random() * 120));
      const head = Buffer.alloc(20);
      head.writeUInt16BE(Math.floor(Math.random() * 0x3fff), 0);
      head.writeUInt16BE(i % 3 === 0 ? body.length - (body.length % 4) : Math.floor(Math.random() * 200), 2);
      head.writeUInt32BE(0x2112a442, 4);
      randomBytes(12).copy(head, 8);
      if (expectOnlyTypedErrors(Buffer.concat([head, body]))) decoded++;
      expectOnlyTypedErrors(randomBytes(Math.floor(Math.random() * 64)));
    }
    // Some inputs are valid (every prefix-free truncation at n = length, flips in opaque values).
    expect(decoded).toBeGreaterThan(0);
  });

  it('stream framing of random bytes: a frame, "need more", or StunDecodeError — nothing else', () => {
    for (let i = 0; i < 3000; i++) {
      const b = randomBytes(Math.floor(Math.random() * 40));
      try {
        const f = frameLength(b);
        if (f) expect(f.length).toBeGreaterThanOrEqual(4);
      } catch (err) {
        expect(err).toBeInstanceOf(StunDecodeError);
      }
    }
  });

  it('a non-buffer is a typed error too', () => {
    expect(() => decodeMessage('not bytes' as unknown as Buffer)).toThrow(StunDecodeError);
    expect(tryDecodeMessage(undefined as unknown as Buffer).error?.reason).toBe('not-a-buffer');
  });
});
