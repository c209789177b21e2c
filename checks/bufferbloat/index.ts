import { defineCheck, type Finding } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { nextStreamId, probeSession } from '../../src/probe/context.js';
import { MEDIA_PROFILES } from '../../src/probe/media-profiles.js';
import {
  limitScore,
  percentilesSchema,
  probeFactsProperties,
  probeFactsRequired,
  probeFailureFacts,
  probeFailureJudgement,
  reflectorOf,
  type ProbeFacts,
} from '../../src/probe/check-support.js';
import { runThroughput } from '../../src/probe/run-throughput.js';
import type { Direction } from '../../src/probe/throughput.js';
import { runUdpStream, type Percentiles } from '../../src/probe/udp-stream.js';
import { abortableDelay } from '../../src/util/abortable-delay.js';
import { round } from '../../src/util/number.js';
import planning, { stepPlan, type Options } from './plan.js';

const messages = {
  en: {
    ...probeMessages.en,
    'bufferbloat.dir.down': 'downstream',
    'bufferbloat.dir.up': 'upstream',
    'bufferbloat.high':
      'Round trips grow by {delta} ms while {streams} TCP streams saturate the link {direction} ({idle} ms idle → {loaded} ms loaded, {mbps} Mbit/s): buffer bloat.',
    'bufferbloat.high.fix':
      'A full queue delays every packet behind it: enable smart queue management (fq_codel / CAKE) on the WAN edge, shape slightly below the line rate, and prioritise media (DSCP EF/AF41).',
    'bufferbloat.block': 'Median round trip of an audio stream, idle and under a growing load',
    'bufferbloat.col.load': 'Load',
    'bufferbloat.col.rtt-p50': 'Round trip, median',
    'bufferbloat.col.rtt-p95': 'Round trip, 95th percentile',
    'bufferbloat.col.increase': 'Increase',
    'bufferbloat.col.replies': 'Replies',
    'bufferbloat.col.load-rate': 'Load goodput',
    'bufferbloat.col.judged': 'Judged',
    'bufferbloat.idle': 'idle',
    'bufferbloat.step': '{direction}, {streams} TCP streams',
    'bufferbloat.judged': 'worst step: judged',
    'bufferbloat.no-replies': 'none came back',
    'bufferbloat.block.ramp': 'Why the load stopped growing',
    'bufferbloat.stop': 'after {streams} streams: {reason}',
    'bufferbloat.stop.steady': 'one more step raised neither the round trip nor the goodput',
    'bufferbloat.stop.max-streams': 'maxStreams reached',
    'bufferbloat.stop.max-time': 'loadMs used up',
    'bufferbloat.stop.no-replies': 'no reply came back under load',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    'bufferbloat.dir.down': '下行',
    'bufferbloat.dir.up': '上行',
    'bufferbloat.high':
      '{streams} 条 TCP 流使链路{direction}饱和时往返时延增加 {delta} 毫秒（空闲 {idle} 毫秒 → 负载 {loaded} 毫秒，{mbps} Mbit/s）：存在缓冲膨胀。',
    'bufferbloat.high.fix':
      '满队列会延迟其后的每个数据包：在 WAN 边缘启用智能队列管理（fq_codel / CAKE），整形速率略低于线路速率，并为媒体设置优先级（DSCP EF/AF41）。',
    'bufferbloat.block': '音频流往返时延中位数：空闲时与逐步加大负载时',
    'bufferbloat.col.load': '负载',
    'bufferbloat.col.rtt-p50': '往返时延中位数',
    'bufferbloat.col.rtt-p95': '往返时延第 95 百分位',
    'bufferbloat.col.increase': '增加',
    'bufferbloat.col.replies': '应答',
    'bufferbloat.col.load-rate': '负载有效吞吐',
    'bufferbloat.col.judged': '判定',
    'bufferbloat.idle': '空闲',
    'bufferbloat.step': '{direction}，{streams} 条 TCP 流',
    'bufferbloat.judged': '最差一级：据此判定',
    'bufferbloat.no-replies': '无应答',
    'bufferbloat.block.ramp': '负载为何停止加大',
    'bufferbloat.stop': '{streams} 条流之后：{reason}',
    'bufferbloat.stop.steady': '再加一级既未增加往返时延，也未增加有效吞吐',
    'bufferbloat.stop.max-streams': '已达 maxStreams',
    'bufferbloat.stop.max-time': '已用完 loadMs',
    'bufferbloat.stop.no-replies': '负载下无应答',
  },
};

