// The Prometheus text exposition (format 0.0.4) of a report's metrics (../metrics.ts), for
// node_exporter's textfile collector: a file the collector re-reads at every scrape, so the series
// must say *when* the site was measured — siteready_run_timestamp_seconds — rather than rely on the
// scrape time (the collector rejects samples with their own timestamps).
// https://prometheus.io/docs/instrumenting/exposition_formats/

import { reportMetrics, type MetricLabels } from '../metrics.js';
import type { Report } from '../model.js';

/** Label values: backslash, double quote and line feed are the three escapes the format has. */
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: MetricLabels): string {
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

export function renderPrometheus(report: Report): string {
  const lines: string[] = [];
  for (const f of reportMetrics(report)) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${valueText(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}
