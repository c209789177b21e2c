// The raw TLS codec: ClientHello bytes checked by hand, server flights parsed however they are
// cut into records and TCP reads, and thousands of truncated or mutated flights that must end in
// TlsWireError and nothing else.

import { createECDH, createPublicKey, generatePrimeSync, getDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildClientHello,
  buildClientHelloMessage,
  buildHeartbeatProbe,
  buildSslv2ClientHello,
  FlightAssembler,
  flightDecided,
  parseFlight,
  RecordReader,
  TlsWireError,
  type ServerFlight,
} from '../../src/tls/codec.js';
import {
  alertRecord,
  certificate,
  certificateStatus,
  decodeClientHello,
  dheKeyExchange,
  ecdheKeyExchange,
  ext,
  handshake,
  HRR_RANDOM,
  record,
  seededRandom,
  serverHello,
  serverHelloDone,
  sslv2ServerHello,
  tls12Flight,
} from './helpers/server-bytes.js';

const RANDOM = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

// RFC 7919 ffdhe2048 prime (as `openssl genpkey -genparam -pkeyopt group:ffdhe2048` prints it).
const FFDHE2048 = Buffer.from(
  'FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF',
  'hex',
);

function feed(bytes: Buffer, cuts: number[], opts = {}): ServerFlight {
  const reader = new RecordReader(opts);
  const asm = new FlightAssembler();
  let last = 0;
  for (const c of [...cuts, bytes.length]) {
    asm.add(reader.push(bytes.subarray(last, c)));
    last = c;
  }
  expect(reader.pending).toBe(0);
  return asm.flight;
}