const DIRECTIONS: readonly Direction[] = ['down', 'up'];

/**
 * The ramp stops once one more step (twice the streams) moved the median round trip by less than
 * this (ms, or this fraction of the previous step's, whichever is larger) …
 */
const STEADY_RISE_MS = 5;
const STEADY_RISE_FRACTION = 0.1;
/** … nor the goodput by more than this fraction: the queue is as full as this load can make it. */
const STEADY_GROWTH = 0.1;

/** The audio stream during one step of the load. */
export interface LoadStep {
  /** TCP streams of this step. */
  streams: number;
  /** The load's goodput, Mbit/s. */
  mbps: number;
  /** How long the probe stream ran inside the load, ms. */
  probeMs: number;
  sent: number;
  replies: number;
  /** Null when no reply came back while loaded. */
  rttMs: Percentiles | null;
}

/** Why the ramp in one direction ended. */
export type RampStop = 'steady' | 'max-streams' | 'max-time' | 'no-replies';

export interface LoadRamp {
  /** In the order run: each step doubles the streams of the one before. */
  steps: LoadStep[];
  stop: RampStop;
}

export interface BufferbloatFacts extends ProbeFacts {
  /** The test as run: idle stream length, step length, load time cap per direction, first and largest stream count. */
  idleMs: number;
  stepMs: number;
  loadMs: number;
  streams: number;
  maxStreams: number;
  /** The idle stream's round trips; null when UDP got no answer (nothing to compare). */
  idle: Percentiles | null;
  loaded: Partial<Record<Direction, LoadRamp>>;
}

const stepSchema = {
  type: 'object',
  required: ['streams', 'mbps', 'probeMs', 'sent', 'replies', 'rttMs'],
  properties: {
    streams: { type: 'integer', minimum: 1 },
    mbps: { type: 'number', minimum: 0 },
    probeMs: { type: 'number', minimum: 0 },
    sent: { type: 'integer', minimum: 0 },
    replies: { type: 'integer', minimum: 0 },
    rttMs: percentilesSchema,
  },
} as const;
const rampSchema = {
  type: 'object',
  required: ['steps', 'stop'],
  properties: {
    steps: { type: 'array', minItems: 1, items: stepSchema },
    stop: { enum: ['steady', 'max-streams', 'max-time', 'no-replies'] },
  },
} as const;
const factsSchema = {
  type: 'object',
  required: [...probeFactsRequired, 'idleMs', 'stepMs', 'loadMs', 'streams', 'maxStreams', 'idle', 'loaded'],
  properties: {
    ...probeFactsProperties,
    idleMs: { type: 'number', minimum: 0 },
    stepMs: { type: 'number', minimum: 0 },
    loadMs: { type: 'number', minimum: 0 },
    streams: { type: 'integer', minimum: 1 },
    maxStreams: { type: 'integer', minimum: 1 },
    idle: percentilesSchema,
    loaded: { type: 'object', additionalProperties: false, properties: { down: rampSchema, up: rampSchema } },
  },
} as const;

