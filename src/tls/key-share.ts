// Public keys for a TLS 1.3 key_share: real ones, because a server checks that a share is a
// valid point and answers an invalid one with illegal_parameter — which would read as "suite
// refused". The private halves are dropped at once: no probe ever finishes a handshake.

import { createECDH, generateKeyPairSync } from 'node:crypto';

const EC_CURVES: Readonly<Record<number, string>> = {
  0x0017: 'prime256v1',
  0x0018: 'secp384r1',
  0x0019: 'secp521r1',
};

const X_CURVES: Readonly<Record<number, 'x25519' | 'x448'>> = {
  0x001d: 'x25519',
  0x001e: 'x448',
};

/** Groups this module can make a key_share for. */
export const KEY_SHARE_GROUPS: readonly number[] = [0x001d, 0x0017, 0x0018, 0x0019, 0x001e];

/**
 * A fresh public key in the encoding RFC 8446 §4.2.8.2 wants (raw 32/56 bytes for X25519/X448,
 * an uncompressed point for the NIST curves), or undefined for a group we cannot generate.
 */
export function publicKeyFor(group: number): Buffer | undefined {
  const x = X_CURVES[group];
  if (x) {
    const { publicKey } = x === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
    const jwk = publicKey.export({ format: 'jwk' });
    return jwk.x ? Buffer.from(jwk.x, 'base64url') : undefined;
  }
  const curve = EC_CURVES[group];
  if (curve) {
    const ecdh = createECDH(curve);
    return ecdh.generateKeys();
  }
  return undefined;
}
