// The reflector's wire protocol (src/probe/protocol.ts), without I/O: request authentication,
// replay protection, session keys and the 64-byte UDP probe header.

import { describe, expect, it } from 'vitest';
import {
  AUTH_SKEW_MS,
  NonceCache,
  PROTOCOL,
  UDP_HEADER_BYTES,
  UDP_MAGIC,
  UDP_MAX_BYTES,
  UDP_TYPE_PROBE,
  UDP_TYPE_REPLY,
  authHeader,
  encodeProbe,
  newSessionId,
  parseAuthHeader,
  peekProbe,
  sessionKey,
  verifyAuth,
  verifyProbeMac,
  type UdpProbe,
} from '../../src/probe/protocol.js';

const TOKEN = 'unit-test-token-0123456789abcdef';
const NOW = 1_800_000_000_000;

function header(over: { token?: string; method?: string; path?: string; now?: number } = {}): string {
  return authHeader(over.token ?? TOKEN, over.method ?? 'POST', over.path ?? '/v1/session', over.now ?? NOW);
}

/** Rebuilds a header with one field replaced (the MAC is left as it was). */
function withField(h: string, field: 'ts' | 'nonce' | 'mac', value: string): string {
  return h.replace(new RegExp(`${field}=[^,]*`), `${field}=${value}`);
}

describe('request authentication', () => {
  it('round trip: the header parses back and verifies for the same method, path and token', () => {
    const h = header();
    expect(h.startsWith(`${PROTOCOL} `)).toBe(true);
    const parsed = parseAuthHeader(h)!;
    expect(parsed.ts).toBe(NOW);
    expect(parsed.nonce).toMatch(/^[0-9a-f]{24}$/);
    expect(parsed.mac).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyAuth(TOKEN, h, 'POST', '/v1/session', new NonceCache(), NOW)).toBeUndefined();
    // The method is compared case-insensitively (HTTP methods are case-sensitive, but the MAC
    // string upper-cases it on both sides).
    expect(verifyAuth(TOKEN, header(), 'post', '/v1/session', new NonceCache(), NOW)).toBeUndefined();
  });

  it('every header carries a fresh nonce', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => parseAuthHeader(header())!.nonce));
    expect(nonces.size).toBe(100);
  });

  it('a MAC over something else is refused: method, path, query, token, timestamp, nonce, MAC', () => {
    const path = '/v1/session/0123456789abcdef/udp';
    const v = (value: string, method = 'GET', at = path) => verifyAuth(TOKEN, value, method, at, new NonceCache(), NOW);
    const good = header({ method: 'GET', path });
    expect(v(good)).toBeUndefined();
    expect(v(good, 'DELETE')).toBe('bad-mac');
    expect(v(good, 'GET', '/v1/session/fedcba9876543210/udp')).toBe('bad-mac');
    expect(v(header({ method: 'GET', path: '/v1/ws?mode=upload' }), 'GET', '/v1/ws?mode=download')).toBe('bad-mac');
    expect(v(header({ method: 'GET', token: 'another-token-0123456789abcdef', path }))).toBe('bad-mac');
    const p = parseAuthHeader(good)!;
    expect(v(withField(good, 'ts', String(NOW + 1)))).toBe('bad-mac');
    const otherNonce = (p.nonce[0] === '0' ? '1' : '0') + p.nonce.slice(1);
    expect(v(withField(good, 'nonce', otherNonce))).toBe('bad-mac');
    const flipped = p.mac[63] === '0' ? p.mac.slice(0, 63) + '1' : p.mac.slice(0, 63) + '0';
    expect(v(withField(good, 'mac', flipped))).toBe('bad-mac');
    expect(v(withField(good, 'mac', p.mac.toUpperCase() === p.mac ? 'zz' : p.mac.toUpperCase()))).toBe('bad-mac');
    expect(v(withField(good, 'mac', p.mac.slice(0, 62)))).toBe('bad-mac');
    expect(v(good)).toBeUndefined();
  });

  it('missing and malformed headers are refused as such', () => {
    const v = (value: string | undefined) => verifyAuth(TOKEN, value, 'POST', '/v1/session', new NonceCache(), NOW);
    expect(v(undefined)).toBe('missing');
    expect(v('')).toBe('missing');
    const p = parseAuthHeader(header())!;
    for (const bad of [
      'Bearer abc',
      `${PROTOCOL}`,
      `${PROTOCOL} `,
      `${PROTOCOL} ts=abc, nonce=${p.nonce}, mac=${p.mac}`,
      `${PROTOCOL} ts=${NOW}.5, nonce=${p.nonce}, mac=${p.mac}`,
      `${PROTOCOL} ts=${NOW}, nonce=${p.nonce.slice(1)}, mac=${p.mac}`,
      `${PROTOCOL} ts=${NOW}, nonce=${p.nonce.toUpperCase().replace(/[0-9]/g, 'G')}, mac=${p.mac}`,
      `${PROTOCOL} ts=${NOW}, nonce=${p.nonce}`,
      `${PROTOCOL} nonce=${p.nonce}, mac=${p.mac}`,
      `srp1 ts=${NOW}, nonce=${p.nonce}, mac=${p.mac}`,
    ]) {
      expect(parseAuthHeader(bad), bad).toBeUndefined();
      expect(v(bad), bad).toBe('malformed');
    }
  });

  it(`timestamps more than ${AUTH_SKEW_MS / 1000} s away are stale, in either direction; the edge is accepted`, () => {
    const v = (ts: number) => verifyAuth(TOKEN, header({ now: ts }), 'POST', '/v1/session', new NonceCache(), NOW);
    expect(v(NOW - AUTH_SKEW_MS - 1)).toBe('stale');
    expect(v(NOW + AUTH_SKEW_MS + 1)).toBe('stale');
    expect(v(NOW - 3_600_000)).toBe('stale');
    expect(v(NOW - AUTH_SKEW_MS)).toBeUndefined();
    expect(v(NOW + AUTH_SKEW_MS)).toBeUndefined();
  });

  it('a header is accepted once: the replay is refused', () => {
    const nonces = new NonceCache();
    const h = header();
    expect(verifyAuth(TOKEN, h, 'POST', '/v1/session', nonces, NOW)).toBeUndefined();
    expect(verifyAuth(TOKEN, h, 'POST', '/v1/session', nonces, NOW + 1)).toBe('replayed');
    expect(verifyAuth(TOKEN, h, 'POST', '/v1/session', nonces, NOW + AUTH_SKEW_MS)).toBe('replayed');
    // Past the skew the same header is stale anyway.
    expect(verifyAuth(TOKEN, h, 'POST', '/v1/session', nonces, NOW + AUTH_SKEW_MS + 1)).toBe('stale');
  });

  it('a request that fails the MAC does not use up the nonce (no one without the token can burn it)', () => {
    const nonces = new NonceCache();
    const h = header();
    expect(verifyAuth('wrong-token-0123456789abcdef', h, 'POST', '/v1/session', nonces, NOW)).toBe('bad-mac');
    expect(verifyAuth(TOKEN, h, 'POST', '/v1/session', nonces, NOW)).toBeUndefined();
  });
});