/** RTT under a growing load vs idle (latency under load), per direction. */
export default defineCheck<Options, BufferbloatFacts>({
  ...planning,
  facts: { version: 2, schema: factsSchema },
  messages,

  async measure(ctx) {
    const { idleMs, loadMs, streams, maxStreams } = ctx.options;
    const plan = stepPlan(ctx.options);
    const run = { idleMs, stepMs: plan.stepMs, loadMs, streams, maxStreams };
    const audio = MEDIA_PROFILES.audio!;
    try {
      const { endpoint, session } = await probeSession(ctx);
      const facts: BufferbloatFacts = {
        reflector: reflectorOf(ctx.site, session.udpPort),
        classification: 'ok',
        ...run,
        idle: null,
        loaded: {},
      };
      const stream = (durationMs: number) =>
        runUdpStream({
          endpoint,
          session,
          stream: nextStreamId(),
          ...audio,
          durationMs,
          drainMs: 500,
          firstReplyTimeoutMs: 2000,
          signal: ctx.signal,
        });
      const idle = await stream(idleMs);
      if (!idle.rttMs) return { ...facts, classification: 'filtered' };
      facts.idle = idle.rttMs;
      const step = async (direction: Direction, n: number): Promise<LoadStep> => {
        // The probe stream starts after the load has left slow start, and ends before it stops.
        const omit = Math.min(1000, Math.floor(plan.stepMs / 4));
        const load = runThroughput(
          { endpoint, session, direction, transport: 'tcp', streams: n, durationMs: plan.stepMs, omitMs: omit },
          ctx.signal,
        );
        // Awaited below, after the probe stream: a load that fails first must not be an unhandled rejection meanwhile.
        load.catch(() => undefined);
        // The worker needs a moment to start and the streams to leave slow start before probing.
        const startup = 300;
        await abortableDelay(omit + startup, ctx.signal);
        const probeMs = Math.max(500, plan.stepMs - omit - startup - 500);
        const during = await stream(probeMs);
        const t = await load;
        return { streams: n, mbps: t.mbps, probeMs, sent: during.sent, replies: during.replies, rttMs: during.rttMs };
      };
      for (const direction of ctx.options.directions) {
        // A fixed number of streams is not enough: TCP that keeps queues short (BBR) saturates a
        // link with a few streams and leaves a deep buffer half empty, while many flows together,
        // or the loss-based TCP of most clients, fill it. So the load grows until the queue is
        // as full as more load can make it.
        const steps: LoadStep[] = [];
        let stop: RampStop = plan.counts.length < plan.steps || plan.counts.at(-1)! >= maxStreams ? 'max-streams' : 'max-time';
        for (const n of plan.counts) {
          const s = await step(direction, n);
          steps.push(s);
          // No reply at all: the queue holds them longer than the probe waits; more load shows nothing more.
          if (!s.rttMs) {
            stop = 'no-replies';
            break;
          }
          if (steps.length >= 2 && steady(steps.at(-2)!, s)) {
            stop = 'steady';
            break;
          }
        }
        facts.loaded[direction] = { steps, stop };
      }
      return facts;
    } catch (err) {
      return { ...probeFailureFacts(ctx, err), ...run, idle: null, loaded: {} };
    }
  },

  judge(facts, { threshold }) {
    const failed = probeFailureJudgement('bufferbloat', facts);
    if (failed) return failed;
    // No answer over UDP at all: the latency check says so; there is nothing to load.
    if (!facts.idle) return { score: null, notApplicable: 'udp-blocked' };
    const limit = threshold('bufferbloatMs', 100);
    const rows = loadedRows(facts, facts.idle);
    if (!rows.length) return { score: null };
    const worst = Math.max(0, ...rows.map((r) => r.delta));
    // "≥ 100 ms" is flagged: limitScore passes only values under the limit.
    const score = limitScore(worst, limit);
    const findings: Finding[] = rows
      .filter((r) => r.delta >= limit)
      .map((r) => ({
        id: 'bufferbloat.high',
        // Same steps as the score: beyond twice the limit is a failure.
        severity: r.delta > 2 * limit ? 'high' : 'medium',
        message: {
          id: 'bufferbloat.high',
          params: {
            direction: { id: `bufferbloat.dir.${r.direction}` },
            delta: r.delta,
            idle: facts.idle!.p50,
            loaded: r.p50,
            streams: r.step.streams,
            mbps: r.step.mbps,
          },
        },
        remediation: { id: 'bufferbloat.high.fix' },
      }));
    return {
      score,
      measurements: [
        {
          id: 'bufferbloat',
          value: worst,
          unit: 'ms',
          threshold: { max: limit, source: 'Microsoft 365 connectivity test: ≥ 100 ms flagged' },
        },
        { id: 'rtt-idle-p50', value: facts.idle.p50, unit: 'ms' },
        ...rows.flatMap((r) => [
          { id: `rtt-loaded-${r.direction}-p50`, value: r.p50, unit: 'ms' },
          { id: `load-${r.direction}-streams`, value: r.step.streams, unit: 'count' },
          { id: `load-${r.direction}-mbps`, value: r.step.mbps, unit: 'Mbit/s' },
        ]),
      ],
      findings,
    };
  },

  present(facts) {
    if (!facts.idle) return [];
    const idle = facts.idle;
    const ms = (v: number) => ({ value: v, unit: 'ms' });
    const judged = new Map(loadedRows(facts, idle).map((r) => [r.step, r]));
    const stops = DIRECTIONS.flatMap((direction) => {
      const ramp = facts.loaded[direction];
      if (!ramp?.steps.length) return [];
      const streams = ramp.steps.at(-1)!.streams;
      return [
        {
          label: { id: `bufferbloat.dir.${direction}` },
          value: { id: 'bufferbloat.stop', params: { streams, reason: { id: `bufferbloat.stop.${ramp.stop}` } } },
        },
      ];
    });
    return [
      {
        kind: 'table',
        title: { id: 'bufferbloat.block' },
        columns: [
          { key: 'load', label: { id: 'bufferbloat.col.load' } },
          { key: 'p50', label: { id: 'bufferbloat.col.rtt-p50' }, numeric: true },
          { key: 'p95', label: { id: 'bufferbloat.col.rtt-p95' }, numeric: true },
          { key: 'increase', label: { id: 'bufferbloat.col.increase' }, numeric: true },
          { key: 'replies', label: { id: 'bufferbloat.col.replies' }, numeric: true },
          { key: 'mbps', label: { id: 'bufferbloat.col.load-rate' }, numeric: true },
          { key: 'judged', label: { id: 'bufferbloat.col.judged' } },
        ],
        rows: [
          {
            load: { id: 'bufferbloat.idle' },
            p50: ms(idle.p50),
            p95: ms(idle.p95),
            increase: null,
            replies: null,
            mbps: null,
            judged: null,
          },
          ...DIRECTIONS.flatMap((direction) =>
            (facts.loaded[direction]?.steps ?? []).map((s) => ({
              load: { id: 'bufferbloat.step', params: { direction: { id: `bufferbloat.dir.${direction}` }, streams: s.streams } },
              p50: s.rttMs ? ms(s.rttMs.p50) : { id: 'bufferbloat.no-replies' },
              p95: s.rttMs ? ms(s.rttMs.p95) : null,
              increase: ms(round(loadedP50(s, idle) - idle.p50)),
              replies: `${s.replies} / ${s.sent}`,
              mbps: { value: s.mbps, unit: 'Mbit/s' },
              judged: judged.has(s) ? { id: 'bufferbloat.judged' } : null,
            })),
          ),
        ],
      },
      ...(stops.length ? [{ kind: 'key-value' as const, title: { id: 'bufferbloat.block.ramp' }, items: stops }] : []),
    ];
  },
});

