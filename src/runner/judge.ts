// Facts → verdict, the pure half of a task: used right after measuring and again, from a saved
// report, by re-judging. The status is derived here from the judgement (never stated by a check),
// the target's severity override and site-file location are applied here, and a judge that throws
// or returns nonsense is an error of the task, not of the run.

import { errorMessage } from '../errors.js';
import type { Block, Finding, JudgeContext, Judgement, MeasuredCheck, Measurement, Site, Status, Target } from '../plugin-api.js';
import { SEVERITIES, statusOf } from '../plugin-api.js';
import type { TaskResult } from './run.js';

export interface Verdict {
  status: Status;
  score: number | null;
  measurements: Measurement[];
  findings: Finding[];
  blocks?: Block[];
  /** How the path behaved: the judgement's word, else the facts' `classification`. */
  classification?: string;
  /** The route the facts say was taken (`facts.path`: direct or proxy). */
  path?: 'direct' | 'proxy';
  /** Why the check does not apply here (status skipped). */
  reason?: string;
  /** The judgement says nothing could be measured, or the judge itself failed. */
  error?: { kind: 'not-measured' | 'judge-error'; message: string };
}

/** `thresholds: {"<check>.<name>": value}` from the site file, over the check's own default. */
export function thresholdOf(site: Site, checkId: string): JudgeContext['threshold'] {
  return (name, fallback) => {
    const v = site.thresholds[`${checkId}.${name}`];
    return typeof v === 'number' ? v : fallback;
  };
}

/** Findings as the report shows them: the endpoint's severity override, located on its YAML line. */
export function placeFindings(findings: Finding[], target: Target): Finding[] {
  return findings.map((f) => ({
    ...f,
    severity: target.severity && f.severity !== 'info' ? target.severity : f.severity,
    ...((f.location ?? target.location) ? { location: f.location ?? target.location } : {}),
  }));
}

function judgementProblem(j: Judgement | undefined): string | undefined {
  if (!j || typeof j !== 'object') return 'not an object';
  if (j.score !== null && (typeof j.score !== 'number' || !(j.score >= 0 && j.score <= 1))) return `score ${String(j.score)} outside 0..1`;
  for (const f of j.findings ?? []) {
    if (!f || typeof f.id !== 'string' || !SEVERITIES.includes(f.severity) || !f.message?.id) return 'malformed finding';
  }
  for (const m of j.measurements ?? []) if (!m || typeof m.id !== 'string') return 'malformed measurement';
  return undefined;
}

export function judgeFacts<O, F>(def: MeasuredCheck<O, F>, facts: F, ctx: { options: O; site: Site; target: Target }): Verdict {
  const judgeCtx: JudgeContext<O> = { ...ctx, threshold: thresholdOf(ctx.site, def.meta.id) };
  let judgement: Judgement;
  try {
    judgement = def.judge(facts, judgeCtx);
  } catch (err) {
    return {
      status: 'error',
      score: null,
      measurements: [],
      findings: [],
      error: { kind: 'judge-error', message: `the check's judge failed: ${errorMessage(err)}` },
    };
  }
  const problem = judgementProblem(judgement);
  if (problem)
    return {
      status: 'error',
      score: null,
      measurements: [],
      findings: [],
      error: { kind: 'judge-error', message: `the check's judge returned an invalid judgement: ${problem}` },
    };
  let blocks: Block[] | undefined;
  try {
    blocks = def.present?.(facts, { options: ctx.options, target: ctx.target, site: ctx.site, judgement });
  } catch {
    // What a check shows is not what it decides: a presentation that fails costs the blocks only.
    blocks = undefined;
  }
  const status = statusOf(judgement);
  const f = facts as { classification?: unknown; path?: unknown };
  const classification = judgement.classification ?? (typeof f?.classification === 'string' ? f.classification : undefined);
  return {
    status,
    ...(classification ? { classification } : {}),
    ...(f?.path === 'direct' || f?.path === 'proxy' ? { path: f.path } : {}),
    ...(judgement.notApplicable !== undefined ? { reason: judgement.notApplicable } : {}),
    score: status === 'skipped' || status === 'error' ? null : judgement.score,
    measurements: judgement.measurements ?? [],
    findings: placeFindings(judgement.findings ?? [], ctx.target),
    ...(blocks?.length ? { blocks } : {}),
    ...(judgement.error !== undefined ? { error: { kind: 'not-measured' as const, message: judgement.error } } : {}),
  };
}

/** A result judged again: the verdict's fields replace the old ones; what the verdict does not say is dropped. */
export function withVerdict(result: TaskResult, verdict: Verdict): TaskResult {
  const { error: _e, blocks: _b, classification: _c, path: _p, reason: _r, ...rest } = result;
  return {
    ...rest,
    status: verdict.status,
    score: verdict.score,
    measurements: verdict.measurements,
    findings: verdict.findings,
    ...(verdict.classification ? { classification: verdict.classification } : {}),
    ...(verdict.path ? { path: verdict.path } : {}),
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    ...(verdict.blocks ? { blocks: verdict.blocks } : {}),
    ...(verdict.error ? { error: verdict.error } : {}),
  };
}
