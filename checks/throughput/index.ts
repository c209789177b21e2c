import { defineCheck, statusFromScore, type Finding, type Measurement } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { probeTargets, throughputOnce } from '../../src/probe/context.js';
import { floorScore, probeFailureOutcome } from '../../src/probe/check-support.js';
import type { Direction, ThroughputResult, Transport } from '../../src/probe/throughput.js';

const messages = {
  en: {
    ...probeMessages.en,
    'throughput.low': '{direction} goodput over {transport} is {mbps} Mbit/s, under the expected {expected} Mbit/s ({basis}).',
    'throughput.low.fix': 'Find the bottleneck between this site and the reflector (link rate, shaping or policing, a proxy or firewall throughput limit); compare with the provider\'s committed rate.',
    'throughput.ws-slower': 'WebSocket goodput ({ws} Mbit/s) is well under raw TCP ({tcp} Mbit/s) {direction}: something on the path handles WebSocket traffic specially.',
    'throughput.ws-slower.fix': 'Check firewall and IPS policies for WebSocket / long-lived connection handling between this site and the reflector.',
    'basis.declared': '80 % of the declared link capacity',
    'basis.threshold': 'the site\'s threshold',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    'throughput.low': '{transport} {direction} 有效吞吐为 {mbps} Mbit/s，低于预期的 {expected} Mbit/s（{basis}）。',
    'throughput.low.fix': '查找本站点与反射器之间的瓶颈（链路速率、整形或限速、代理或防火墙吞吐上限）；与运营商承诺速率对比。',
    'throughput.ws-slower': '{direction} WebSocket 有效吞吐（{ws} Mbit/s）明显低于原始 TCP（{tcp} Mbit/s）：路径上有设备对 WebSocket 流量做了特殊处理。',
    'throughput.ws-slower.fix': '检查本站点与反射器之间的防火墙和 IPS 策略对 WebSocket / 长连接的处理。',
    'basis.declared': '声明链路容量的 80%',
    'basis.threshold': '站点设定的阈值',
  },
};

interface Options {
  durationMs: number;
  omitMs: number;
  streams: number;
  transports: Transport[];
  directions: Direction[];
}