describe('ClientHello builder', () => {
  it('builds the minimal hello byte for byte', () => {
    const bytes = buildClientHello({ version: 0x0303, suites: [0xc02f], random: RANDOM, serverName: 'a.b' });
    const expected = Buffer.concat([
      Buffer.from('160301003b', 'hex'), // handshake record, TLS 1.0 record version, 59 bytes
      Buffer.from('01000037', 'hex'), // ClientHello, 55 bytes
      Buffer.from('0303', 'hex'), // legacy_version TLS 1.2
      RANDOM,
      Buffer.from('00', 'hex'), // empty session id
      Buffer.from('0002c02f', 'hex'), // one suite
      Buffer.from('0100', 'hex'), // compression: null
      Buffer.from('000c', 'hex'), // 12 bytes of extensions
      Buffer.from('0000' + '0008' + '0006' + '00' + '0003' + '612e62', 'hex'), // server_name: list of one host_name "a.b"
    ]);
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
  });

  it('pads a hello of 256–511 bytes to 512, and leaves others alone', () => {
    for (let n = 1; n < 300; n++) {
      const suites = Array.from({ length: n }, (_, i) => i + 1);
      const unpadded = buildClientHelloMessage({ version: 0x0303, suites, random: RANDOM, padding: false, renegotiationInfo: true });
      const padded = buildClientHelloMessage({ version: 0x0303, suites, random: RANDOM, renegotiationInfo: true });
      if (unpadded.length >= 256 && unpadded.length < 512) {
        expect(padded.length, `n=${n}`).toBeGreaterThanOrEqual(512);
        expect(padded.length, `n=${n}`).toBeLessThanOrEqual(515);
        expect(
          decodeClientHello(
            Buffer.concat([Buffer.from([22, 3, 1, padded.length >> 8, padded.length & 255]), padded]),
          )!.hello.extensions.has(21),
        ).toBe(true);
      } else {
        expect(padded.equals(unpadded), `n=${n}`).toBe(true);
      }
    }
  });

  it('offers real key shares: X25519 raw, P-256 and P-384 uncompressed points a peer can use', () => {
    const bytes = buildClientHello({
      version: 0x0303,
      suites: [0x1301],
      supportedVersions: [0x0304],
      keyShares: [{ group: 0x1d }, { group: 0x17 }, { group: 0x18 }],
    });
    const { hello } = decodeClientHello(bytes)!;
    expect(hello.supportedVersions).toEqual([0x0304]);
    const ks = hello.extensions.get(51)!;
    const entries: Array<{ group: number; key: Buffer }> = [];
    for (let p = 2; p < ks.length;) {
      const group = ks.readUInt16BE(p);
      const len = ks.readUInt16BE(p + 2);
      entries.push({ group, key: ks.subarray(p + 4, p + 4 + len) });
      p += 4 + len;
    }
    expect(entries.map((e) => [e.group, e.key.length])).toEqual([
      [0x1d, 32],
      [0x17, 65],
      [0x18, 97],
    ]);
    // The peer side can derive a secret from each share: they are points on the curves.
    const x = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: entries[0]!.key.toString('base64url') }, format: 'jwk' });
    expect(x.asymmetricKeyType).toBe('x25519');
    const peer = (curve: string) => {
      const e = createECDH(curve);
      e.generateKeys();
      return e;
    };
    expect(peer('prime256v1').computeSecret(entries[1]!.key).length).toBe(32);
    expect(peer('secp384r1').computeSecret(entries[2]!.key).length).toBe(48);
  });

  it('sends an empty key_share list on request (to provoke a HelloRetryRequest)', () => {
    const { hello } = decodeClientHello(
      buildClientHello({ version: 0x0303, suites: [0x1301], supportedVersions: [0x0304], groups: [0x1d], keyShares: [] }),
    )!;
    expect(hello.extensions.get(51)!.toString('hex')).toBe('0000');
  });

  it('writes each optional extension in the wire format its RFC gives', () => {
    const { hello } = decodeClientHello(
      buildClientHello({
        version: 0x0303,
        suites: [0xc02f],
        alpn: ['h2', 'http/1.1'],
        statusRequest: true,
        renegotiationInfo: true,
        extendedMasterSecret: true,
        encryptThenMac: true,
        sessionTicket: true,
        heartbeat: true,
        groups: [0x1d, 0x17],
        ecPointFormats: [0, 1, 2],
        signatureAlgorithms: [0x0804, 0x0403],
        compression: [1, 0],
      }),
    )!;
    const hex = (t: number) => hello.extensions.get(t)?.toString('hex');
    expect(hex(16)).toBe('000c02683208687474702f312e31');
    expect(hex(5)).toBe('0100000000');
    expect(hex(0xff01)).toBe('00');
    expect(hex(23)).toBe('');
    expect(hex(22)).toBe('');
    expect(hex(35)).toBe('');
    expect(hex(15)).toBe('01');
    expect(hex(10)).toBe('0004001d0017');
    expect(hex(11)).toBe('03000102');
    expect(hex(13)).toBe('000408040403');
    expect(hello.compression).toEqual([1, 0]);
  });

  it('builds an SSLv3 hello without extensions and a TLCP hello with version 0x0101', () => {
    const v3 = buildClientHello({ version: 0x0300, suites: [0x000a], renegotiationScsv: true, noExtensions: true, random: RANDOM });
    expect(decodeClientHello(v3)!.hello.suites).toEqual([0x000a, 0x00ff]);
    expect(decodeClientHello(buildClientHello({ version: 0x0302, suites: [0x002f], fallbackScsv: true }))!.hello.suites).toEqual([
      0x002f, 0x5600,
    ]);
    expect(v3.subarray(0, 3).toString('hex')).toBe('160300');
    expect(v3.length).toBe(5 + 4 + 2 + 32 + 1 + 2 + 4 + 2);
    const tlcp = buildClientHello({ version: 0x0101, suites: [0xe013], random: RANDOM, padding: false });
    expect(tlcp.subarray(0, 3).toString('hex')).toBe('160101');
    expect(decodeClientHello(tlcp)!.hello.version).toBe(0x0101);
  });

  it('builds the SSLv2 CLIENT-HELLO byte for byte', () => {
    const challenge = Buffer.alloc(16, 0xab);
    const bytes = buildSslv2ClientHello([0x010080, 0x0700c0], challenge);
    expect(bytes.toString('hex')).toBe(
      '801f' + // two-byte header: 31 bytes follow
        '01' + // MSG-CLIENT-HELLO
        '0002' + // SSL 2.0
        '0006' + // cipher specs length
        '0000' + // session id length
        '0010' + // challenge length
        '010080' + // SSL_CK_RC4_128_WITH_MD5
        '0700c0' + // SSL_CK_DES_192_EDE3_CBC_WITH_MD5
        'ab'.repeat(16),
    );
  });

  it('builds a heartbeat request whose payload_length leaves no room for the mandatory padding', () => {
    const payload = Buffer.from('0123456789abcdef');
    const bytes = buildHeartbeatProbe(0x0302, payload);
    // record: heartbeat(24), TLS 1.1, 19 bytes = type + length + 16-byte payload, no padding
    expect(bytes.subarray(0, 5).toString('hex')).toBe('1803020013');
    expect(bytes.subarray(5, 8).toString('hex')).toBe('010010');
    expect(bytes.subarray(8).equals(payload)).toBe(true);
  });
});

