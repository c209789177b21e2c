// What the HTML report says, in the reader's language: core and html.* strings, check titles,
// findings and fixes looked up again from the checks' catalogs by id (the report's English text
// is the fallback when a check's catalog is not at hand, e.g. an uninstalled plugin).

import type { Catalog } from '../../plugin-api.js';
import { format, type Lang } from '../../i18n/index.js';
import type { ReportCause, Report, ReportFinding } from '../model.js';
import { blockText, type BlockText } from './blocks.js';
import { reportText } from './localize.js';
import { causeView, type CauseView } from './causes.js';

export interface HtmlText {
  lang: Lang;
  t(id: string, params?: Record<string, string | number>): string;
  finding(check: string, f: ReportFinding, kind: 'message' | 'remediation'): string;
  checkTitle(check: string): string;
  /** A string from a check's catalog (TLS rule titles, compliance rule titles and fixes). */
  fromCheck(check: string, id: string, params?: Record<string, string | number>): string | undefined;
  number(n: number, digits?: number): string;
  date(iso: string): string;
  /** Cells and labels of a check's blocks. */
  blocks(check: string): BlockText;
  /** A cause's title, fix and what it clears, in the reader's language. */
  cause(c: ReportCause): CauseView;
}

export function htmlText(report: Report, lang: Lang, catalogs?: Map<string, Record<string, Catalog>>): HtmlText {
  const text = reportText(lang, catalogs);
  const locale = lang === 'zh-CN' ? 'zh-CN' : 'en-GB';
  const fromCheck = (check: string, id: string, params?: Record<string, string | number>) => {
    const c = catalogs?.get(check);
    const found = c?.[lang]?.[id] ?? c?.en?.[id];
    return found === undefined ? undefined : format(found, params);
  };
  const number = (n: number, digits?: number) => {
    const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : Math.abs(n) >= 1 ? 2 : 3);
    return new Intl.NumberFormat(locale, { maximumFractionDigits: d }).format(n);
  };
  return {
    lang,
    t: text.t,
    blocks: (check) => blockText(text.tr, catalogs?.get(check), (n) => number(n)),
    finding: text.finding,
    cause: (c) => causeView(report, c, text.tr, catalogs),
    checkTitle: (check) => text.checkTitle(report, check),
    fromCheck,
    number,
    date(iso) {
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return iso;
      // UTC, so that a report reads the same wherever it is opened or re-rendered.
      return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    },
  };
}
