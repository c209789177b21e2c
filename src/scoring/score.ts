// Results → scores, grade and verdict (DESIGN §4; models: Lighthouse weighting, SSL Labs caps).
//
//   check score    mean of its targets' scores (an error counts 0 and marks the category incomplete;
//                  waived, skipped and informative results weigh nothing)
//   category       weighted mean of its checks by meta.weight
//   overall        weighted mean of the categories that have a score, 0..100
//   grade          A ≥ 80, B ≥ 65, C ≥ 50, D ≥ 35, E ≥ 20, else F; then caps: an unwaived critical
//                  failure caps at D, a high one at B; nothing measurable → no letter at all

import type { Category, CheckMeta, Severity } from '../plugin-api.js';
import { CATEGORIES, SEVERITIES } from '../plugin-api.js';
import type { TaskResult } from '../runner/run.js';
import { byCodeUnit } from '../util/order.js';

export const CATEGORY_WEIGHTS: Record<Category, number> = {
  network: 30,
  security: 25,
  compliance: 20,
  integration: 15,
  capacity: 10,
};

export const GRADES = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export type Grade = (typeof GRADES)[number];
export type Verdict = 'READY' | 'READY WITH RISKS' | 'NOT READY';

const GRADE_FLOORS: Array<[Grade, number]> = [
  ['A', 80],
  ['B', 65],
  ['C', 50],
  ['D', 35],
  ['E', 20],
  ['F', 0],
];

export function gradeFor(score: number): Grade {
  for (const [g, floor] of GRADE_FLOORS) if (score >= floor) return g;
  return 'F';
}

