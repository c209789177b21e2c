// The Markdown report: GitHub tables, escaping of data, and a Chinese rendering with no English
// catalog text left in it.

import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.js';
import { renderMarkdown } from '../../src/report/render/markdown.js';
import { mdCell, mdCode, mdText } from '../../src/report/render/markdown-escape.js';
import { catalogValues, englishPieces, leaks } from './english-leaks.js';
import { fixtureCatalogs, fixtureReport } from './report-fixture.js';

/** Cells of a GFM table row, splitting on unescaped pipes only. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function tables(md: string): string[][] {
  const out: string[][] = [];
  let current: string[] | undefined;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) (current ??= []).push(line);
    else if (current) {
      out.push(current);
      current = undefined;
    }
  }
  return out;
}

describe('markdown escaping', () => {
  it('escapes pipes, emphasis, links and HTML in data', () => {
    expect(mdText('a|b *c* _d_ [e](f) <script> `g` ~~h~~ 1.5')).toBe(
      'a\\|b \\*c\\* \\_d\\_ \\[e\\](f) &lt;script&gt; \\`g\\` \\~\\~h\\~\\~ 1.5',
    );
    expect(mdText('line\nbreak')).toBe('line break');
    expect(mdCell('')).toBe(' ');
    expect(mdCode('a|b')).toBe('`a\\|b`');
    expect(mdCode('x`y')).toBe('``x`y``');
  });

  it('a target with a pipe stays in its column', () => {
    const report = fixtureReport();
    const r = report.results.find((x) => x.status === 'warn' && x.check !== 'compliance')!;
    r.target = 'evil|target *x*';
    r.findings[0]!.message = 'a | b';
    const md = renderMarkdown(report, { lang: 'en' });
    const row = md.split('\n').find((l) => l.includes('evil'))!;
    expect(row).toContain('`evil\\|target *x*`');
    const header = tables(md).find((t) => t.includes(row))![0]!;
    expect(cells(row)).toHaveLength(cells(header).length);
  });
});

describe('markdown report from the fixture', () => {
  it('has the summary, blockers with fixes, categories, results, compliance and waivers as well-formed tables', async () => {
    const report = fixtureReport();
    const md = renderMarkdown(report, { lang: 'en', catalogs: await fixtureCatalogs(report) });
    expect(md).toMatch(/^# siteready readiness report/);
    expect(md).toContain(`**${report.score}**/100`);
    expect(md).toContain(`**${report.grade}**`);
    for (const h of ['## Blockers', '## Categories', '## Results', '## Compliance', '## Waivers']) expect(md).toContain(h);
    // What checks show of their facts (the TLS audit's matrix, say), folded under their result.
    expect(md).toMatch(/<details><summary>[^<]*legacy-gateway<\/summary>/);
    expect(md).toContain('**Protocol versions × cipher suites accepted**');
    expect(md).toMatch(/\| Grade \| B \(score 92\) \|/);
    expect(md).toMatch(/\| TLS 1\.0 \| /);
    for (const b of report.blockers) expect(md).toContain(`${b.location!.file}:${b.location!.line}:${b.location!.column}`);
    for (const w of report.waivers) expect(md).toContain(mdText(w.justification));
    // Every status of the fixture shows up.
    for (const s of ['fail', 'error', 'warn', 'info', 'n/a', 'waived']) expect(md).toContain(s);
    for (const t of tables(md)) {
      const width = cells(t[0]!).length;
      expect(t[1]).toMatch(/^\|(---\|)+$/);
      for (const row of t) expect(cells(row), row).toHaveLength(width);
    }
  });

  it('zh-CN: no English text from the report, md or check catalogs', async () => {
    const report = fixtureReport();
    const catalogs = await fixtureCatalogs(report);
    const md = renderMarkdown(report, { lang: 'zh-CN', catalogs, verbose: true });
    expect(md).toContain('就绪评估报告');
    const values = [
      ...catalogValues(en, ['report.', 'md.', 'check.', 'status.', 'verdict.', 'category.', 'severity.', 'cap.', 'outcome.', 'col.']),
    ];
    for (const [, c] of catalogs) values.push(...Object.values(c.en));
    const pieces = englishPieces(values);
    expect(pieces.length).toBeGreaterThan(100);
    expect(leaks(md, pieces)).toEqual([]);
  });
});
