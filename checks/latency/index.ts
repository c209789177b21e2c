import { defineCheck, statusFromScore, type Finding, type Measurement } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { MEDIA_PROFILES, latencyOnce, probeName, probeSession, probeTargets, DEFAULT_PROBE_PORT } from '../../src/probe/context.js';
import { tcpEchoRtt } from '../../src/probe/tcp-rtt.js';
import { limitScore, probeFailureOutcome } from '../../src/probe/check-support.js';

const messages = {
  en: {
    ...probeMessages.en,
    'latency.over': '{profile} stream: {metric} is {value} {unit}, over the target of {limit} {unit}.',
    'latency.over.fix': '{fix}',
    'fix.rtt': 'Shorten the path to the service edge (local internet breakout instead of backhaul over VPN/MPLS, nearer media relays).',
    'fix.jitter': 'Jitter comes from queueing: prioritise real-time media (DSCP EF/AF41 honoured end to end) and avoid saturating the link.',
    'fix.loss': 'Find where packets are dropped (congested uplink, Wi-Fi, policers, a firewall\'s UDP flood protection); QoS for media helps when the link is full.',
    'fix.reorder': 'Reordering usually comes from per-packet load balancing over unequal paths (ECMP, bonded links): balance per flow.',
    'metric.rtt-p95': 'the 95th percentile round trip',
    'metric.jitter': 'jitter (RFC 3550)',
    'metric.loss': 'loss in the worst 15 s',
    'metric.burst-loss': 'loss in the worst 200 ms',
    'metric.reorder': 'reordering',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    'latency.over': '{profile} 流：{metric}为 {value} {unit}，超过目标值 {limit} {unit}。',
    'latency.over.fix': '{fix}',
    'fix.rtt': '缩短到服务边缘的路径（本地互联网出口而非经 VPN/MPLS 回传，使用更近的媒体中继）。',
    'fix.jitter': '抖动来自排队：为实时媒体设置优先级（端到端保留 DSCP EF/AF41），并避免链路饱和。',
    'fix.loss': '查找丢包位置（上行拥塞、Wi-Fi、限速器、防火墙的 UDP 洪泛防护）；链路满载时媒体 QoS 有帮助。',
    'fix.reorder': '乱序通常来自在不等长路径上逐包负载均衡（ECMP、链路聚合）：改为按流均衡。',
    'metric.rtt-p95': '第 95 百分位往返时延',
    'metric.jitter': '抖动（RFC 3550）',
    'metric.loss': '最差 15 秒内的丢包率',
    'metric.burst-loss': '最差 200 毫秒内的丢包率',
    'metric.reorder': '乱序率',
  },
};

interface Options {
  profiles: string[];
  durationMs: number;
  drainMs: number;
}

// Microsoft Teams network targets, client → Microsoft edge (DESIGN §6).
const LIMITS = { rtt: 100, jitter: 30, loss: 1, burst: 10, reorder: 0.05 };

