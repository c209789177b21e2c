// The cipher suite registry: complete, each value once, classified as the strength classes
// say, and in agreement with the local OpenSSL's own table of IANA and OpenSSL names.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { allSuites, dhGroupName, formatCode, groupByCode, legacySuites, suiteByCode, tls13Suites } from '../../src/tls/registry.js';
import { hasTool } from '../helpers/peers.js';

describe('registry', () => {
  it('holds the IANA registry, the GM/T and TLCP suites and the SSLv2 kinds, each once', () => {
    const all = allSuites();
    expect(new Set(all.map((s) => s.code)).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(370);
    for (const code of [
      0x0000, 0x000a, 0x009e, 0x00c6, 0x00c7, 0x1301, 0x1305, 0xc02f, 0xcca8, 0xd005, 0xe011, 0xe013, 0xe051, 0xe053, 0x010080, 0x0700c0,
    ]) {
      expect(suiteByCode(code), formatCode(code)).toBeDefined();
    }
    expect(suiteByCode(0x00ff)).toMatchObject({ name: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV', scsv: true });
    expect(suiteByCode(0x5600)).toMatchObject({ name: 'TLS_FALLBACK_SCSV', scsv: true });
    expect(formatCode(0xc02f)).toBe('0xC02F');
    expect(formatCode(0x0a)).toBe('0x000A');
    expect(formatCode(0x0700c0)).toBe('0x0700C0');
  });

  it('classifies suites as the strength classes say', () => {
    const s = (code: number) => suiteByCode(code)!;
    expect(s(0xc02f)).toMatchObject({
      kx: 'ECDHE',
      auth: 'RSA',
      cipher: 'AES_128_GCM',
      bits: 128,
      mac: 'AEAD',
      aead: true,
      forwardSecrecy: true,
      strength: 'recommended',
      openssl: 'ECDHE-RSA-AES128-GCM-SHA256',
    });
    expect(s(0x1301)).toMatchObject({ tls13: true, kx: 'any', auth: 'any', strength: 'recommended' });
    expect(s(0x009e)).toMatchObject({ strength: 'secure', kx: 'DHE' });
    expect(s(0xc013)).toMatchObject({ strength: 'weak', mac: 'SHA' });
    expect(s(0x000a)).toMatchObject({ strength: 'weak', bits: 112, cipher: '3DES_EDE_CBC' });
    expect(s(0x009c)).toMatchObject({ strength: 'weak', forwardSecrecy: false, aead: true });
    expect(s(0x0003)).toMatchObject({ strength: 'insecure', export: true, bits: 40 });
    expect(s(0x0005)).toMatchObject({ strength: 'insecure', cipher: 'RC4_128' });
    expect(s(0x0034)).toMatchObject({ strength: 'insecure', auth: 'anon' });
    expect(s(0x0002)).toMatchObject({ strength: 'insecure', bits: 0 });
    expect(s(0xe051)).toMatchObject({ gm: true, kx: 'ECDHE', auth: 'SM2', cipher: 'SM4_GCM', strength: 'secure' });
    expect(s(0xe013)).toMatchObject({ gm: true, kx: 'ECC', forwardSecrecy: false, strength: 'weak' });
    expect(s(0x00c6)).toMatchObject({ gm: true, tls13: true, mac: 'AEAD' });
  });
  it('splits into the TLS 1.3 and the older candidate lists without overlap', () => {
    const t13 = new Set(tls13Suites().map((s) => s.code));
    expect([...t13].sort((a, b) => a - b).map(formatCode)).toEqual([
      '0x00C6',
      '0x00C7',
      '0x1301',
      '0x1302',
      '0x1303',
      '0x1304',
      '0x1305',
      '0x1306',
      '0x1307',
      '0xC0B4',
      '0xC0B5',
      '0xC103',
      '0xC104',
      '0xC105',
      '0xC106',
    ]);
    expect(legacySuites().some((s) => t13.has(s.code) || s.scsv || s.code > 0xffff)).toBe(false);
    expect(groupByCode(0x29)?.name).toBe('curveSM2');
    expect(dhGroupName(Buffer.from('ff'.repeat(128), 'hex'))).toBe('DH 1024');
  });
});

describe.skipIf(!hasTool('openssl'))('registry against the local OpenSSL', () => {
  it('knows every suite `openssl ciphers` lists, by the same IANA and OpenSSL names', () => {
    const out = execFileSync('openssl', ['ciphers', '-V', '-stdname', 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'], { encoding: 'utf8' });
    const rows = [...out.matchAll(/0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)\s+- (\S+)/g)];
    expect(rows.length).toBeGreaterThan(100);
    for (const [, hi, lo, iana, openssl] of rows) {
      const code = parseInt(`${hi}${lo}`, 16);
      const s = suiteByCode(code);
      expect(s?.name, formatCode(code)).toBe(iana);
      expect(s?.openssl, formatCode(code)).toBe(openssl);
    }
  });
});