describe('server flight parser', () => {
  it('parses a TLS 1.2 first flight: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone', () => {
    const f = parseFlight(tls12Flight());
    expect(f.serverHello).toMatchObject({
      version: 0x0303,
      cipherSuite: 0xc02f,
      compression: 0,
      extendedMasterSecret: true,
      helloRetryRequest: false,
    });
    expect(f.serverHello!.renegotiationInfo!.length).toBe(0);
    expect(f.serverHello!.sessionId.length).toBe(32);
    expect(f.certificates!.map((c) => c.length)).toEqual([300, 200]);
    expect(f.serverKeyExchange).toMatchObject({ kind: 'ecdhe', namedCurve: 0x1d, group: 'x25519', bits: 253 });
    expect(f.serverHelloDone).toBe(true);
    expect(flightDecided(f)).toBe(true);
  });

  it('reassembles the same flight however records and reads cut it', () => {
    const msgs = tls12Flight().subarray(5);
    const reference = parseFlight(tls12Flight());
    // One message over many records: re-record the handshake stream in pieces of every size.
    for (const size of [1, 2, 3, 7, 64, 333]) {
      const recs: Buffer[] = [];
      for (let i = 0; i < msgs.length; i += size) recs.push(record(22, 0x0303, msgs.subarray(i, i + size)));
      const bytes = Buffer.concat(recs);
      expect(parseFlight(bytes), `records of ${size}`).toEqual(reference);
      // And TCP reads that split records anywhere.
      expect(
        feed(
          bytes,
          [1, 4, 5, 6, 17, 100].filter((c) => c < bytes.length),
        ),
      ).toEqual(reference);
    }
    const whole = tls12Flight();
    for (let cut = 1; cut < whole.length; cut += 13) expect(feed(whole, [cut])).toEqual(reference);
  });

  it('takes the version from supported_versions, not legacy_version, and stops at the TLS 1.3 ServerHello', () => {
    const bytes = Buffer.concat([
      record(
        22,
        0x0303,
        serverHello({
          version: 0x0303,
          suite: 0x1302,
          sessionId: Buffer.alloc(32, 2),
          extensions: [ext.supportedVersions(0x0304), ext.keyShare(0x1d)],
        }),
      ),
      record(20, 0x0303, Buffer.from([1])),
      record(23, 0x0303, Buffer.alloc(100, 0x55)),
    ]);
    const f = parseFlight(bytes);
    expect(f.serverHello).toMatchObject({ legacyVersion: 0x0303, version: 0x0304, cipherSuite: 0x1302, keyShareGroup: 0x1d });
    expect(f.encrypted).toBe(true);
    expect(flightDecided(f)).toBe(true);
  });

  it('recognises a HelloRetryRequest by its random and reads the group it asks for', () => {
    const f = parseFlight(
      record(
        22,
        0x0303,
        serverHello({
          version: 0x0303,
          suite: 0x1301,
          random: HRR_RANDOM,
          extensions: [ext.supportedVersions(0x0304), ext.hrrKeyShare(0x18)],
        }),
      ),
    );
    expect(f.serverHello).toMatchObject({ helloRetryRequest: true, version: 0x0304, keyShareGroup: 0x18 });
    expect(flightDecided(f)).toBe(true);
  });

  it('reads DHE prime sizes and names RFC 7919 groups; every other prime is `DH <bits>`', async () => {
    const flight = (prime: Buffer) =>
      parseFlight(
        record(22, 0x0303, Buffer.concat([serverHello({ version: 0x0303, suite: 0x009e }), dheKeyExchange(prime), serverHelloDone()])),
      );
    expect(flight(FFDHE2048).serverKeyExchange).toMatchObject({ kind: 'dhe', primeBits: 2048, group: 'ffdhe2048' });
    expect(flight(getDiffieHellman('modp2').getPrime()).serverKeyExchange).toMatchObject({ primeBits: 1024, group: 'DH 1024' });
    const custom = generatePrimeSync(512, { bigint: false }) as ArrayBuffer;
    expect(flight(Buffer.from(custom)).serverKeyExchange).toMatchObject({ primeBits: 512, group: 'DH 512' });
  });

  it('reads a stapled OCSP response and several messages and alerts per record', () => {
    const msgs = Buffer.concat([
      serverHello({ version: 0x0303, suite: 0xc02f, extensions: [ext.statusRequest()] }),
      certificate([Buffer.alloc(10, 1)]),
      certificateStatus(Buffer.from('ocsp-der')),
      ecdheKeyExchange(0x17),
      serverHelloDone(),
    ]);
    const f = parseFlight(record(22, 0x0303, msgs));
    expect(f.serverHello!.statusRequest).toBe(true);
    expect(f.ocspResponse!.toString()).toBe('ocsp-der');
    const alerts = parseFlight(record(21, 0x0303, Buffer.from([1, 112, 2, 40])));
    expect(alerts.alerts).toEqual([
      { level: 1, levelName: 'warning', description: 112, name: 'unrecognized_name' },
      { level: 2, levelName: 'fatal', description: 40, name: 'handshake_failure' },
    ]);
    expect(flightDecided(alerts)).toBe(true);
  });

  it('parses an SSLv2 SERVER-HELLO and an SSLv2 error', () => {
    const f = parseFlight(sslv2ServerHello([0x010080, 0x0700c0]), { sslv2: true });
    expect(f.sslv2).toMatchObject({ version: 0x0002, cipherKinds: [0x010080, 0x0700c0] });
    const err = parseFlight(Buffer.from([0x80, 0x03, 0x00, 0x00, 0x01]), { sslv2: true });
    expect(err.sslv2Error).toBe(1);
    // A TLS alert in answer to an SSLv2 hello is read as TLS.
    expect(parseFlight(alertRecord(70, 0x0300), { sslv2: true }).alerts[0]!.name).toBe('protocol_version');
  });

  it('calls an HTTP answer, a banner or a bad length what they are', () => {
    const code = (b: Buffer, opts = {}) => {
      try {
        parseFlight(b, opts);
        return 'parsed';
      } catch (err) {
        expect(err).toBeInstanceOf(TlsWireError);
        return (err as TlsWireError).code;
      }
    };
    expect(code(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'))).toBe('NOT_TLS');
    expect(code(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'))).toBe('NOT_TLS');
    expect(code(Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff]))).toBe('BAD_LENGTH');
    expect(code(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x10, 0x02]))).toBe('TRUNCATED');
    expect(code(record(22, 0x0303, handshake(1, Buffer.alloc(40))))).toBe('UNEXPECTED_MESSAGE');
    expect(code(record(22, 0x0303, Buffer.concat([serverHelloDone()])))).toBe('UNEXPECTED_MESSAGE');
    expect(
      code(record(22, 0x0303, Buffer.concat([serverHello({ version: 0x0303, suite: 1 }), serverHello({ version: 0x0303, suite: 1 })]))),
    ).toBe('UNEXPECTED_MESSAGE');
    expect(code(record(21, 0x0303, Buffer.from([7, 40])))).toBe('BAD_VALUE');
  });
});