describe('NonceCache', () => {
  const size = (c: NonceCache) => (c as unknown as { seen: Map<string, number> }).seen.size;

  it('stays within its bound, forgetting the oldest nonces first', () => {
    const cache = new NonceCache(100);
    for (let i = 0; i < 1000; i++) expect(cache.remember(`n${i}`, NOW)).toBe(true);
    expect(size(cache)).toBeLessThanOrEqual(100);
    // The newest 99 are still refused...
    for (let i = 901; i < 1000; i++) expect(cache.remember(`n${i}`, NOW), `n${i}`).toBe(false);
    expect(size(cache)).toBeLessThanOrEqual(100);
    // ...the oldest were forgotten (the price of the bound; the timestamp skew still limits replays).
    expect(cache.remember('n0', NOW)).toBe(true);
    expect(size(cache)).toBeLessThanOrEqual(100);
  });

  it('drops expired nonces (older than twice the skew) first when full', () => {
    const cache = new NonceCache(50);
    for (let i = 0; i < 50; i++) cache.remember(`old${i}`, NOW);
    expect(size(cache)).toBe(50);
    expect(cache.remember('fresh', NOW + 2 * AUTH_SKEW_MS + 1)).toBe(true);
    expect(size(cache)).toBe(1);
    expect(cache.remember('fresh', NOW + 2 * AUTH_SKEW_MS + 2)).toBe(false);
  });

  it('the default bound holds under a long run of distinct nonces', () => {
    const cache = new NonceCache();
    for (let i = 0; i < 50_000; i++) cache.remember(`x${i}`, NOW + i);
    expect(size(cache)).toBeLessThanOrEqual(20_000);
  });
});

describe('session keys', () => {
  it('are derived from the token and the session id, never equal across either', () => {
    const id = newSessionId();
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(newSessionId()).not.toBe(id);
    expect(sessionKey(TOKEN, id).equals(sessionKey(TOKEN, id))).toBe(true);
    expect(sessionKey(TOKEN, id)).toHaveLength(32);
    expect(sessionKey(TOKEN, id).equals(sessionKey(`${TOKEN}x`, id))).toBe(false);
    expect(sessionKey(TOKEN, id).equals(sessionKey(TOKEN, newSessionId()))).toBe(false);
  });
});