/** One more step changed neither the round trip nor the goodput much: the queue is as full as it gets. */
export function steady(before: LoadStep, after: LoadStep): boolean {
  if (!before.rttMs || !after.rttMs) return false;
  // A round trip that fell a lot is no plateau either: the queue was caught filling or draining
  // (BBR drains it every few seconds), so the next step must say where it settles.
  const change = Math.abs(after.rttMs.p50 - before.rttMs.p50);
  const growth = before.mbps > 0 ? after.mbps / before.mbps - 1 : after.mbps > 0 ? Infinity : 0;
  return change < Math.max(STEADY_RISE_MS, STEADY_RISE_FRACTION * before.rttMs.p50) && growth < STEADY_GROWTH;
}

/** No reply at all while loaded is the worst bloat: the round trip grew by at least the probe's length. */
function loadedP50(s: LoadStep, idle: Percentiles): number {
  return s.rttMs ? s.rttMs.p50 : idle.p50 + s.probeMs;
}

interface LoadedRow {
  direction: Direction;
  /** The step judged: the one with the longest median round trip (the first of equals). */
  step: LoadStep;
  /** Its median round trip, ms. */
  p50: number;
  /** Its increase over idle, ms. */
  delta: number;
}

function loadedRows(facts: BufferbloatFacts, idle: Percentiles): LoadedRow[] {
  return DIRECTIONS.flatMap((direction) => {
    const steps = facts.loaded[direction]?.steps ?? [];
    if (!steps.length) return [];
    const step = steps.reduce((worst, s) => (loadedP50(s, idle) > loadedP50(worst, idle) ? s : worst));
    const p50 = loadedP50(step, idle);
    return [{ direction, step, p50, delta: round(p50 - idle.p50) }];
  });
}
