// People-facing text of a report in the reader's language: core strings, check titles, and each
// finding's message and fix looked up again from the checks' catalogs by id. A report carries the
// English text too, so a check whose catalog is not at hand (an uninstalled plugin) still reads.

import type { Catalog, Message } from '../../plugin-api.js';
import { translator, type Lang, type Translator } from '../i18n/index.js';
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
      const cats = catalogs?.get(check);
      const id = kind === 'message' ? f.messageId : f.remediationId;
      const fallback = (kind === 'message' ? f.message : f.remediation) ?? '';
      if (!cats || !id) return fallback;
      const params = kind === 'message' ? f.params : f.remediationParams;
      const msg: Message = { id, ...(params ? { params } : {}) };
      return tr.check(cats, msg);
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

/** The result a blocker came from: compliance results share a target, so match the finding too. */
export function resultOfBlocker(report: Report, b: { check: string; target: string; finding: string }): ReportResult | undefined {
  return (
    report.results.find((r) => r.check === b.check && r.target === b.target && r.findings.some((f) => f.id === b.finding)) ??
    report.results.find((r) => r.check === b.check && r.target === b.target)
  );
}

/** A compliance result names its rule: "baseline.mfa-admins" instead of the bare profile id. */
export function displayTarget(r: ReportResult): string {
  return r.check === 'compliance' && typeof r.details.rule === 'string' ? `${r.target}.${r.details.rule}` : r.target;
}
