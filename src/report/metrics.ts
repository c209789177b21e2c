// The metrics of a report, once: every family with its help, unit and samples, for each encoding
// to write — the Prometheus text exposition (render/prometheus.ts) and OTLP (otlp/encode.ts). The
// names are Prometheus names in both: a dashboard or alert written for one works on the other,
// and an OTLP receiver that translates to Prometheus keeps them (the families with a unit
// already end in it, so no suffix is added twice). Every series carries the site; results carry
// check and target; measurements their id and unit as labels, since one check reports
// milliseconds, another Mbit/s. Numbers only: a string measurement has no sample; a boolean is 1/0.

import type { Report } from './model.js';
import { displayTarget } from './render/localize.js';

export type MetricLabels = Record<string, string>;

export interface MetricSample {
  labels: MetricLabels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  /** UCUM, as OTLP carries it; only where the name ends in the unit Prometheus spells out. */
  unit?: string;
  samples: MetricSample[];
}

const STATUS_VALUES = ['pass', 'warn', 'fail', 'info', 'skipped', 'error'] as const;
const VERDICTS = ['READY', 'READY WITH RISKS', 'NOT READY'] as const;

/**
 * The report's metric families, in a fixed order, each with at least one sample. Two samples of a
 * family with the same labels (two results of one check on one target, possible for compliance
 * rules) would be rejected by a collector: the first is kept.
 */
export function reportMetrics(report: Report): MetricFamily[] {
  const site = { site: report.site.name };
  const families: MetricFamily[] = [];
  const family = (name: string, help: string, unit?: string): MetricSample[] => {
    const f: MetricFamily = { name: `siteready_${name}`, help, ...(unit ? { unit } : {}), samples: [] };
    families.push(f);
    return f.samples;
  };

  family('run_timestamp_seconds', 'When the run started measuring, Unix seconds: when every value of the run was measured.', 's').push({
    labels: site,
    value: Date.parse(report.startedAt) / 1000,
  });
  family('run_duration_seconds', 'How long the run took, seconds.', 's').push({ labels: site, value: report.durationMs / 1000 });
  family('run_complete', '1 when every task ran to the end; 0 when the run was interrupted or a check could not measure.').push({
    labels: site,
    value: report.complete ? 1 : 0,
  });
  family('info', 'The tool, report schema and site file of the run; always 1.').push({
    labels: { ...site, version: report.tool.version, schema_version: report.schemaVersion, site_sha256: report.site.sha256 },
    value: 1,
  });
  if (report.score !== null) family('score', 'Readiness score, 0-100.').push({ labels: site, value: report.score });
  if (report.grade)
    family('grade', 'The readiness grade, as a label; always 1.').push({ labels: { ...site, grade: report.grade }, value: 1 });
  const verdict = family('verdict', 'The verdict: 1 for the one the run reached, 0 for the others.');
  for (const v of VERDICTS) verdict.push({ labels: { ...site, verdict: v }, value: report.verdict === v ? 1 : 0 });
  family('blockers', 'Unwaived critical and high findings: what blocks the rollout.').push({ labels: site, value: report.blockers.length });
  family('risks', 'Unwaived medium and low findings.').push({ labels: site, value: report.risks?.length ?? 0 });

  const category = family('category_score', 'Score of each category, 0-1.');
  for (const c of report.categories) if (c.score !== null) category.push({ labels: { ...site, category: c.id }, value: c.score });
  const check = family('check_score', 'Score of each check over its targets, 0-1.');
  for (const c of report.checks)
    if (c.score !== null) check.push({ labels: { ...site, check: c.id, category: c.category }, value: c.score });

  const score = family('result_score', 'Score of each check on each target, 0-1.');
  const status = family('result_status', 'Status of each check on each target: 1 for its status, 0 for the others.');
  const measurement = family('measurement', 'Every numeric measurement of every result, in the unit its label names.');
  for (const r of report.results) {
    const labels = { ...site, check: r.check, target: displayTarget(r) };
    if (r.score !== null) score.push({ labels, value: r.score });
    for (const s of STATUS_VALUES) status.push({ labels: { ...labels, status: s }, value: r.status === s ? 1 : 0 });
    for (const m of r.measurements) {
      const value = typeof m.value === 'boolean' ? Number(m.value) : m.value;
      if (typeof value !== 'number') continue;
      measurement.push({ labels: { ...labels, measurement: m.id, unit: m.unit ?? '' }, value });
    }
  }

  const platformScore = family('platform_score', 'Readiness score of the site for each platform catalog, 0-100.');
  const platformVerdict = family('platform_verdict', "The site's verdict for each platform: 1 for the one reached, 0 for the others.");
  const platformBlockers = family('platform_blockers', "Blockers for each platform (the platform's own and site-wide).");
  for (const p of report.platforms ?? []) {
    const labels = { ...site, platform: p.id };
    if (p.score !== null) platformScore.push({ labels, value: p.score });
    for (const v of VERDICTS) platformVerdict.push({ labels: { ...labels, verdict: v }, value: p.verdict === v ? 1 : 0 });
    platformBlockers.push({ labels, value: p.blockerCount });
  }

  return families.filter((f) => f.samples.length > 0).map((f) => ({ ...f, samples: distinct(f.samples) }));
}

function distinct(samples: MetricSample[]): MetricSample[] {
  const seen = new Set<string>();
  return samples.filter((s) => {
    const key = JSON.stringify(Object.entries(s.labels));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