export function gradeRank(g: Grade): number {
  return GRADES.indexOf(g);
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export interface CheckScore {
  id: string;
  category: Category;
  weight: number;
  score: number | null;
  incomplete: boolean;
}

export interface CategoryScore {
  id: Category;
  weight: number;
  score: number | null;
  status: 'scored' | 'incomplete' | 'not-applicable';
  checks: string[];
}

export interface Blocker {
  resultKey: string;
  check: string;
  target: string;
  category: Category;
  findingIndex: number;
  severity: Severity;
}

export interface Scored {
  score: number | null;
  grade: Grade | null;
  /** The letter the number alone would give, when a cap lowered it. */
  uncappedGrade?: Grade;
  cap?: { grade: Grade; reason: 'critical' | 'high' };
  gradeNote?: 'unreachable' | 'nothing-measured';
  verdict: Verdict;
  complete: boolean;
  checks: CheckScore[];
  categories: CategoryScore[];
  /** Unwaived critical and high findings of results that fail, warn or could not measure, most severe first: what blocks the rollout. */
  blockers: Blocker[];
  /** The same for medium and low findings: risks and recommendations, not blockers. */
  risks: Blocker[];
}

const UNREACHABLE = new Set(['dns-failure', 'refused', 'filtered', 'unreachable', 'timeout']);

export function scoreResults(results: TaskResult[], metas: Map<string, CheckMeta>, waived: Set<string>): Scored {
  const checks: CheckScore[] = [];
  for (const [id, meta] of metas) {
    const mine = results.filter((r) => r.check === id && !waived.has(r.key));
    const scored = mine.filter((r) => r.status !== 'skipped' && r.status !== 'info');
    const incomplete = scored.some((r) => r.status === 'error');
    const values = scored.map((r) => (r.status === 'error' ? 0 : r.score)).filter((s): s is number => s !== null);
    checks.push({
      id,
      category: meta.category,
      weight: meta.weight,
      score: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
      incomplete,
    });
  }

  const categories: CategoryScore[] = CATEGORIES.map((id) => {
    const mine = checks.filter((c) => c.category === id);
    const weighted = mine.filter((c) => c.score !== null && c.weight > 0);
    const totalWeight = weighted.reduce((a, c) => a + c.weight, 0);
    const score = totalWeight > 0 ? weighted.reduce((a, c) => a + c.weight * (c.score ?? 0), 0) / totalWeight : null;
    const incomplete = mine.some((c) => c.incomplete);
    return {
      id,
      weight: CATEGORY_WEIGHTS[id],
      score,
      status: incomplete ? 'incomplete' : score === null ? 'not-applicable' : 'scored',
      checks: mine.map((c) => c.id),
    };
  });

  const scoredCats = categories.filter((c) => c.score !== null);
  const catWeight = scoredCats.reduce((a, c) => a + c.weight, 0);
  const score = catWeight > 0 ? Math.round((100 * scoredCats.reduce((a, c) => a + c.weight * (c.score ?? 0), 0)) / catWeight) : null;
  const complete = !categories.some((c) => c.status === 'incomplete');

  const concerns: Blocker[] = [];
  for (const r of results) {
    // An error that says why it could not measure (a reflector that is down) is something to fix too.
    if (waived.has(r.key) || (r.status !== 'fail' && r.status !== 'warn' && r.status !== 'error')) continue;
    const meta = metas.get(r.check);
    if (!meta) continue;
    r.findings.forEach((f, i) => {
      if (f.severity === 'info') return;
      concerns.push({ resultKey: r.key, check: r.check, target: r.target, category: meta.category, findingIndex: i, severity: f.severity });
    });
  }
  concerns.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      CATEGORY_WEIGHTS[b.category] - CATEGORY_WEIGHTS[a.category] ||
      byCodeUnit(a.check, b.check) ||
      byCodeUnit(a.target, b.target),
  );

  const blockers = concerns.filter((b) => b.severity === 'critical' || b.severity === 'high');
  const risks = concerns.filter((b) => b.severity !== 'critical' && b.severity !== 'high');
  // Caps look at failures only: a warning is a risk, not a broken requirement.
  const failingSeverities = new Set(
    blockers.filter((b) => results.find((r) => r.key === b.resultKey)?.status === 'fail').map((b) => b.severity),
  );
  const cap: Scored['cap'] = failingSeverities.has('critical')
    ? { grade: 'D', reason: 'critical' }
    : failingSeverities.has('high')
      ? { grade: 'B', reason: 'high' }
      : undefined;

  let gradeNote: Scored['gradeNote'];
  const measured = results.filter((r) => r.status !== 'skipped' && r.status !== 'error');
  // An endpoint expected to be blocked passes when it is unreachable: that is not "nothing reachable".
  const reachability = results.filter(
    (r) => r.classification !== undefined && !(r.status === 'pass' && UNREACHABLE.has(String(r.classification))),
  );
  if (score === null || measured.length === 0) gradeNote = 'nothing-measured';
  else if (reachability.length > 0 && reachability.every((r) => UNREACHABLE.has(String(r.classification)))) gradeNote = 'unreachable';

  let grade: Grade | null = null;
  let uncappedGrade: Grade | undefined;
  if (!gradeNote && score !== null) {
    grade = gradeFor(score);
    if (cap && gradeRank(grade) < gradeRank(cap.grade)) {
      uncappedGrade = grade;
      grade = cap.grade;
    }
  }

  // The words match: a site with blockers is not ready; risks alone (or a grade below A, or an
  // incomplete run) make it ready with risks.
  let verdict: Verdict;
  if (grade === null || blockers.length > 0 || gradeRank(grade) >= gradeRank('D')) verdict = 'NOT READY';
  else if (grade !== 'A' || risks.length > 0 || !complete) verdict = 'READY WITH RISKS';
  else verdict = 'READY';

  return {
    // A number computed only from errors (each counted 0), or from declarations while nothing was
    // reachable, would read as a measured result: with no letter there is no number either.
    score: gradeNote ? null : score,
    grade,
    ...(uncappedGrade ? { uncappedGrade } : {}),
    ...(cap && uncappedGrade ? { cap } : {}),
    ...(gradeNote ? { gradeNote } : {}),
    verdict,
    complete,
    checks,
    categories,
    blockers,
    risks,
  };
}
