// The sections a consultant's client needs to trust the numbers: the vantage point (where the test
// ran from) and the methodology, in English and Chinese, with no untranslated ids; and the causes
// list in place of one card per finding.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { renderHtml } from '../../src/report/render/html.js';
import { ROOT } from '../helpers/cli.js';

function report(): Report {
  const r = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/report-every-status.json'), 'utf8')) as Report;
  r.vantage = {
    host: 'branch-laptop-7',
    os: 'linux 6.1',
    addresses: ['10.20.30.40 (eth0)'],
    resolvers: ['10.20.0.53'],
    resolverSource: 'site',
    proxy: 'http://proxy.corp.example:3128/',
    reflexive: ['203.0.113.9:40312'],
    window: { start: '2026-12-07T08:00:00.000Z', end: '2026-12-07T08:04:10.000Z' },
  };
  return r;
}

describe('HTML: vantage point and methodology', () => {
  for (const lang of ['en', 'zh-CN'] as const) {
    it(`${lang}: both sections, in the contents, every phrase translated`, () => {
      const html = renderHtml(report(), { lang });
      expect(html).toContain('<section class="chapter" id="vantage-point">');
      expect(html).toContain('<section class="chapter" id="methodology">');
      expect(html).toMatch(/<a href="#vantage-point">/);
      expect(html).toMatch(/<a href="#methodology">/);
      // Long values get break opportunities (<wbr>) between their parts.
      const text = html.replace(/<wbr>/g, '');
      for (const fact of ['branch-laptop-7', '10.20.30.40 (eth0)', '203.0.113.9:40312', '10.20.0.53', 'proxy.corp.example'])
        expect(text).toContain(fact);
      expect(html).not.toMatch(/html\.(vantage|method)\./);
    });
  }

  it('a report without a vantage point (written before 2.1) still renders, with the methodology', () => {
    const r = report();
    delete r.vantage;
    const html = renderHtml(r, { lang: 'en' });
    expect(html).not.toContain('id="vantage-point"');
    expect(html).toContain('id="methodology"');
  });
});