/** Download and upload goodput against the reflector, TCP (N streams) and WebSocket (ndt7-style). */
export default defineCheck<Options>({
  meta: {
    id: 'throughput',
    title: 'Throughput to the reflector meets the link',
    failureTitle: 'Throughput to the reflector is below the link',
    description:
      'Measures download and upload goodput between this site and a siteready reflector, over raw TCP with 1..N ' +
      'parallel streams and over WebSocket with ndt7-style messages (binary messages doubling from 8 KiB, M-Lab ndt7 ' +
      'protocol). The first `omitMs` are excluded (slow start, as iperf3 --omit); goodput is counted by the receiver ' +
      '(the reflector for uploads) in 100 ms intervals (250 ms for WebSocket uploads, as ndt7 reports), which give the spread (p10/p50/p90). The client runs in a worker ' +
      'thread. The expected rate is `thresholds: {throughput.downMbps, throughput.upMbps}` or else 80 % of the declared ' +
      'link capacity; without either the result is informative.',
    category: 'network',
    severity: 'high',
    weight: 2,
    timeoutMs: 60_000,
    exclusive: 'probe',
    references: [
      { title: 'M-Lab ndt7 protocol specification', url: 'https://github.com/m-lab/ndt-server/blob/main/spec/ndt7-protocol.md' },
      { title: 'RFC 6349 — Framework for TCP Throughput Testing', clause: '§3 (excluding slow start)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        durationMs: { type: 'integer', minimum: 500, maximum: 60000 },
        omitMs: { type: 'integer', minimum: 0, maximum: 10000 },
        streams: { type: 'integer', minimum: 1, maximum: 32, description: 'parallel TCP streams (the reflector allows 32 per session)' },
        transports: { type: 'array', items: { enum: ['tcp', 'ws'] }, minItems: 1 },
        directions: { type: 'array', items: { enum: ['down', 'up'] }, minItems: 1 },
        timeoutMs: { type: 'integer', minimum: 1000 },
      },
    },
    defaults: { durationMs: 10000, omitMs: 1000, streams: 4, transports: ['tcp', 'ws'], directions: ['down', 'up'] },
  },
  messages,
  targets(site, options) {
    return probeTargets(site, options.transports);
  },
  deadlineMs: (o) => o.directions.length * (o.durationMs + 5000) + 10_000,
  async run(ctx, target) {
    const transport = target.data!.suffix as Transport;
    const results: Partial<Record<Direction, ThroughputResult>> = {};
    try {
      for (const direction of ctx.options.directions) {
        results[direction] = await throughputOnce(ctx, direction, transport, ctx.options);
      }
    } catch (err) {
      return probeFailureOutcome(ctx, 'throughput', err);
    }
    const links = ctx.site.network.links;
    const declared = (dir: Direction) => {
      const sum = links.reduce((a, l) => a + ((dir === 'down' ? l.downMbps : l.upMbps) ?? 0), 0);
      return sum > 0 ? sum : undefined;
    };
    const measurements: Measurement[] = [];
    const findings: Finding[] = [];
    const scores: number[] = [];
    for (const direction of ctx.options.directions) {
      const r = results[direction]!;
      const explicit = ctx.threshold(`${direction}Mbps`, NaN);
      const expected = Number.isFinite(explicit) ? explicit : declared(direction) !== undefined ? Math.round(0.8 * declared(direction)! * 100) / 100 : undefined;
      measurements.push({
        id: `throughput-${direction}`,
        value: r.mbps,
        unit: 'Mbit/s',
        ...(expected !== undefined ? { threshold: { min: expected, source: Number.isFinite(explicit) ? 'site threshold' : '80 % of declared link capacity' } } : {}),
      });
      measurements.push({ id: `throughput-${direction}-p10`, value: r.p10, unit: 'Mbit/s' });
      measurements.push({ id: `throughput-${direction}-p90`, value: r.p90, unit: 'Mbit/s' });
      if (expected === undefined) continue;
      const score = floorScore(r.mbps, expected);
      scores.push(score);
      if (score < 1) {
        findings.push({
          id: 'throughput.low',
          severity: score < 0.5 ? 'high' : 'medium',
          message: { id: 'throughput.low', params: { direction, transport, mbps: r.mbps, expected, basis: Number.isFinite(explicit) ? '@basis.threshold' : '@basis.declared' } },
          remediation: { id: 'throughput.low.fix' },
          evidence: { samples: r.samples.length, p10: r.p10, p90: r.p90 },
        });
      }
    }
    if (transport === 'ws' && ctx.options.transports.includes('tcp')) {
      for (const direction of ctx.options.directions) {
        const tcp = await throughputOnce(ctx, direction, 'tcp', ctx.options).catch(() => undefined);
        const ws = results[direction]!;
        const m = measurements.find((x) => x.id === `throughput-${direction}`);
        // Only worth a finding when the WebSocket rate is also short of what the site needs.
        if (tcp && ws.mbps < 0.5 * tcp.mbps && m?.threshold?.min !== undefined && ws.mbps < m.threshold.min) {
          findings.push({
            id: 'throughput.ws-slower',
            severity: 'medium',
            message: { id: 'throughput.ws-slower', params: { direction, ws: ws.mbps, tcp: tcp.mbps } },
            remediation: { id: 'throughput.ws-slower.fix' },
          });
        }
      }
    }
    const score = scores.length ? Math.min(...scores) : null;
    return {
      status: score === null ? 'info' : statusFromScore(score),
      score,
      measurements,
      findings,
      details: { classification: 'ok', transport, results },
    };
  },
});
