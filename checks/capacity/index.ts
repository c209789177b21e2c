import { defineCheck, type Finding, type Measurement } from '../../src/plugin-api.js';
import { assessCapacity, toDemandSpec, type MediaQuality } from '../../src/capacity/demand.js';
import { throughputOnce } from '../../src/probe/context.js';

const messages = {
  en: {
    'capacity.short': 'At peak, real-time media needs {demand} Mbit/s {direction} but may use {allowance} Mbit/s ({share} % of {capacity} Mbit/s, {basis}): {short} Mbit/s short.',
    'capacity.short.fix': 'Add capacity, raise the share real-time media may use (with QoS so it is protected), or lower video quality; {calls} concurrent 1:1 video calls fit today.',
    'capacity.dir.down': 'down',
    'capacity.dir.up': 'up',
    'capacity.tight': 'Headroom {direction} is only {headroom} Mbit/s ({percent} % of the media allowance).',
    'capacity.tight.fix': 'Demand grows with adoption: plan capacity before the rollout reaches every persona.',
  },
  'zh-CN': {
    'capacity.short': '高峰时实时媒体{direction}需要 {demand} Mbit/s，但可用 {allowance} Mbit/s（{capacity} Mbit/s 的 {share}%，{basis}）：缺口 {short} Mbit/s。',
    'capacity.short.fix': '扩容、提高实时媒体可用比例（并配合 QoS 保护），或降低视频质量；目前可容纳 {calls} 路并发一对一视频通话。',
    'capacity.dir.down': '下行',
    'capacity.dir.up': '上行',
    'capacity.tight': '{direction}余量仅 {headroom} Mbit/s（占媒体可用带宽的 {percent}%）。',
    'capacity.tight.fix': '需求会随推广增长：在推广覆盖所有用户群之前规划容量。',
  },
};

interface Options {
  quality?: MediaQuality;
  /** Use the throughput check's measurement when a reflector is configured. */
  useMeasured: boolean;
}

