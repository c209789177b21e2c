// The Prometheus text exposition (format 0.0.4) of a report, for node_exporter's textfile
// collector: a file the collector re-reads at every scrape, so the series must say *when* the site
// was measured — siteready_run_timestamp_seconds — rather than rely on the scrape time (the
// collector rejects samples with their own timestamps). Every series carries the site; results
// carry check and target; measurements their id and unit as labels, since one check reports
// milliseconds, another Mbit/s. Numbers only: a string measurement has no sample; a boolean is 1/0.
// https://prometheus.io/docs/instrumenting/exposition_formats/

import type { Report } from '../model.js';
import { displayTarget } from './localize.js';

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

/** Label values: backslash, double quote and line feed are the three escapes the format has. */
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Go's strconv.ParseFloat reads these, and Prometheus writes them so. */
function valueText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

const STATUS_VALUES = ['pass', 'warn', 'fail', 'info', 'skipped', 'error'] as const;
const VERDICTS = ['READY', 'READY WITH RISKS', 'NOT READY'] as const;

export function renderPrometheus(report: Report): string {
  const site = { site: report.site.name };
  const families: Family[] = [];
  const family = (name: string, help: string): Family['samples'] => {
    const f: Family = { name: `siteready_${name}`, help, samples: [] };
    families.push(f);
    return f.samples;
  };

  family('run_timestamp_seconds', 'When the run started measuring, Unix seconds: the time of every value in this file.').push({
    labels: site,
    value: Date.parse(report.startedAt) / 1000,
  });
  family('run_duration_seconds', 'How long the run took, seconds.').push({ labels: site, value: report.durationMs / 1000 });
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

  const lines: string[] = [];
  // Duplicate label sets would be rejected by the collector: two results of one check on one target
  // (possible for compliance rules) keep the first.
  for (const f of families) {
    if (!f.samples.length) continue;
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} gauge`);
    const seen = new Set<string>();
    for (const s of f.samples) {
      const key = labelText(s.labels);
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`${f.name}${key} ${valueText(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
