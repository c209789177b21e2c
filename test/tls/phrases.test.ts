// What grade caps and failed rules name is data or a phrase with a message id: rendered in Chinese
// it keeps the data and none of the English words; a phrase whose id no catalog has is an error.

import { describe, expect, it } from 'vitest';
import { gradeTls } from '../../src/tls/grade.js';
import { gradeMessages } from '../../src/tls/grade-messages.js';
import { phraseMessages } from '../../src/tls/phrase-messages.js';
import { eitherOf, listOf, MAX_LISTED, phrase, uniquePhrases } from '../../src/tls/phrases.js';
import { evaluateTlsRules, RULE_SET_IDS } from '../../src/tls/rules.js';
import {
  dhe1024,
  ecdsa,
  expired,
  heartbleed,
  intermediate,
  legacy,
  modern,
  noCertificate,
  rsaKxOnly,
  selfSigned,
  sslv3,
  wrongHost,
} from './fixtures.js';
import { en, textOf, zh } from './text.js';

const SCANS = [dhe1024, ecdsa, expired, heartbleed, intermediate, legacy, modern, noCertificate, rsaKxOnly, selfSigned, sslv3, wrongHost];
const PHRASES =
  /\b(not offered|bits|lifetime|days|preference|ephemeral|first choice|no OCSP|no HSTS|ignored|not trusted|unknown reason|expired|not valid|no SAN|does not match|self-signed|revoked|no heartbeat|unknown group|unknown curve|compression|more|or)\b/;
const placeholders = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('phrases', () => {
  it('render each offending item in both languages, keeping the data', () => {
    expect(en(phrase('tls.item.not-offered', { versions: 'TLSv1.3' }))).toBe('TLSv1.3 (not offered)');
    expect(zh(phrase('tls.item.not-offered', { versions: eitherOf(['TLSv1.2', 'TLSv1.3']) }))).toBe('TLSv1.2 或 TLSv1.3（未提供）');
    expect(zh(phrase('tls.key.bits', { type: 'DH', bits: 1024 }))).toBe('DH 1024 位');
    expect(zh(phrase('tls.item.preference.server', { version: 'TLSv1.2' }))).toBe('TLSv1.2 服务器优先');
    expect(zh('TLSv1.2 0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA')).toBe('TLSv1.2 0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA');
    expect(zh(phrase('tls.item.not-trusted', { error: phrase('tls.item.unknown-reason') }))).toBe('不受信任（原因未知）');
  });

  it('list items one message deep, and say how many more there are', () => {
    expect(listOf([])).toBe('-');
    expect(listOf(['a'])).toBe('a');
    expect(en(listOf(['a', 'b', 'c']))).toBe('a; b; c');
    expect(en(listOf(['a', 'b', 'c', 'd'], 3))).toBe('a; b; c; … (1 more)');
    expect(zh(listOf(['a', 'b', 'c', 'd'], 3))).toBe('a；b；c；……（另有 1 项）');
    const many = Array.from({ length: MAX_LISTED + 5 }, (_, i) => `s${i}`);
    expect(en(listOf(many, 100))).toMatch(/; … \(5 more\)$/);
    expect(uniquePhrases([phrase('tls.item.self-signed'), phrase('tls.item.self-signed'), 'x', 'x'])).toEqual([
      phrase('tls.item.self-signed'),
      'x',
    ]);
  });

  it('leave no English phrase in any offending item or cap reason of the fixtures, in Chinese', () => {
    let items = 0;
    for (const scan of SCANS) {
      for (const r of evaluateTlsRules(scan, RULE_SET_IDS)) {
        for (const o of r.offending) {
          items++;
          expect(zh(o), en(o)).not.toMatch(PHRASES);
        }
      }
      for (const c of gradeTls(scan).caps) {
        items++;
        expect(zh(phrase(c.id, c.params)), c.id).not.toMatch(/\b(bits|unknown reason|more)\b/);
      }
    }
    expect(items).toBeGreaterThan(60);
  });

  it('a phrase whose id no catalog has is an error, not text with the id in it', () => {
    expect(() => en(phrase('tls.item.no-such-phrase'))).toThrow(/not in the tls check's en catalog/);
    expect(() => zh(listOf(['TLSv1.0', phrase('tls.item.no-such-phrase')]))).toThrow(/no-such-phrase/);
    expect(() => textOf(phrase('tls.item.lifetime'))).toThrow(/names \{days\}/);
  });

  it('have a Chinese text for every English one, with the same placeholders', () => {
    for (const catalog of [phraseMessages, gradeMessages]) {
      expect(Object.keys(catalog['zh-CN']).sort()).toEqual(Object.keys(catalog.en).sort());
      for (const [id, text] of Object.entries(catalog.en)) expect(placeholders(catalog['zh-CN'][id]!), id).toEqual(placeholders(text));
    }
  });
});
