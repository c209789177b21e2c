// CI gates over a report. Works on the report model alone, so a saved report can be re-gated.

import type { Message, Severity } from '../plugin-api.js';
import type { Report, ReportGate } from './model.js';
import { gradeRank, severityRank, type Grade } from '../scoring/score.js';

export interface GateOptions {
  failUnder?: number;
  minGrade?: Grade;
  failOn?: Severity;
  /** Without it, a check that could not measure fails any gate that is set. */
  allowIncomplete?: boolean;
}

export function hasGate(o: GateOptions): boolean {
  return o.failUnder !== undefined || o.minGrade !== undefined || o.failOn !== undefined;
}

/** The gate's verdict; its reasons are message ids (gate.*) with parameters, translated when shown. */
export function evaluateGate(report: Report, o: GateOptions): ReportGate {
  const reasons: Message[] = [];
  const t = (id: string, params?: Record<string, string | number>): Message => ({ id, ...(params ? { params } : {}) });
  if (o.failUnder !== undefined && (report.score === null || report.score < o.failUnder)) {
    reasons.push(t('gate.failUnder', { score: report.score ?? '—', limit: o.failUnder }));
  }
  if (o.minGrade !== undefined) {
    if (report.grade === null) reasons.push(t('gate.noGrade'));
    else if (gradeRank(report.grade) > gradeRank(o.minGrade)) reasons.push(t('gate.minGrade', { grade: report.grade, limit: o.minGrade }));
  }
  if (o.failOn !== undefined) {
    const limit = severityRank(o.failOn);
    const count = report.results
      .filter((r) => !r.waiver && (r.status === 'fail' || r.status === 'warn'))
      .flatMap((r) => r.findings)
      .filter((f) => severityRank(f.severity) >= limit).length;
    if (count > 0) reasons.push(t('gate.failOn', { count, limit: o.failOn }));
  }
  if (hasGate(o) && !o.allowIncomplete) {
    const errors = report.results.filter((r) => r.status === 'error' && !r.waiver).length;
    if (errors > 0) reasons.push(t('gate.incomplete', { count: errors }));
  }
  return {
    passed: reasons.length === 0,
    reasons,
    options: {
      ...(o.failUnder !== undefined ? { failUnder: o.failUnder } : {}),
      ...(o.minGrade !== undefined ? { minGrade: o.minGrade } : {}),
      ...(o.failOn !== undefined ? { failOn: o.failOn } : {}),
      ...(o.allowIncomplete ? { allowIncomplete: true } : {}),
    },
  };
}
