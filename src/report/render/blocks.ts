// What checks show of their facts (blocks: tables, key-value lists, series, bars), as plain rows
// of text for the terminal and Markdown. Renderers know block kinds, never a check by id: the
// labels are message ids into the check's own catalog.

import type { Block, Catalog, Cell, Message } from '../../plugin-api.js';
import type { Translator } from '../../i18n/index.js';
import { messageText } from './localize.js';

export interface BlockText {
  /** Text of a cell or a label, in the reader's language. */
  cell(c: Cell | undefined): string;
  label(m: Message | undefined): string;
}

export function blockText(tr: Translator, catalogs: Record<string, Catalog> | undefined, number: (n: number) => string): BlockText {
  const label = (m: Message | undefined) => (m ? messageText(tr, catalogs, m) : '');
  return {
    label,
    cell(c) {
      if (c === null || c === undefined) return '—';
      if (typeof c === 'number') return number(c);
      if (typeof c === 'boolean') return tr.t(c ? 'block.yes' : 'block.no');
      if (typeof c === 'string') return c;
      if ('value' in c) return `${number(c.value)} ${c.unit}`;
      return label(c);
    },
  };
}

/** A block as a title and rows of cells (a header row first for tables). */
export interface TextBlock {
  title: string;
  header?: string[];
  rows: string[][];
  note?: string;
}

function quantiles(values: number[]): { min: number; p50: number; p95: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { min: s[0]!, p50: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
}

export function textBlock(block: Block, t: BlockText, tr: Translator): TextBlock {
  const title = t.label(block.title);
  switch (block.kind) {
    case 'table':
      return {
        title,
        header: block.columns.map((c) => t.label(c.label)),
        rows: block.rows.map((r) => block.columns.map((c) => t.cell(r[c.key]))),
        ...(block.note ? { note: t.label(block.note) } : {}),
      };
    case 'key-value':
      return { title, rows: block.items.map((i) => [t.label(i.label), t.cell(i.value)]) };
    case 'series': {
      // A series reads as its spread in text; the HTML report draws it.
      const rows = block.series
        .filter((s) => s.values.length)
        .map((s) => {
          const q = quantiles(s.values);
          return [
            t.cell(s.label),
            tr.t('block.series', {
              min: t.cell(q.min),
              p50: t.cell(q.p50),
              p95: t.cell(q.p95),
              max: t.cell(q.max),
              count: s.values.length,
              unit: block.unit,
            }),
          ];
        });
      for (const l of block.limits ?? []) rows.push([t.label(l.label), `${t.cell(l.value)} ${block.unit}`]);
      return { title, rows };
    }
    case 'bars':
      return { title, rows: block.bars.map((b) => [t.cell(b.label), `${t.cell(b.value)} ${block.unit}`]) };
  }
}
