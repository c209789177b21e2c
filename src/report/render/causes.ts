// What every human format shows of a cause: its title in the reader's language, the fix (the lead
// finding's remediation), and the results it explains, folded into one line.

import type { Catalog } from '../../plugin-api.js';
import type { Translator } from '../../i18n/index.js';
import type { Report, ReportCause, ReportFinding, ReportResult } from '../model.js';
import { messageText, resultOfBlocker } from './localize.js';

export interface CauseView {
  cause: ReportCause;
  title: string;
  fix: string;
  /** "tcp · api, http · api, tls · api (+3 more)". */
  affected: string;
  lead?: { result: ReportResult; finding: ReportFinding };
}

/** Results of checks the plan never ran (the reasons the runner gives unplanned checks). */
const UNPLANNED = new Set(['not-applicable', 'disabled', 'opt-in']);

/** At most this many check · target pairs are named; the rest are counted. */
const NAMED = 6;

export function causeView(report: Report, c: ReportCause, tr: Translator, catalogs?: Map<string, Record<string, Catalog>>): CauseView {
  const result = resultOfBlocker(report, c.lead);
  const finding = result?.findings.find((f) => f.id === c.lead.finding);
  const own = catalogs?.get(c.lead.check);
  const title = c.title.id.startsWith('cause.') ? tr.t(c.title.id, c.title.params) : messageText(tr, own, c.title);
  const fix = finding?.remediation ? messageText(tr, own, finding.remediation) : '';
  const pairs = [...new Set(c.affected.map((a) => `${a.check} · ${a.target}`))];
  const affected = pairs.length > NAMED ? `${pairs.slice(0, NAMED).join(', ')} (+${pairs.length - NAMED})` : pairs.join(', ');
  return { cause: c, title, fix, affected, ...(result && finding ? { lead: { result, finding } } : {}) };
}

/** The report's causes, blocking and not; empty for reports written before causes existed. */
export function causesOf(report: Report): { blocking: ReportCause[]; risks: ReportCause[] } {
  const all = report.causes ?? [];
  return { blocking: all.filter((c) => c.blocking), risks: all.filter((c) => !c.blocking) };
}

/**
 * The counts every format and the progress line agree on: tasks are the check × target pairs the
 * plan ran (not-applicable checks and compliance rules are not tasks), rules are counted apart.
 */
export function taskCounts(report: Report): { tasks: number; rules: number } {
  const rules = report.results.filter((r) => r.check === 'compliance').length;
  const tasks = report.results.filter((r) => r.check !== 'compliance' && !(r.status === 'skipped' && UNPLANNED.has(r.reason ?? ''))).length;
  return { tasks, rules };
}

/** A classification word in the reader's language; a word the catalog does not know is shown as it is. */
export function classificationText(t: (id: string, p?: Record<string, string | number>) => string, classification: string): string {
  const id = `class.${classification}`;
  const word = t(id);
  return word === id ? classification : word;
}
