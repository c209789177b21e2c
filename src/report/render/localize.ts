// People-facing text of a report in the reader's language: core strings, check titles, and each
// finding's message and fix looked up from the checks' catalogs by id. A report stores ids and
// parameters only; it carries the catalogs of its plugins and profiles, and a message whose catalog
// is nowhere at hand still reads as its id and parameters.

import type { Catalog, Message } from '../../plugin-api.js';
import { translator, type Lang, type Translator } from '../../i18n/index.js';
import type { Report, ReportFinding, ReportResult } from '../model.js';

export interface ReportText {
  tr: Translator;
  t: Translator['t'];
  /** A finding's message or remediation in the reader's language. */
  finding(check: string, f: ReportFinding, kind: 'message' | 'remediation'): string;
  /** A check's title: the core catalog, then the title the report carries. */
  checkTitle(report: Report, check: string): string;
  /** A compliance rule's title and fix from the profile catalogs. */
  rule(id: string, kind: 'title' | 'fix'): string | undefined;
  profileTitle(id: string): string | undefined;
}

export function reportText(lang: Lang, catalogs?: Map<string, Record<string, Catalog>>): ReportText {
  const tr = translator(lang);
  const lookupIn = (check: string, id: string): string | undefined => {
    const c = catalogs?.get(check);
    return c?.[lang]?.[id] ?? c?.en?.[id];
  };
  return {
    tr,
    t: tr.t,
    finding(check, f, kind) {
      const msg = kind === 'message' ? f.message : f.remediation;
      return msg ? messageText(tr, catalogs?.get(check), msg) : '';
    },
    checkTitle(report, check) {
      const key = `check.${check}.title`;
      const own = tr.t(key);
      if (own !== key) return own;
      return report.checks.find((c) => c.id === check)?.title ?? check;
    },
    rule(id, kind) {
      return lookupIn('compliance', `${id}.${kind}`);
    },
    profileTitle(id) {
      return lookupIn('compliance', `profile:${id}`);
    },
  };
}

/**
 * A check's message in the reader's language. Without the check's catalog (a plugin that is not
 * installed here and a report from before catalogs were carried) the id and parameters still say
 * what happened.
 */
export function messageText(tr: Translator, catalogs: Record<string, Catalog> | undefined, msg: Message): string {
  const known = catalogs && (catalogs[tr.lang]?.[msg.id] ?? catalogs.en?.[msg.id]) !== undefined;
  if (known) return tr.check(catalogs, msg);
  const params = Object.entries(msg.params ?? {}).map(([k, v]) => `${k}=${v}`);
  return params.length ? `${msg.id} (${params.join(', ')})` : msg.id;
}

/** The catalogs a renderer looks text up in: the checks at hand, then what the report carries. */
export function catalogsFor(report: Report, given?: Map<string, Record<string, Catalog>>): Map<string, Record<string, Catalog>> {
  const all = new Map(Object.entries(report.catalogs ?? {}));
  for (const [id, c] of given ?? []) all.set(id, c);
  return all;
}

/** The result a blocker came from: compliance results share a target, so match the finding too. */
export function resultOfBlocker(report: Report, b: { check: string; target: string; finding: string }): ReportResult | undefined {
  return (
    report.results.find((r) => r.check === b.check && r.target === b.target && r.findings.some((f) => f.id === b.finding)) ??
    report.results.find((r) => r.check === b.check && r.target === b.target)
  );
}

/** A compliance result names its rule: "baseline.mfa-admins" instead of the bare profile id. */
export function displayTarget(r: ReportResult): string {
  return r.check === 'compliance' && typeof r.facts.rule === 'string' ? `${r.target}.${r.facts.rule}` : r.target;
}
