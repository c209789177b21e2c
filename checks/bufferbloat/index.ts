import { defineCheck, statusFromScore, type Finding } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { MEDIA_PROFILES, nextStreamId, probeSession, probeTargets } from '../../src/probe/context.js';
import { limitScore, probeFailureOutcome } from '../../src/probe/check-support.js';
import { runThroughput } from '../../src/probe/run-throughput.js';
import type { Direction } from '../../src/probe/throughput.js';
import { abortableDelay, runUdpStream } from '../../src/probe/udp-stream.js';

const messages = {
  en: {
    ...probeMessages.en,
    'bufferbloat.dir.down': 'downstream',
    'bufferbloat.dir.up': 'upstream',
    'bufferbloat.high': 'Round trips grow by {delta} ms while the link is saturated {direction} ({idle} ms idle → {loaded} ms loaded): buffer bloat.',
    'bufferbloat.high.fix': 'A full queue delays every packet behind it: enable smart queue management (fq_codel / CAKE) on the WAN edge, shape slightly below the line rate, and prioritise media (DSCP EF/AF41).',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    'bufferbloat.dir.down': '下行',
    'bufferbloat.dir.up': '上行',
    'bufferbloat.high': '链路{direction}饱和时往返时延增加 {delta} 毫秒（空闲 {idle} 毫秒 → 负载 {loaded} 毫秒）：存在缓冲膨胀。',
    'bufferbloat.high.fix': '满队列会延迟其后的每个数据包：在 WAN 边缘启用智能队列管理（fq_codel / CAKE），整形速率略低于线路速率，并为媒体设置优先级（DSCP EF/AF41）。',
  },
};

interface Options {
  idleMs: number;
  loadMs: number;
  streams: number;
  directions: Direction[];
}

/** RTT while the link is saturated vs idle (latency under load), per direction. */
export default defineCheck<Options>({
  meta: {
    id: 'bufferbloat',
    title: 'Latency stays low under load',
    failureTitle: 'Latency rises under load (buffer bloat)',
    description:
      'Measures the median round trip of an audio-cadence UDP stream to the reflector while idle, then while TCP ' +
      'streams saturate the link downstream and upstream in turn. The increase is buffer bloat: queueing delay that ' +
      'every call suffers whenever someone downloads or uploads. Flagged at ≥ 100 ms, as the Microsoft 365 network ' +
      'connectivity test does.',
    category: 'network',
    severity: 'high',
    weight: 2,
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'Microsoft 365 network connectivity test', url: 'https://connectivity.office.com', clause: 'buffer bloat ≥ 100 ms' },
      { title: 'RFC 8290 — FQ-CoDel', clause: '§1 (bufferbloat)' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        idleMs: { type: 'integer', minimum: 500, maximum: 60000 },
        loadMs: { type: 'integer', minimum: 1000, maximum: 60000 },
        streams: { type: 'integer', minimum: 1, maximum: 32, description: 'parallel TCP streams (the reflector allows 32 per session)' },
        directions: { type: 'array', items: { enum: ['down', 'up'] }, minItems: 1 },
        timeoutMs: { type: 'integer', minimum: 1000 },
      },
    },
    defaults: { idleMs: 5000, loadMs: 10000, streams: 4, directions: ['down', 'up'] },
  },
  messages,
  targets(site) {
    return probeTargets(site);
  },
  deadlineMs: (o) => o.idleMs + o.directions.length * (o.loadMs + 4000) + 15_000,
  async run(ctx) {
    const limit = ctx.threshold('bufferbloatMs', 100);
    const audio = MEDIA_PROFILES.audio!;
    try {
      const { endpoint, session } = await probeSession(ctx);
      const stream = (durationMs: number) => runUdpStream({ endpoint, session, stream: nextStreamId(), ...audio, durationMs, drainMs: 500, firstReplyTimeoutMs: 2000, signal: ctx.signal });
      const idle = await stream(ctx.options.idleMs);
      if (!idle.rttMs) return { status: 'skipped', score: null, details: { reason: 'udp-blocked', classification: 'filtered' } };
      const loaded: Partial<Record<Direction, { p50: number; p95: number; mbps: number; noReplies?: boolean }>> = {};
      for (const direction of ctx.options.directions) {
        // The probe stream starts after the load has left slow start, and ends before it stops.
        const omit = Math.min(1000, Math.floor(ctx.options.loadMs / 4));
        const load = runThroughput({ endpoint, session, direction, transport: 'tcp', streams: ctx.options.streams, durationMs: ctx.options.loadMs, omitMs: omit }, ctx.signal);
        // Awaited below, after the probe stream: a load that fails first must not be an unhandled rejection meanwhile.
        load.catch(() => undefined);
        // The worker needs a moment to start and the streams to leave slow start before probing.
        const startup = 300;
        await abortableDelay(omit + startup, ctx.signal);
        const probeMs = Math.max(500, ctx.options.loadMs - omit - startup - 500);
        const during = await stream(probeMs);
        const t = await load;
        // No reply at all while loaded is the worst bloat: the round trip grew by at least the probe's length.
        loaded[direction] = during.rttMs
          ? { p50: during.rttMs.p50, p95: during.rttMs.p95, mbps: t.mbps }
          : { p50: idle.rttMs.p50 + probeMs, p95: idle.rttMs.p50 + probeMs, mbps: t.mbps, noReplies: true };
      }
      const deltas = Object.entries(loaded).map(([d, l]) => [d, Math.round((l!.p50 - idle.rttMs!.p50) * 100) / 100] as const);
      const worst = deltas.reduce((a, b) => (b[1] > a[1] ? b : a));
      // "≥ 100 ms" is flagged: limitScore passes only values under the limit.
      const score = limitScore(Math.max(0, worst[1]), limit);
      const findings: Finding[] = [];
      for (const [direction, delta] of deltas) {
        if (delta >= limit) {
          findings.push({
            id: 'bufferbloat.high',
            // Same steps as the score: beyond twice the limit is a failure.
            severity: delta > 2 * limit ? 'high' : 'medium',
            message: { id: 'bufferbloat.high', params: { direction: `@bufferbloat.dir.${direction}`, delta, idle: idle.rttMs.p50, loaded: loaded[direction as Direction]!.p50 } },
            remediation: { id: 'bufferbloat.high.fix' },
          });
        }
      }
      return {
        status: statusFromScore(score),
        score,
        measurements: [
          { id: 'bufferbloat', value: Math.max(0, worst[1]), unit: 'ms', threshold: { max: limit, source: 'Microsoft 365 connectivity test: ≥ 100 ms flagged' } },
          { id: 'rtt-idle-p50', value: idle.rttMs.p50, unit: 'ms' },
          ...Object.entries(loaded).map(([d, l]) => ({ id: `rtt-loaded-${d}-p50`, value: l!.p50, unit: 'ms' })),
        ],
        findings,
        details: { classification: 'ok', idle: idle.rttMs, loaded, deltas: Object.fromEntries(deltas) },
      };
    } catch (err) {
      return probeFailureOutcome(ctx, 'bufferbloat', err);
    }
  },
});
