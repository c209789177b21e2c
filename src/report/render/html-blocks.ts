// Blocks in the HTML report: tables and key-value lists as markup, series and bars as inline SVG.
// Drawn from the block's kind alone; the labels come from the check's catalog.

import type { Block } from '../../plugin-api.js';
import type { BlockText } from './blocks.js';
import { barChart, lineChart } from './html-charts.js';
import { html, type SafeHtml } from './html-escape.js';

export function htmlBlock(block: Block, t: BlockText, logNote: string): SafeHtml {
  const title = block.title ? html`<div class="block-title">${t.label(block.title)}</div>` : '';
  switch (block.kind) {
    case 'table':
      return html`<div class="block">${title}<table class="block-table small"><thead><tr>${block.columns.map((c) => html`<th${c.numeric ? html` class="num"` : ''}>${t.label(c.label)}</th>`)}</tr></thead>
<tbody>${block.rows.map((r) => html`<tr>${block.columns.map((c) => html`<td${c.numeric ? html` class="num"` : ''}>${t.cell(r[c.key])}</td>`)}</tr>`)}</tbody></table>${block.note ? html`<p class="small muted">${t.label(block.note)}</p>` : ''}</div>`;
    case 'key-value':
      return html`<div class="block">${title}<dl class="block-kv small">${block.items.map((i) => html`<dt>${t.label(i.label)}</dt><dd>${t.cell(i.value)}</dd>`)}</dl></div>`;
    case 'series':
      return html`<div class="block chart">${title}${lineChart(
        block.series.filter((s) => s.values.length).map((s) => ({ label: t.cell(s.label), values: s.values })),
        block.unit,
        (block.limits ?? []).map((l) => ({ value: l.value, label: t.label(l.label) })),
        t.label(block.title) || block.unit,
      )}</div>`;
    case 'bars': {
      const kind = (role: string | undefined) => (role === 'capacity' || role === 'allowance' || role === 'demand' ? role : 'measured');
      const { svg } = barChart(
        [
          {
            label: t.label(block.title),
            bars: block.bars.map((b) => ({
              label: t.cell(b.label),
              value: b.value,
              kind: kind(b.role),
              text: `${t.cell(b.value)} ${block.unit}`,
            })),
          },
        ],
        logNote,
      );
      return html`<div class="block chart">${svg}</div>`;
    }
  }
}
