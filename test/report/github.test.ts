// GitHub Actions annotations from the fixture report: one workflow command per blocker, on the
// site-file line it traces to, escaped as GitHub's toolkit escapes them, capped with a note.

import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, githubAnnotations, MAX_ANNOTATIONS } from '../../src/report/render/github.js';
import { fixtureCatalogs, fixtureReport } from './report-fixture.js';

describe('escaping (as @actions/core does)', () => {
  it('data: %, CR and LF', () => {
    expect(escapeData('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext: a,b');
  });
  it('properties: also : and ,', () => {
    expect(escapeProperty('tls · a:b,c%\n')).toBe('tls · a%3Ab%2Cc%25%0A');
  });
});

describe('githubAnnotations', () => {
  it('one command per blocker: level by severity, located on the YAML line, message and fix', async () => {
    const report = fixtureReport();
    const lines = githubAnnotations(report, { lang: 'en', catalogs: await fixtureCatalogs(report), root: '/repo' });
    expect(lines).toHaveLength(report.blockers.length);
    expect(lines[0]).toMatch(
      /^::error file=examples\/demo-site\.yaml,line=61,col=17,title=compliance · baseline\.encryption-in-transit::.+%0AFix: .+ \[baseline\.encryption-in-transit\]$/,
    );
    const tls10 = lines.find((l) => l.endsWith('[tls.cap.tls10]'))!;
    expect(tls10).toMatch(
      /^::warning file=examples\/demo-site\.yaml,line=76,col=7,title=tls · legacy-gateway::legacy-gateway: grade capped at/,
    );
    for (const l of lines) {
      expect(l).toMatch(/^::(error|warning|notice) /);
      expect(l).not.toMatch(/[\r\n]/);
      // A property value never carries a raw separator.
      const props = l.slice(l.indexOf(' ') + 1, l.indexOf('::', 2));
      for (const p of props.split(',')) expect(p).toMatch(/^(file|line|col|title)=[^:,]*$/);
    }
    const severities = new Set(report.blockers.map((b) => b.severity));
    if (severities.has('low')) expect(lines.some((l) => l.startsWith('::notice '))).toBe(true);
  });

  it('translates the message, never the ids', async () => {
    const report = fixtureReport();
    const lines = githubAnnotations(report, { lang: 'zh-CN', catalogs: await fixtureCatalogs(report), root: '/repo' });
    expect(lines.find((l) => l.endsWith('[tls.cap.tls10]'))).toMatch(/title=tls · legacy-gateway::.*评级/);
  });

  it('caps the count and says how many were left out', () => {
    const report = fixtureReport();
    const lines = githubAnnotations(report, { lang: 'en', root: '/repo', max: 2 });
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe(
      `::notice title=siteready::${report.blockers.length - 2} more finding(s) not annotated (at most 2 are): see the report`,
    );
    expect(MAX_ANNOTATIONS).toBe(50);
  });

  it('paths are relative to the checkout; a file outside it gets no location; secrets are masked before escaping', () => {
    const report = fixtureReport();
    report.blockers = report.blockers.slice(0, 2);
    report.blockers[0]!.location = { file: '/repo/sites/hq,1.yaml', line: 3, column: 5 };
    report.blockers[1]!.location = { file: '/etc/site.yaml', line: 3, column: 5 };
    const lines = githubAnnotations(report, { lang: 'en', root: '/repo', mask: (t) => t.replaceAll('legacy-gateway', '***') });
    expect(lines[0]).toMatch(/^::error file=sites\/hq%2C1\.yaml,line=3,col=5,title=/);
    expect(lines[1]).toMatch(/^::warning title=tls · \*\*\*::/);
    expect(lines.join('\n')).not.toContain('legacy-gateway');
  });

  it('a report without blockers has no annotations', () => {
    const report = fixtureReport();
    report.blockers = [];
    expect(githubAnnotations(report, { lang: 'en', root: '/repo' })).toEqual([]);
  });
});
