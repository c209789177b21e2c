// Blocks (what a check shows of its facts) drawn by every human renderer from their kind alone,
// labels translated from the check's catalog, values escaped.

import { describe, expect, it } from 'vitest';
import type { Block } from '../../src/plugin-api.js';
import { render } from '../../src/report/render/index.js';
import { fixtureCatalogs, fixtureReport } from './report-fixture.js';

const blocks: Block[] = [
  {
    kind: 'table',
    title: { id: 'tcp.block.addresses' },
    columns: [
      { key: 'address', label: { id: 'tcp.col.address' } },
      { key: 'result', label: { id: 'tcp.col.result' } },
      { key: 'connect', label: { id: 'tcp.col.connect' }, numeric: true },
    ],
    rows: [
      { address: '192.0.2.10', result: 'ok', connect: 12.5 },
      { address: '<script>alert(1)</script>', result: 'refused', connect: null },
    ],
  },
  { kind: 'key-value', items: [{ label: { id: 'tcp.col.code' }, value: { value: 42, unit: 'ms' } }] },
  {
    kind: 'series',
    title: { id: 'tcp.col.connect' },
    unit: 'ms',
    series: [{ label: 'probe', values: [10, 12, 11, 40, 13] }],
    limits: [{ value: 30, label: { id: 'tcp.col.code' } }],
  },
  {
    kind: 'bars',
    title: { id: 'tcp.col.connect' },
    unit: 'Mbit/s',
    bars: [
      { label: 'down', value: 95, role: 'measured' },
      { label: 'link', value: 100, role: 'capacity' },
    ],
  },
];

function withBlocks() {
  const report = fixtureReport();
  const tcp = report.results.find((r) => r.check === 'tcp')!;
  tcp.blocks = blocks;
  return { report, target: tcp.target };
}

describe('blocks in the human formats', () => {
  it('terminal (--verbose) and Markdown list every block, translated', async () => {
    const { report } = withBlocks();
    const catalogs = await fixtureCatalogs(report);
    for (const [lang, heading, col] of [
      ['en', 'Addresses', 'Connect (ms)'],
      ['zh-CN', '地址', '建连（毫秒）'],
    ] as const) {
      const term = await render(report, 'terminal', { lang, color: false, verbose: true, catalogs, width: 140 });
      expect(term).toContain(heading);
      expect(term).toContain(col);
      expect(term).toMatch(/192\.0\.2\.10\s+ok\s+12\.5/);
      const md = await render(report, 'md', { lang, color: false, verbose: true, catalogs });
      expect(md).toContain('<details>');
      expect(md).toContain(`**${heading}**`);
      expect(md).toMatch(/\| 192\.0\.2\.10 \| ok \| 12\.5 \|/);
    }
    const en = await render(report, 'terminal', { lang: 'en', color: false, verbose: true, catalogs, width: 140 });
    expect(en).toMatch(/probe\s+min 10 · median 12 · p95 40 · max 40 ms \(5 samples\)/);
    expect(en).toMatch(/link\s+100 Mbit\/s/);
  });

  it('HTML draws tables, lists, series and bars, and escapes what the peer sent', async () => {
    const { report } = withBlocks();
    const catalogs = await fixtureCatalogs(report);
    const page = await render(report, 'html', { lang: 'en', color: false, catalogs });
    expect(page).toContain('<table class="block-table small">');
    expect(page).toContain('<dl class="block-kv small">');
    expect((page.match(/<div class="block chart"><div class="block-title">Connect \(ms\)<\/div><svg/g) ?? []).length).toBe(1);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(1)');
  });
});
