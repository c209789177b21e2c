// Who fixes a blocker and roughly how long it takes. The report has no staffing data, so this is
// an explicit estimate (the report states the rule): the owner is the one a waiver for the same
// check names, else the team usually responsible for the category; the effort follows from the
// kind of change the finding asks for, one step more for critical and high severity.

import type { Category, Severity } from '../../plugin-api.js';
import type { Report, ReportBlocker } from '../model.js';

export type ChangeKind = 'configuration' | 'policy' | 'infrastructure';
export type Effort = 'hours' | 'days' | 'weeks';

/** What the check says fixing it takes (its definition's fixKind), else what its category suggests. */
export function changeKind(report: Pick<Report, 'checks'>, b: Pick<ReportBlocker, 'check' | 'category'>): ChangeKind {
  const declared = report.checks.find((c) => c.id === b.check)?.fixKind;
  if (declared) return declared;
  // Compliance rules are met by deciding and documenting how the organisation works.
  if (b.category === 'compliance') return 'policy';
  return 'configuration';
}

const STEPS: Effort[] = ['hours', 'days', 'weeks'];
const BASE: Record<ChangeKind, number> = { configuration: 0, policy: 1, infrastructure: 2 };

export function effortOf(kind: ChangeKind, severity: Severity): Effort {
  const bump = severity === 'critical' || severity === 'high' ? 1 : 0;
  return STEPS[Math.min(STEPS.length - 1, BASE[kind] + bump)]!;
}

export type Owner = { kind: 'waiver'; name: string } | { kind: 'suggested'; category: Category };

/** A waiver's owner for the same check (and target or finding when the waiver names one). */
export function ownerOf(report: Report, b: ReportBlocker): Owner {
  const candidates = report.waivers.filter((w) => w.check === b.check && w.owner);
  const exact = candidates.find(
    (w) => (w.target !== undefined && w.target === b.target) || (w.finding !== undefined && w.finding === b.finding),
  );
  const loose = candidates.find((w) => w.target === undefined && w.finding === undefined);
  const w = exact ?? loose;
  return w?.owner ? { kind: 'waiver', name: w.owner } : { kind: 'suggested', category: b.category };
}