describe('parser robustness', () => {
  const corpus: Array<{ name: string; bytes: Buffer; sslv2?: boolean }> = [
    { name: 'tls12', bytes: tls12Flight() },
    { name: 'tls12 split', bytes: Buffer.concat(chunks(tls12Flight().subarray(5), 50).map((c) => record(22, 0x0303, c))) },
    {
      name: 'tls13',
      bytes: Buffer.concat([
        record(
          22,
          0x0303,
          serverHello({ version: 0x0303, suite: 0x1301, extensions: [ext.supportedVersions(0x0304), ext.keyShare(0x17, 65)] }),
        ),
        record(20, 0x0303, Buffer.from([1])),
      ]),
    },
    {
      name: 'hrr',
      bytes: record(
        22,
        0x0303,
        serverHello({
          version: 0x0303,
          suite: 0x1301,
          random: HRR_RANDOM,
          extensions: [ext.supportedVersions(0x0304), ext.hrrKeyShare(0x1d)],
        }),
      ),
    },
    {
      name: 'dhe+ocsp',
      bytes: record(
        22,
        0x0303,
        Buffer.concat([
          serverHello({
            version: 0x0303,
            suite: 0x009e,
            extensions: [ext.statusRequest(), ext.alpn('h2'), ext.heartbeat(), ext.sessionTicket()],
          }),
          certificate([Buffer.alloc(64, 1)]),
          certificateStatus(Buffer.alloc(20, 2)),
          dheKeyExchange(FFDHE2048),
          serverHelloDone(),
        ]),
      ),
    },
    { name: 'alert', bytes: alertRecord(40) },
    { name: 'sslv2', bytes: sslv2ServerHello([0x010080, 0x020080, 0x0700c0]), sslv2: true },
  ];

  it('every flight in the corpus parses', () => {
    for (const c of corpus) expect(() => parseFlight(c.bytes, { sslv2: c.sslv2 ?? false }), c.name).not.toThrow();
  });

  it('a flight cut anywhere inside a record or message is TRUNCATED; cut between records it is a shorter flight', () => {
    for (const c of corpus) {
      const boundaries = recordBoundaries(c.bytes, c.sslv2);
      for (let n = 0; n < c.bytes.length; n++) {
        const cut = c.bytes.subarray(0, n);
        let outcome: string;
        try {
          parseFlight(cut, { sslv2: c.sslv2 ?? false });
          outcome = 'parsed';
        } catch (err) {
          if (!(err instanceof TlsWireError)) throw err;
          outcome = err.code;
        }
        if (boundaries.has(n) && !c.name.includes('split')) expect(outcome, `${c.name} cut at ${n}`).toBe('parsed');
        else if (!boundaries.has(n)) expect(outcome, `${c.name} cut at ${n}`).toBe('TRUNCATED');
      }
    }
  });

  it('10 000 mutated flights end in a flight or a TlsWireError, never another exception', () => {
    const rand = seededRandom(0x5eed1e55);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const counts = { parsed: 0, wire: 0 };
    for (let i = 0; i < 10_000; i++) {
      const c = pick(corpus);
      const b = Buffer.from(c.bytes);
      const edits = 1 + Math.floor(rand() * 4);
      let bytes: Buffer = b;
      for (let e = 0; e < edits; e++) bytes = mutate(bytes, rand);
      try {
        // Feed in random read sizes too: the reader must not care.
        const reader = new RecordReader({ sslv2: c.sslv2 ?? false });
        const asm = new FlightAssembler();
        for (let off = 0; off < bytes.length;) {
          const n = 1 + Math.floor(rand() * 64);
          asm.add(reader.push(bytes.subarray(off, off + n)));
          off += n;
        }
        flightDecided(asm.flight);
        counts.parsed++;
      } catch (err) {
        if (!(err instanceof TlsWireError))
          throw new Error(`mutation ${i} of ${c.name} threw ${String(err)}: ${bytes.toString('hex')}`, { cause: err });
        counts.wire++;
      }
    }
    expect(counts.parsed + counts.wire).toBe(10_000);
    expect(counts.wire).toBeGreaterThan(1000);
  });
});

