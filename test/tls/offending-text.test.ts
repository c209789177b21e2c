// Every fixed English phrase of the TLS rule sets' offending items has its Chinese rendering.

import { describe, expect, it } from 'vitest';
import { offendingIn } from '../../src/tls/offending-text.js';
import { evaluateTlsRules, RULE_SET_IDS } from '../../src/tls/rules.js';
import { dhe1024, ecdsa, expired, intermediate, legacy, modern, noCertificate, rsaKxOnly, selfSigned, sslv3, wrongHost } from './fixtures.js';

const PHRASES = /\b(not offered|bits|lifetime|days|preference|ephemeral|first choice|no OCSP|no HSTS|ignored|not trusted|unknown reason|expired|not valid|no SAN|does not match|self-signed|revoked|no heartbeat|unknown group)\b/;

describe('offendingIn', () => {
  it('renders each phrase in Chinese and keeps the data', () => {
    expect(offendingIn('zh-CN', 'TLSv1.3 (not offered)')).toBe('TLSv1.3（未提供）');
    expect(offendingIn('zh-CN', 'TLSv1.2 or TLSv1.3 (not offered)')).toBe('TLSv1.2 或 TLSv1.3（未提供）');
    expect(offendingIn('zh-CN', 'DH 1024 bits')).toBe('DH 1024 位');
    expect(offendingIn('zh-CN', 'TLSv1.2 server preference')).toBe('TLSv1.2 服务器优先');
    expect(offendingIn('zh-CN', 'TLSv1.2 0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA')).toBe('TLSv1.2 0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA');
    expect(offendingIn('en', 'DH 1024 bits')).toBe('DH 1024 bits');
  });

  it('leaves no English phrase in any offending item the rule sets produce for the fixtures', () => {
    let items = 0;
    for (const scan of [dhe1024, ecdsa, expired, intermediate, legacy, modern, noCertificate, rsaKxOnly, selfSigned, sslv3, wrongHost]) {
      for (const r of evaluateTlsRules(scan, [...RULE_SET_IDS])) {
        for (const o of r.offending) {
          items++;
          expect(offendingIn('zh-CN', o), o).not.toMatch(PHRASES);
        }
      }
    }
    expect(items).toBeGreaterThan(50);
  });
});
