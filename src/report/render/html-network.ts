// The network and capacity visuals: RTT over each latency stream (or its percentiles against the
// targets when no per-packet series was kept), jitter against the Teams target, throughput next to
// the real-time demand, and the QoS classes table.

import type { Report, ReportResult } from '../model.js';
import { barChart, bulletChart, seriesChart, type BarGroup, type BulletRow } from './html-charts.js';
import { html, type SafeHtml } from './html-escape.js';
import type { HtmlText } from './html-text.js';

type Rec = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const rec = (v: unknown): Rec | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined);

function measured(r: ReportResult, id: string): { value?: number; max?: number; min?: number } {
  const m = r.measurements.find((x) => x.id === id);
  return { value: num(m?.value), max: m?.threshold?.max, min: m?.threshold?.min };
}

function profileOf(r: ReportResult): string {
  return typeof r.facts.profile === 'string' ? r.facts.profile : r.target;
}

/** Per-packet RTT series: [[ms since start, rtt ms], …] as the latency check records it. */
function seriesOf(r: ReportResult): Array<[number, number]> {
  const raw = r.facts.series;
  if (!Array.isArray(raw)) return [];
  return raw.filter((p): p is [number, number] => Array.isArray(p) && num(p[0]) !== undefined && num(p[1]) !== undefined);
}

export function latencyFigures(report: Report, x: HtmlText): SafeHtml {
  const streams = report.results.filter((r) => r.check === 'latency' && r.status !== 'skipped' && r.status !== 'error');
  if (!streams.length) return html``;
  const charts: SafeHtml[] = [];
  const bullets: BulletRow[] = [];
  for (const r of streams) {
    const rtt = rec(r.facts.rttMs);
    const p50 = num(rtt?.p50) ?? measured(r, 'rtt-p50').value;
    const p95m = measured(r, 'rtt-p95');
    const p95 = num(rtt?.p95) ?? p95m.value;
    const profile = profileOf(r);
    const series = seriesOf(r);
    const ms = (v: number) => `${x.number(v)} ms`;
    if (series.length >= 2) {
      charts.push(html`<figure class="chart" data-chart="latency-series">
  ${seriesChart({
    points: series,
    ...(p50 !== undefined ? { p50 } : {}),
    ...(p95 !== undefined ? { p95 } : {}),
    ...(p95m.max !== undefined ? { limit: p95m.max } : {}),
    labels: {
      axisX: x.t('html.chart.axisTime'),
      axisY: x.t('html.chart.axisRtt'),
      p50: p50 === undefined ? '' : x.t('html.chart.median', { value: x.number(p50) }),
      p95: p95 === undefined ? '' : x.t('html.chart.p95', { value: x.number(p95) }),
      limit: x.t('html.chart.targetDrawn'),
    },
  })}
  <figcaption>${x.t('html.chart.latency', { profile })} (<span class="mono">${r.target}</span>). ${p95m.max !== undefined ? x.t('html.chart.target', { value: x.number(p95m.max) }) : ''}</figcaption>
</figure>`);
    }
    if (p95 !== undefined && p95m.max !== undefined) {
      if (series.length < 2 && p50 !== undefined) bullets.push({ label: `${profile} · ${x.t('html.chart.rttP50')}`, value: p50, limit: p95m.max, text: x.t('html.chart.of', { value: ms(p50), limit: x.number(p95m.max) }) });
      bullets.push({ label: `${profile} · ${x.t('html.chart.rttP95')}`, value: p95, limit: p95m.max, text: x.t('html.chart.of', { value: ms(p95), limit: x.number(p95m.max) }) });
    }
    const jitterLimit = measured(r, 'jitter').max;
    if (jitterLimit !== undefined) {
      for (const dir of ['up', 'down'] as const) {
        const v = measured(r, `jitter-${dir}`).value;
        if (v === undefined) continue;
        const label = `${profile} · ${x.t('html.chart.jitter', { direction: x.t(`html.chart.${dir}`) })}`;
        bullets.push({ label, value: v, limit: jitterLimit, text: x.t('html.chart.of', { value: ms(v), limit: x.number(jitterLimit) }) });
      }
    }
  }
  return html`${charts.length ? html`<div class="chart-row">${charts}</div>` : ''}
${bullets.length ? html`<figure class="chart" data-chart="latency-targets">${bulletChart(bullets, x.t('html.chart.targetMark'))}<figcaption>${x.t('html.chart.latencyBars')}</figcaption></figure>` : ''}`;
}