/** Peak real-time demand from the site's personas vs the link's media allowance. */
export default defineCheck<Options>({
  meta: {
    id: 'capacity',
    title: 'Links carry the peak real-time demand',
    failureTitle: 'Links cannot carry the peak real-time demand',
    description:
      'Computes peak real-time media demand from `demand.personas` (users × share in audio, video and screen sharing, ' +
      '1:1 or in meetings) with Microsoft Teams\' per-stream bandwidth (minimum / recommended / best), and compares it ' +
      'with the share of the links real-time media may use (30 % by default, the Teams Network Planner default; ' +
      '`realtimeShare` per link or in `demand`). Capacity is the declared link rate, the measured throughput when a ' +
      'reflector is configured, or the lower of the two. Reports headroom in Mbit/s (negative when short) and how many ' +
      'concurrent 1:1 video calls fit. `siteready plan` prints the same without measuring.',
    category: 'capacity',
    severity: 'high',
    weight: 1,
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'Microsoft Teams: prepare your organization\'s network — bandwidth requirements', url: 'https://learn.microsoft.com/microsoftteams/prepare-network' },
      { title: 'Microsoft Teams Network Planner', url: 'https://learn.microsoft.com/microsoftteams/network-planner', clause: 'real-time media share of a link' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        quality: { enum: ['minimum', 'recommended', 'best'] },
        useMeasured: { type: 'boolean' },
        timeoutMs: { type: 'integer', minimum: 1000 },
      },
    },
    defaults: { useMeasured: true },
  },
  messages,
  targets(site) {
    // Capacity comes from declared links or, with a reflector, from measuring.
    if (!toDemandSpec(site.demand)?.personas.length || (!site.network.links.length && !site.probe)) return [];
    return [{ id: site.site.name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'site', location: site.locate('/demand') }];
  },
  async run(ctx) {
    const quality = ctx.options.quality ?? ((ctx.site.demand?.quality as MediaQuality | undefined) ?? 'recommended');
    let measured: { downMbps?: number; upMbps?: number } | undefined;
    if (ctx.options.useMeasured && ctx.site.probe) {
      // The throughput check's own measurement (shared artifact); when it cannot run, declared rates are used.
      const t = (ctx.site.checks.throughput ?? {}) as { durationMs?: number; omitMs?: number; streams?: number };
      const o = { durationMs: t.durationMs ?? 10000, omitMs: t.omitMs ?? 1000, streams: t.streams ?? 4 };
      // One direction at a time: a measurement must not share the link with another.
      const down = await throughputOnce(ctx, 'down', 'tcp', o).catch(() => undefined);
      const up = await throughputOnce(ctx, 'up', 'tcp', o).catch(() => undefined);
      measured = { ...(down ? { downMbps: down.mbps } : {}), ...(up ? { upMbps: up.mbps } : {}) };
    }
    const a = assessCapacity({ demand: ctx.site.demand, links: ctx.site.network.links, ...(measured ? { measured } : {}), quality });
    const headrooms = (['down', 'up'] as const).map((d) => a.headroomMbps[d]).filter((h): h is number => h !== null);
    if (!headrooms.length) return { status: 'info', score: null, details: { ...a } };
    const headroom = Math.round(Math.min(...headrooms) * 100) / 100;
    const findings: Finding[] = [];
    let score = 1;
    for (const d of ['down', 'up'] as const) {
      const p = a.perDirection[d];
      if (p.headroomMbps === null || p.allowanceMbps === null || p.demandMbps === null) continue;
      if (p.headroomMbps < 0) {
        score = Math.min(score, p.allowanceMbps > 0 && p.demandMbps / p.allowanceMbps <= 1.5 ? 0.4 : 0.1);
        findings.push({
          id: 'capacity.short',
          severity: 'high',
          message: {
            id: 'capacity.short',
            params: { direction: `@capacity.dir.${d}`, demand: r2(p.demandMbps), allowance: r2(p.allowanceMbps), share: Math.round(p.realtimeShare * 100), capacity: r2(p.capacityMbps ?? 0), basis: p.basis ?? '-', short: r2(-p.headroomMbps) },
          },
          remediation: { id: 'capacity.short.fix', params: { calls: a.concurrentVideoCalls?.supported ?? 0 } },
        });
      } else if (p.allowanceMbps > 0 && p.headroomMbps < 0.2 * p.allowanceMbps) {
        score = Math.min(score, 0.7);
        findings.push({
          id: 'capacity.tight',
          severity: 'medium',
          message: { id: 'capacity.tight', params: { direction: `@capacity.dir.${d}`, headroom: r2(p.headroomMbps), percent: Math.round((100 * p.headroomMbps) / p.allowanceMbps) } },
          remediation: { id: 'capacity.tight.fix' },
        });
      }
    }
    const measurements: Measurement[] = [
      {
        id: 'capacity-headroom',
        value: headroom,
        unit: 'Mbit/s',
        threshold: { min: 0, source: `Teams bandwidth table, ${Math.round(100 * (a.perDirection.down.realtimeShare ?? 0.3))} % real-time share` },
      },
      ...(['down', 'up'] as const).flatMap((d) => {
        const p = a.perDirection[d];
        return [
          ...(p.demandMbps !== null ? [{ id: `demand-${d}`, value: r2(p.demandMbps), unit: 'Mbit/s' }] : []),
          ...(p.allowanceMbps !== null ? [{ id: `allowance-${d}`, value: r2(p.allowanceMbps), unit: 'Mbit/s' }] : []),
        ];
      }),
      ...(a.concurrentVideoCalls ? [{ id: 'concurrent-video-calls', value: a.concurrentVideoCalls.supported, unit: 'count' }] : []),
    ];
    return { status: score >= 0.9 ? 'pass' : score >= 0.5 ? 'warn' : 'fail', score, measurements, findings, details: { ...a } };
  },
});

function r2(n: number): number {
  return Math.round(n * 100) / 100;
}