describe('UDP probe codec', () => {
  const session = '0123456789abcdef';
  const key = sessionKey(TOKEN, session);
  const probe: UdpProbe = {
    type: UDP_TYPE_PROBE,
    flags: 3,
    tos: 0xb8,
    ttl: 61,
    session,
    stream: 65535,
    replyTos: 0x88,
    probeTos: 0xb8,
    seq: 4_000_000_000,
    clientSendUs: 123_456_789_012_345n,
    serverRecvUs: 2n ** 63n + 5n,
    serverSendUs: 2n ** 64n - 1n,
    serverReceived: 4_294_967_295,
  };

  it('round trip: every field comes back, at every size from 64 to 1472 bytes', () => {
    for (const size of [64, 65, 100, 200, 1200, 1471, 1472]) {
      const b = encodeProbe(key, probe, size);
      expect(b.length).toBe(size);
      expect(b.readUInt32BE(0)).toBe(UDP_MAGIC);
      expect(peekProbe(b)).toEqual(probe);
      expect(verifyProbeMac(key, b)).toBe(true);
    }
    const reply = encodeProbe(key, { ...probe, type: UDP_TYPE_REPLY }, 64);
    expect(peekProbe(reply)!.type).toBe(UDP_TYPE_REPLY);
  });

  it('sizes are clamped to the header and to one Ethernet frame of UDP payload', () => {
    expect(encodeProbe(key, probe, 0).length).toBe(UDP_HEADER_BYTES);
    expect(encodeProbe(key, probe, 63).length).toBe(UDP_HEADER_BYTES);
    expect(encodeProbe(key, probe, 1473).length).toBe(UDP_MAX_BYTES);
    expect(encodeProbe(key, probe, 65_535).length).toBe(UDP_MAX_BYTES);
  });

  it('sequence numbers wrap at 32 bits; a buffer of the right size is reused in place', () => {
    expect(peekProbe(encodeProbe(key, { ...probe, seq: 2 ** 32 + 7 }, 64))!.seq).toBe(7);
    const into = Buffer.alloc(200, 0xee);
    const out = encodeProbe(key, probe, 200, into);
    expect(out).toBe(into);
    expect(peekProbe(into)).toEqual(probe);
    expect(encodeProbe(key, probe, 64, into)).not.toBe(into);
  });

  it('the MAC covers the whole header: any changed header byte, or another key, fails', () => {
    const b = encodeProbe(key, probe, 300);
    expect(verifyProbeMac(sessionKey(TOKEN, '0123456789abcdee'), b)).toBe(false);
    expect(verifyProbeMac(sessionKey('other-token-0123456789abcdef', session), b)).toBe(false);
    for (let i = 0; i < UDP_HEADER_BYTES; i++) {
      const t = Buffer.from(b);
      t[i] = t[i]! ^ 0x01;
      expect(verifyProbeMac(key, t), `byte ${i}`).toBe(false);
    }
    // The padding is not part of the MAC (it is echoed unchanged and carries nothing).
    const padded = Buffer.from(b);
    padded[200] = padded[200]! ^ 0xff;
    expect(verifyProbeMac(key, padded)).toBe(true);
  });

  it('verifyProbeMac refuses buffers shorter than the header instead of throwing', () => {
    const b = encodeProbe(key, probe, 64);
    expect(verifyProbeMac(key, b.subarray(0, 63))).toBe(false);
    expect(verifyProbeMac(key, Buffer.alloc(0))).toBe(false);
  });

  it('peekProbe rejects short, long and wrong-magic buffers', () => {
    const b = encodeProbe(key, probe, UDP_MAX_BYTES);
    expect(peekProbe(Buffer.alloc(0))).toBeUndefined();
    expect(peekProbe(b.subarray(0, 8))).toBeUndefined();
    expect(peekProbe(b.subarray(0, UDP_HEADER_BYTES - 1))).toBeUndefined();
    expect(peekProbe(b.subarray(0, UDP_HEADER_BYTES))).toEqual(probe);
    expect(peekProbe(b)).toEqual(probe);
    expect(peekProbe(Buffer.concat([b, Buffer.alloc(1)]))).toBeUndefined();
    expect(peekProbe(Buffer.concat([b, Buffer.alloc(9000 - b.length)]))).toBeUndefined();
    for (const magic of [0, UDP_MAGIC ^ 1, 0x53525530, 0xffffffff]) {
      const t = Buffer.from(b.subarray(0, 64));
      t.writeUInt32BE(magic >>> 0, 0);
      expect(peekProbe(t), magic.toString(16)).toBeUndefined();
    }
  });
});