export function hasThroughputFigure(report: Report): boolean {
  return report.results.some((r) => (r.check === 'throughput' || r.check === 'capacity') && r.status !== 'skipped' && r.status !== 'error');
}

/** Download and upload: measured goodput per transport, declared capacity, allowance, demand. */
export function throughputFigure(report: Report, x: HtmlText): SafeHtml {
  const throughput = report.results.filter((r) => r.check === 'throughput' && r.status !== 'skipped' && r.status !== 'error');
  const capacity = report.results.find((r) => r.check === 'capacity' && r.status !== 'skipped' && r.status !== 'error');
  const perDirection = rec(capacity?.facts.perDirection);
  const mbps = (v: number) => x.t('html.chart.mbps', { value: x.number(v) });
  const groups: BarGroup[] = (['down', 'up'] as const).map((dir) => {
    const bars: BarGroup['bars'] = [];
    for (const r of throughput) {
      const v = measured(r, `throughput-${dir}`).value;
      const transport = typeof r.facts.transport === 'string' ? r.facts.transport : r.target;
      if (v !== undefined) bars.push({ label: x.t('html.chart.measured', { transport }), value: v, kind: 'measured', text: mbps(v) });
    }
    const d = rec(perDirection?.[dir]);
    const declared = num(d?.declaredMbps);
    const allowance = num(d?.allowanceMbps) ?? (capacity ? measured(capacity, `allowance-${dir}`).value : undefined);
    const demand = num(d?.demandMbps) ?? (capacity ? measured(capacity, `demand-${dir}`).value : undefined);
    if (declared !== undefined) bars.push({ label: x.t('html.chart.declared'), value: declared, kind: 'capacity', text: mbps(declared) });
    if (allowance !== undefined) bars.push({ label: x.t('html.chart.allowance'), value: allowance, kind: 'allowance', text: mbps(allowance) });
    if (demand !== undefined) bars.push({ label: x.t('html.chart.demand'), value: demand, kind: 'demand', text: mbps(demand) });
    return { label: x.t(dir === 'down' ? 'html.chart.download' : 'html.chart.upload'), bars };
  }).filter((g) => g.bars.length > 0);
  if (!groups.length) return html``;
  const { svg } = barChart(groups, x.t('html.chart.logScale'));
  return html`<figure class="chart" data-chart="throughput-demand">${svg}<figcaption>${x.t('html.chart.throughput')}</figcaption></figure>`;
}

export function qosTable(report: Report, x: HtmlText): SafeHtml {
  const rows: SafeHtml[] = [];
  for (const r of report.results.filter((y) => y.check === 'qos')) {
    const classes = Array.isArray(r.facts.classes) ? (r.facts.classes as Rec[]) : [];
    for (const c of classes) {
      const fwd = rec(c.forward);
      const ret = rec(c.return);
      const outcome = (o: Rec | undefined) => {
        const v = typeof o?.outcome === 'string' ? o.outcome : 'unknown';
        const seen = Array.isArray(o?.dscpSeen) ? (o!.dscpSeen as unknown[]).join(', ') : '';
        const cls = v === 'preserved' ? 's-pass' : v === 'unknown' ? 's-info' : v === 'mixed' ? 's-warn' : 's-fail';
        return html`<span class="badge ${cls}">${x.t(`html.qos.${v}`) === `html.qos.${v}` ? v : x.t(`html.qos.${v}`)}</span>${seen && v !== 'preserved' ? html` <span class="mono small">→ ${seen}</span>` : ''}`;
      };
      const traffic = typeof c.traffic === 'string' ? c.traffic : '';
      const trafficText = x.t(`html.qos.${traffic}`);
      rows.push(html`<tr><td class="mono">${String(c.name ?? '')}</td><td>${trafficText === `html.qos.${traffic}` ? traffic : trafficText}</td><td class="num">${String(c.dscpSent ?? '')}</td><td>${outcome(fwd)}</td><td>${outcome(ret)}</td><td class="num">${String(fwd?.packets ?? '')} / ${String(c.sent ?? '')}</td></tr>`);
    }
  }
  if (!rows.length) return html``;
  return html`<h3 id="qos-classes">${x.t('html.qos')}</h3>
<p class="small muted">${x.t('html.qosIntro')}</p>
<table class="qos"><thead><tr><th>${x.t('html.col.class')}</th><th>${x.t('html.col.traffic')}</th><th class="num">${x.t('html.col.dscp')}</th><th>${x.t('html.col.forward')}</th><th>${x.t('html.col.return')}</th><th class="num">${x.t('html.col.packets')}</th></tr></thead><tbody>${rows}</tbody></table>`;
}