function chunks(b: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}

/** Offsets where a record (and every handshake message in it) ends. */
function recordBoundaries(bytes: Buffer, sslv2?: boolean): Set<number> {
  const out = new Set<number>([0]);
  let p = 0;
  if (sslv2 && bytes.length > 0 && (bytes[0]! & 0x80) !== 0) {
    p = 2 + (((bytes[0]! & 0x7f) << 8) | bytes[1]!);
    out.add(p);
  }
  while (p + 5 <= bytes.length) {
    p += 5 + bytes.readUInt16BE(p + 3);
    out.add(p);
  }
  return out;
}

function mutate(b: Buffer, rand: () => number): Buffer {
  if (b.length === 0) return Buffer.from([Math.floor(rand() * 256)]);
  const at = Math.floor(rand() * b.length);
  switch (Math.floor(rand() * 6)) {
    case 0: {
      const c = Buffer.from(b);
      c[at] = Math.floor(rand() * 256);
      return c;
    }
    case 1: {
      const c = Buffer.from(b);
      c[at] = c[at]! ^ (1 << Math.floor(rand() * 8));
      return c;
    }
    case 2:
      return b.subarray(0, at);
    case 3:
      return Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), b.subarray(at)]);
    case 4:
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rand() * 8)))]);
    default: {
      // Length fields are where parsers die: set two adjacent bytes to an extreme.
      const c = Buffer.from(b);
      const v = [0x0000, 0xffff, 0x00ff, 0xff00, 0x4000][Math.floor(rand() * 5)]!;
      if (at + 1 < c.length) c.writeUInt16BE(v, at);
      return c;
    }
  }
}
