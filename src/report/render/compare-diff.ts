// What changed between two reports of the same site: per result (status, score), per finding,
// overall score and grade, and per measurement beyond a tolerance. A regression is what a
// remediation follow-up must not accept: a result that got worse, a new unwaived finding, a lower
// score or a worse grade. Measurements are reported, not gated: they move with the weather.

import type { Severity, Status } from '../../plugin-api.js';
import type { Report, ReportResult } from '../model.js';
import { displayTarget } from './localize.js';

/** Better first. A waived result counts as what it was waived from: waiving is not fixing. */
const STATUS_RANK: Record<Status, number> = { pass: 0, info: 0, skipped: 0, warn: 1, fail: 2, error: 2 };
const GRADE_RANK: Record<string, number> = { A: 0, B: 1, C: 2, D: 3, E: 4, F: 5 };

export interface ResultChange {
  check: string;
  target: string;
  before: { status: Status; score: number | null };
  after: { status: Status; score: number | null };
}

export interface FindingChange {
  check: string;
  target: string;
  finding: string;
  severity: Severity;
  waived: boolean;
}

export interface MeasurementChange {
  check: string;
  target: string;
  measurement: string;
  unit?: string;
  before: number;
  after: number;
  changePercent: number;
  /** From the measurement's threshold: a `max` means lower is better, a `min` higher. */
  direction: 'better' | 'worse' | 'changed';
}

export interface ReportComparison {
  before: { file: string; finishedAt: string; score: number | null; grade: string | null; verdict: string };
  after: { file: string; finishedAt: string; score: number | null; grade: string | null; verdict: string };
  score: { before: number | null; after: number | null; delta: number | null };
  grade: { before: string | null; after: string | null; change: 'better' | 'worse' | 'same' };
  regressed: ResultChange[];
  improved: ResultChange[];
  appeared: { results: Array<{ check: string; target: string; status: Status }>; findings: FindingChange[] };
  disappeared: { results: Array<{ check: string; target: string; status: Status }>; findings: FindingChange[] };
  measurements: MeasurementChange[];
  tolerancePercent: number;
  /** Human-checkable reasons, each one a regression; empty when nothing got worse. */
  regressions: string[];
}

const keyOf = (r: ReportResult) => `${r.check}\u0000${displayTarget(r)}`;

function gradeChange(before: string | null, after: string | null): 'better' | 'worse' | 'same' {
  if (before === after) return 'same';
  if (after === null) return 'worse';
  if (before === null) return 'better';
  return GRADE_RANK[after]! > GRADE_RANK[before]! ? 'worse' : 'better';
}

export function compareReports(
  before: Report,
  after: Report,
  opts: { tolerancePercent?: number; beforeFile?: string; afterFile?: string } = {},
): ReportComparison {
  const tolerance = opts.tolerancePercent ?? 10;
  const b = new Map(before.results.map((r) => [keyOf(r), r]));
  const a = new Map(after.results.map((r) => [keyOf(r), r]));
  const out: ReportComparison = {
    before: {
      file: opts.beforeFile ?? before.site.file,
      finishedAt: before.finishedAt,
      score: before.score,
      grade: before.grade,
      verdict: before.verdict,
    },
    after: {
      file: opts.afterFile ?? after.site.file,
      finishedAt: after.finishedAt,
      score: after.score,
      grade: after.grade,
      verdict: after.verdict,
    },
    score: {
      before: before.score,
      after: after.score,
      delta: before.score !== null && after.score !== null ? after.score - before.score : null,
    },
    grade: { before: before.grade, after: after.grade, change: gradeChange(before.grade, after.grade) },
    regressed: [],
    improved: [],
    appeared: { results: [], findings: [] },
    disappeared: { results: [], findings: [] },
    measurements: [],
    tolerancePercent: tolerance,
    regressions: [],
  };

  for (const [key, ra] of a) {
    const rb = b.get(key);
    const target = displayTarget(ra);
    if (!rb) {
      out.appeared.results.push({ check: ra.check, target, status: ra.status });
      for (const f of ra.findings)
        out.appeared.findings.push({ check: ra.check, target, finding: f.id, severity: f.severity, waived: Boolean(ra.waiver) });
      continue;
    }
    const change: ResultChange = {
      check: ra.check,
      target,
      before: { status: rb.status, score: rb.score },
      after: { status: ra.status, score: ra.score },
    };
    const rankB = STATUS_RANK[rb.status];
    const rankA = STATUS_RANK[ra.status];
    const scoreDrop = rb.score !== null && ra.score !== null ? rb.score - ra.score : 0;
    if (rankA > rankB || (rankA === rankB && scoreDrop > 0.05)) out.regressed.push(change);
    else if (rankA < rankB || (rankA === rankB && scoreDrop < -0.05)) out.improved.push(change);

    const fb = new Set(rb.findings.map((f) => f.id));
    const fa = new Set(ra.findings.map((f) => f.id));
    for (const f of ra.findings)
      if (!fb.has(f.id))
        out.appeared.findings.push({ check: ra.check, target, finding: f.id, severity: f.severity, waived: Boolean(ra.waiver) });
    for (const f of rb.findings)
      if (!fa.has(f.id))
        out.disappeared.findings.push({ check: rb.check, target, finding: f.id, severity: f.severity, waived: Boolean(rb.waiver) });

    const mb = new Map(rb.measurements.map((m) => [m.id, m]));
    for (const m of ra.measurements) {
      const old = mb.get(m.id);
      if (!old || typeof m.value !== 'number' || typeof old.value !== 'number') continue;
      const base = Math.abs(old.value);
      const pct = base === 0 ? (m.value === 0 ? 0 : 100) : (100 * (m.value - old.value)) / base;
      if (Math.abs(pct) <= tolerance) continue;
      const th = (m as { threshold?: { max?: number; min?: number } }).threshold;
      const direction =
        th?.max !== undefined
          ? m.value < old.value
            ? 'better'
            : 'worse'
          : th?.min !== undefined
            ? m.value > old.value
              ? 'better'
              : 'worse'
            : 'changed';
      out.measurements.push({
        check: ra.check,
        target,
        measurement: m.id,
        ...(m.unit ? { unit: m.unit } : {}),
        before: old.value,
        after: m.value,
        changePercent: Math.round(pct * 10) / 10,
        direction,
      });
    }
  }
  for (const [key, rb] of b) {
    if (a.has(key)) continue;
    const target = displayTarget(rb);
    out.disappeared.results.push({ check: rb.check, target, status: rb.status });
    for (const f of rb.findings)
      out.disappeared.findings.push({ check: rb.check, target, finding: f.id, severity: f.severity, waived: Boolean(rb.waiver) });
  }

  if (out.score.delta !== null && out.score.delta < 0) out.regressions.push(`score ${before.score} → ${after.score}`);
  if (out.score.before !== null && out.score.after === null) out.regressions.push('the score is gone');
  if (out.grade.change === 'worse') out.regressions.push(`grade ${before.grade ?? '—'} → ${after.grade ?? '—'}`);
  for (const c of out.regressed)
    out.regressions.push(
      `${c.check} · ${c.target}: ${c.before.status} → ${c.after.status}${c.before.status === c.after.status ? ` (score ${c.before.score} → ${c.after.score})` : ''}`,
    );
  for (const f of out.appeared.findings) {
    if (!f.waived && f.severity !== 'info') out.regressions.push(`${f.check} · ${f.target}: new finding ${f.finding} (${f.severity})`);
  }
  return out;
}