/** RTT, RFC 3550 jitter, loss, burst loss and reordering of RTP-like UDP streams, per direction. */
export default defineCheck<Options>({
  meta: {
    id: 'latency',
    title: 'Latency, jitter and loss meet real-time media targets',
    failureTitle: 'Latency, jitter or loss exceed real-time media targets',
    description:
      'Sends RTP-like UDP streams to the reflector at media cadence (audio: 50 packets/s of 200 B; video: 160 packets/s ' +
      'of 1200 B), sequence-numbered and timestamped, and measures round-trip time percentiles, RFC 3550 interarrival ' +
      'jitter in each direction, loss in each direction (the reflector reports what it received), loss in the worst ' +
      '15 s window, burst loss in the worst 200 ms window, reordering and duplicates. Targets are Microsoft Teams\' for ' +
      'client → edge: RTT < 100 ms, jitter < 30 ms, loss < 1 % (15 s), burst loss < 10 % (200 ms), reorder < 0.05 %. ' +
      'When UDP gets no answer at all, the check says so (media would fall back to TCP relays).',
    category: 'network',
    severity: 'high',
    weight: 3,
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'RFC 3550 — RTP', clause: '§6.4.1 (interarrival jitter), Appendix A.8' },
      { title: 'Microsoft Teams: prepare your organization\'s network', url: 'https://learn.microsoft.com/microsoftteams/prepare-network', clause: 'network performance requirements' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        profiles: { type: 'array', items: { enum: Object.keys(MEDIA_PROFILES) }, minItems: 1 },
        durationMs: { type: 'integer', minimum: 500, maximum: 300000 },
        drainMs: { type: 'integer', minimum: 100, maximum: 10000 },
        timeoutMs: { type: 'integer', minimum: 1000 },
      },
    },
    defaults: { profiles: ['audio', 'video'], durationMs: 15000, drainMs: 1000 },
  },
  messages,
  targets(site, options) {
    return probeTargets(site, options.profiles);
  },
  deadlineMs: (o) => o.durationMs + o.drainMs + 15_000,
  async run(ctx, target) {
    const profile = target.data!.suffix as string;
    let r;
    try {
      r = await latencyOnce(ctx, profile, ctx.options);
    } catch (err) {
      return probeFailureOutcome(ctx, 'latency', err);
    }
    const session = await probeSession(ctx).then((x) => x.session).catch(() => undefined);
    const port = session?.udpPort ?? ctx.site.probe?.udpPort ?? ctx.site.probe?.port ?? DEFAULT_PROBE_PORT;
    if (r.blocked || !r.rttMs) {
      // UDP is blocked: still measure the round trip, over TCP, and say which transport it was.
      const { endpoint, session } = await probeSession(ctx);
      const tcp = await tcpEchoRtt(endpoint, session, Math.max(5, Math.min(50, Math.round(ctx.options.durationMs / 100))), 50, ctx.signal).catch(() => undefined);
      return {
        status: 'fail',
        score: 0,
        measurements: tcp?.rttMs
          ? [
              { id: 'rtt-p50', value: tcp.rttMs.p50, unit: 'ms' },
              { id: 'rtt-p95', value: tcp.rttMs.p95, unit: 'ms', threshold: { max: ctx.threshold('rttMs', LIMITS.rtt), source: 'Teams: client → edge' } },
            ]
          : [],
        findings: [{ id: 'latency.udp-blocked', severity: 'high', message: { id: 'probe.udp-blocked', params: { probe: probeName(ctx.site), port } }, remediation: { id: 'probe.udp-blocked.fix', params: { port } } }],
        details: { classification: 'filtered', transport: tcp?.rttMs ? 'tcp-fallback' : 'none', udp: { sent: r.sent, replies: r.replies }, ...(tcp ? { tcp } : {}) },
      };
    }
    const limits = {
      rtt: ctx.threshold('rttMs', LIMITS.rtt),
      jitter: ctx.threshold('jitterMs', LIMITS.jitter),
      loss: ctx.threshold('lossPercent', LIMITS.loss),
      burst: ctx.threshold('burstLossPercent', LIMITS.burst),
      reorder: ctx.threshold('reorderPercent', LIMITS.reorder),
    };
    const jitter = Math.max(r.jitterUpMs ?? 0, r.jitterDownMs ?? 0);
    const reorder = Math.max(r.reorderPercent, r.reorderUpPercent ?? 0);
    // A short stream cannot resolve 0.05 %: one reordered packet of 750 is 0.13 %. Judge against the
    // finest step the stream can see, so a single packet never fails a short test.
    const reorderLimit = Math.max(limits.reorder, 100 / Math.max(1, r.replies));
    const src = 'Teams: client → edge';
    const measurements: Measurement[] = [
      { id: 'rtt-p50', value: r.rttMs.p50, unit: 'ms' },
      { id: 'rtt-p95', value: r.rttMs.p95, unit: 'ms', threshold: { max: limits.rtt, source: src } },
      { id: 'jitter', value: jitter, unit: 'ms', threshold: { max: limits.jitter, source: src } },
      { id: 'loss', value: r.lossPercent, unit: '%' },
      { id: 'loss-15s-max', value: r.worstLoss15sPercent, unit: '%', threshold: { max: limits.loss, source: `${src}, any 15 s` } },
      { id: 'burst-loss-200ms-max', value: r.worstBurst200msPercent, unit: '%', threshold: { max: limits.burst, source: `${src}, any 200 ms` } },
      { id: 'reorder', value: reorder, unit: '%', threshold: { max: limits.reorder, source: src } },
      ...(r.jitterUpMs !== null ? [{ id: 'jitter-up', value: r.jitterUpMs, unit: 'ms' }] : []),
      ...(r.jitterDownMs !== null ? [{ id: 'jitter-down', value: r.jitterDownMs, unit: 'ms' }] : []),
      ...(r.lossUpPercent !== null ? [{ id: 'loss-up', value: r.lossUpPercent, unit: '%' }] : []),
      ...(r.lossDownPercent !== null ? [{ id: 'loss-down', value: r.lossDownPercent, unit: '%' }] : []),
      { id: 'duplicates', value: r.duplicates, unit: 'count' },
    ];
    const checksToRun: Array<[string, number, number, string, string]> = [
      ['rtt-p95', r.rttMs.p95, limits.rtt, 'ms', '@fix.rtt'],
      ['jitter', jitter, limits.jitter, 'ms', '@fix.jitter'],
      ['loss', r.worstLoss15sPercent, limits.loss, '%', '@fix.loss'],
      ['burst-loss', r.worstBurst200msPercent, limits.burst, '%', '@fix.loss'],
      ['reorder', reorder, reorderLimit, '%', '@fix.reorder'],
    ];
    const findings: Finding[] = [];
    const scores: number[] = [];
    for (const [metric, value, limit, unit, fix] of checksToRun) {
      const score = limitScore(value, limit);
      scores.push(score);
      if (score < 1) {
        findings.push({
          id: `latency.${metric}`,
          severity: score < 0.5 ? 'high' : 'medium',
          message: { id: 'latency.over', params: { profile, metric: `@metric.${metric}`, value, limit, unit } },
          remediation: { id: 'latency.over.fix', params: { fix } },
        });
      }
    }
    const score = Math.min(...scores);
    return {
      status: statusFromScore(score),
      score,
      measurements,
      findings,
      details: { classification: 'ok', transport: 'udp', profile, ...r },
    };
  },
});
