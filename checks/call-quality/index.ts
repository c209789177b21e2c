import { defineCheck, type Block, type Measurement, type Message } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { latencyOnce, probeSession, mediaStreamSchema, type MediaStream } from '../../src/probe/context.js';
import {
  probeFactsProperties,
  probeFactsRequired,
  probeFailureFacts,
  probeFailureJudgement,
  reflectorOf,
  type ProbeFacts,
  type ReflectorFacts,
} from '../../src/probe/check-support.js';
import { PathError } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFailureOf } from '../../src/net/path-messages.js';
import { stunFarEndSchema, stunLatencyOnce, type StunFarEnd } from '../../src/probe/stun-far-end.js';
import {
  CODECS,
  mosFromR,
  qualityBand,
  rFactor,
  type CodecProfile,
  type QualityBand,
  type RFactorResult,
} from '../../src/quality/emodel.js';
import { round } from '../../src/util/number.js';
import planning, { type Options } from './plan.js';

const messages = {
  en: {
    ...probeMessages.en,
    'call-quality.low': 'Predicted call quality with {codec}: MOS {mos} ({band}), R = {r}.',
    'call-quality.low.fix': "The E-model says what hurts most: {driver}. Fix that first (see the latency check's findings).",
    'driver.delay': 'delay (one-way {delay} ms, including the jitter buffer)',
    'driver.loss': 'packet loss ({loss} %)',
    'band.excellent': 'excellent',
    'band.great': 'great',
    'band.good': 'good',
    'band.fair': 'fair',
    'band.degraded': 'degraded',
    'call-quality.block.model': 'E-model, {codec}',
    'cq.codec': 'Codec',
    'cq.codec.assumption': 'Codec values',
    'cq.assumed': 'an assumption (not in ITU-T G.113)',
    'cq.g113': 'ITU-T G.113 Appendix I',
    'cq.one-way-delay': 'One-way delay (RTT median ÷ 2)',
    'cq.jitter': 'Jitter, worse direction',
    'cq.jitter-rtt': 'Jitter, round trip (STUN far end)',
    'cq.loss': 'Loss',
    'cq.burst-ratio': 'Burst ratio (BurstR)',
    'cq.effective-delay': 'Mouth-to-ear delay Ta',
    'cq.id': 'Delay impairment Id',
    'cq.ie-eff': 'Equipment impairment Ie,eff',
    'cq.r': 'R factor',
    'cq.mos': 'MOS',
    'cq.band': 'Band',
  },
  'zh-CN': {
    ...probeMessages['zh-CN'],
    'call-quality.low': '使用 {codec} 的预测通话质量：MOS {mos}（{band}），R = {r}。',
    'call-quality.low.fix': 'E 模型显示影响最大的是：{driver}。请先解决它（参见 latency 检查的结果）。',
    'driver.delay': '时延（单向 {delay} 毫秒，含抖动缓冲）',
    'driver.loss': '丢包（{loss}%）',
    'band.excellent': '优秀',
    'band.great': '很好',
    'band.good': '良好',
    'band.fair': '一般',
    'band.degraded': '较差',
    'call-quality.block.model': 'E 模型，{codec}',
    'cq.codec': '编解码器',
    'cq.codec.assumption': '编解码器参数',
    'cq.assumed': '假设值（ITU-T G.113 未收录）',
    'cq.g113': 'ITU-T G.113 附录 I',
    'cq.one-way-delay': '单向时延（RTT 中位数 ÷ 2）',
    'cq.jitter': '抖动（较差方向）',
    'cq.jitter-rtt': '抖动（往返，STUN 远端）',
    'cq.loss': '丢包率',
    'cq.burst-ratio': '突发比（BurstR）',
    'cq.effective-delay': '口到耳时延 Ta',
    'cq.id': '时延损伤 Id',
    'cq.ie-eff': '设备损伤 Ie,eff',
    'cq.r': 'R 因子',
    'cq.mos': 'MOS',
    'cq.band': '等级',
  },
};

/** The numbers of the shared stream the E-model is fed with, copied from it. */
export interface CallQualityPath {
  sent: number;
  replies: number;
  /** Median round trip, ms. */
  rttP50Ms: number;
  /** RFC 3550 jitter each way, ms (null when unknown). */
  jitterUpMs: number | null;
  jitterDownMs: number | null;
  /** Round-trip loss of the whole stream, and each way when the reflector reported, %. */
  lossPercent: number;
  lossUpPercent: number | null;
  lossDownPercent: number | null;
  /** G.107 BurstR of the round-trip loss pattern. */
  burstRatio: number;
  /** STUN far end: jitter of successive round trips, ms (no per-direction figures there). */
  rttJitterMs?: number | null;
}

export interface CallQualityFacts extends Omit<ProbeFacts, 'reflector'> {
  /** The reflector measured against (absent when the far end is a STUN server). */
  reflector?: ReflectorFacts;
  /** The STUN server measured against (absent when the far end is the reflector). */
  farEnd?: StunFarEnd;
  /** The codec this target rates (a name of src/quality/emodel.ts CODECS). */
  codec: string;
  /** Which media stream was measured (the latency check's profile). */
  profile: string;
  stream?: MediaStream;
  /** Null: UDP got no answer, there is nothing to rate. */
  path?: CallQualityPath | null;
}

const nullableNumber = { type: ['number', 'null'], minimum: 0 } as const;
const factsSchema = {
  type: 'object',
  required: [...probeFactsRequired.filter((k) => k !== 'reflector'), 'codec', 'profile'],
  // Measured against one far end: the reflector, or a STUN server.
  oneOf: [{ required: ['reflector'] }, { required: ['farEnd'] }],
  properties: {
    ...probeFactsProperties,
    farEnd: stunFarEndSchema,
    codec: { type: 'string' },
    profile: { type: 'string' },
    stream: mediaStreamSchema,
    path: {
      type: ['object', 'null'],
      required: [
        'sent',
        'replies',
        'rttP50Ms',
        'jitterUpMs',
        'jitterDownMs',
        'lossPercent',
        'lossUpPercent',
        'lossDownPercent',
        'burstRatio',
      ],
      properties: {
        sent: { type: 'integer', minimum: 0 },
        replies: { type: 'integer', minimum: 0 },
        rttP50Ms: { type: 'number', minimum: 0 },
        jitterUpMs: nullableNumber,
        jitterDownMs: nullableNumber,
        lossPercent: { type: 'number', minimum: 0, maximum: 100 },
        lossUpPercent: { type: ['number', 'null'], minimum: 0, maximum: 100 },
        lossDownPercent: { type: ['number', 'null'], minimum: 0, maximum: 100 },
        burstRatio: { type: 'number' },
        rttJitterMs: nullableNumber,
      },
    },
  },
} as const;

const SCORE_BY_BAND = { excellent: 1, great: 1, good: 0.9, fair: 0.5, degraded: 0.2 } as const;

/** ITU-T G.107 E-model R-factor → MOS from the measured delay, jitter and loss, per codec. */
export default defineCheck<Options, CallQualityFacts>({
  ...planning,
  facts: { version: 2, schema: factsSchema },
  messages,

  async measure(ctx, target) {
    const codec = target.data!.suffix as string;
    const profile = ctx.options.profile;
    // The same stream as the latency check (one per profile); its duration is the latency check's when set there.
    const latency = ctx.site.checks.latency as Partial<Options> | undefined;
    const timing = { durationMs: latency?.durationMs ?? ctx.options.durationMs, drainMs: latency?.drainMs ?? ctx.options.drainMs };
    if (target.data?.farEnd === 'stun') {
      const ep = target.endpoint!;
      try {
        const { farEnd, stream, result: r } = await stunLatencyOnce(ctx, ep, profile, timing);
        const base = { farEnd, codec, profile, stream };
        if (r.blocked) return { ...base, classification: 'filtered', path: null };
        if (!r.rttMs) {
          // Answers came, none of them valid: the server cannot be used (the latency check details the junk).
          const failure = {
            classification: 'server-error' as const,
            phase: 'application',
            code: 'STUN_NO_VALID_RESPONSE',
            protocol: 'stun' as const,
            message: 'no valid Binding success response came back',
          };
          return { ...base, classification: 'server-error', kind: 'protocol-error', failure, path: null };
        }
        const path: CallQualityPath = {
          sent: r.sent,
          replies: r.replies,
          rttP50Ms: r.rttMs.p50,
          jitterUpMs: null,
          jitterDownMs: null,
          rttJitterMs: r.rttJitterMs,
          lossPercent: r.lossPercent,
          lossUpPercent: null,
          lossDownPercent: null,
          burstRatio: r.burstRatio,
        };
        return { ...base, classification: 'ok', path };
      } catch (err) {
        // An abort or a bug is not a fact about the path.
        if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
        const failure = pathFailureOf(err);
        return { farEnd: { kind: 'stun', host: ep.host, port: ep.port }, codec, profile, classification: failure.classification, failure };
      }
    }
    try {
      const { stream, result: r } = await latencyOnce(ctx, profile, timing);
      const { session } = await probeSession(ctx);
      const base = { reflector: reflectorOf(ctx.site, session.udpPort), codec, profile, stream };
      if (!r.rttMs) return { ...base, classification: 'filtered', path: null };
      const path: CallQualityPath = {
        sent: r.sent,
        replies: r.replies,
        rttP50Ms: r.rttMs.p50,
        jitterUpMs: r.jitterUpMs,
        jitterDownMs: r.jitterDownMs,
        lossPercent: r.lossPercent,
        lossUpPercent: r.lossUpPercent,
        lossDownPercent: r.lossDownPercent,
        burstRatio: r.burstRatio,
      };
      return { ...base, classification: 'ok', path };
    } catch (err) {
      return { ...probeFailureFacts(ctx, err), codec, profile };
    }
  },

  judge(facts) {
    const failed = facts.reflector ? probeFailureJudgement('call-quality', { ...facts, reflector: facts.reflector }) : undefined;
    if (failed) return failed;
    // The latency check words why a STUN server could not be used; here there is only nothing to rate.
    if (facts.farEnd && facts.failure)
      return {
        score: null,
        error: `the STUN server at ${facts.farEnd.host}:${facts.farEnd.port} could not be used: ${facts.failure.message}`,
      };
    // The latency check reports UDP that gets nowhere; there is no call to rate.
    if (!facts.path) return { score: null, notApplicable: 'udp-blocked' };
    const model = eModel(facts.codec, facts.path);
    if (!model) return { score: null, error: `no E-model profile for the codec ${facts.codec}` };
    const { codec, q, mos, band, lossPercent } = model;
    const score = SCORE_BY_BAND[band];
    const r = Math.round(q.r * 10) / 10;
    const measurements: Measurement[] = [
      { id: 'mos', value: mos, threshold: { min: 3.7, source: 'Twilio: ≥ 3.7 good' } },
      { id: 'r-factor', value: r },
      { id: 'effective-delay', value: Math.round(q.effectiveDelayMs * 10) / 10, unit: 'ms' },
    ];
    if (score >= 0.9) return { score, measurements };
    // What loss adds on top of the codec's own impairment, against what delay takes away.
    const driverMessage: Message =
      q.id >= q.ieEff - codec.ie
        ? { id: 'driver.delay', params: { delay: Math.round(q.effectiveDelayMs) } }
        : { id: 'driver.loss', params: { loss: lossPercent } };
    return {
      score,
      measurements,
      findings: [
        {
          id: 'call-quality.low',
          severity: score < 0.5 ? 'high' : 'medium',
          message: { id: 'call-quality.low', params: { codec: codec.name, mos, band: { id: `band.${band}` }, r } },
          remediation: {
            id: 'call-quality.low.fix',
            params: { driver: driverMessage },
          },
          evidence: {
            oneWayDelayMs: model.oneWayDelayMs,
            jitterMs: model.jitterMs,
            lossPercent,
            burstRatio: facts.path.burstRatio,
            id: q.id,
            ieEff: q.ieEff,
          },
        },
      ],
    };
  },

  present(facts) {
    if (!facts.path) return [];
    const model = eModel(facts.codec, facts.path);
    if (!model) return [];
    const { codec, q } = model;
    const ms = (v: number) => ({ value: round(v, 1), unit: 'ms' });
    const block: Block = {
      kind: 'key-value',
      title: { id: 'call-quality.block.model', params: { codec: codec.name } },
      items: [
        { label: { id: 'cq.codec' }, value: codec.name },
        { label: { id: 'cq.codec.assumption' }, value: { id: codec.assumption ? 'cq.assumed' : 'cq.g113' } },
        { label: { id: 'cq.one-way-delay' }, value: ms(model.oneWayDelayMs) },
        { label: { id: facts.farEnd ? 'cq.jitter-rtt' : 'cq.jitter' }, value: ms(model.jitterMs) },
        { label: { id: 'cq.loss' }, value: { value: model.lossPercent, unit: '%' } },
        { label: { id: 'cq.burst-ratio' }, value: facts.path.burstRatio },
        { label: { id: 'cq.effective-delay' }, value: ms(q.effectiveDelayMs) },
        { label: { id: 'cq.id' }, value: round(q.id, 2) },
        { label: { id: 'cq.ie-eff' }, value: round(q.ieEff, 2) },
        { label: { id: 'cq.r' }, value: round(q.r, 1) },
        { label: { id: 'cq.mos' }, value: model.mos },
        { label: { id: 'cq.band' }, value: { id: `band.${model.band}` } },
      ],
    };
    return [block];
  },
});

interface EModel {
  codec: CodecProfile;
  oneWayDelayMs: number;
  jitterMs: number;
  lossPercent: number;
  q: RFactorResult;
  mos: number;
  band: QualityBand;
}

/** The E-model on the stream's numbers; undefined for a codec this version does not know. */
function eModel(codecName: string, p: CallQualityPath): EModel | undefined {
  const codec = CODECS[codecName];
  if (!codec) return undefined;
  const oneWayDelayMs = p.rttP50Ms / 2;
  // A STUN far end has only the round trip's jitter: both directions' variation in one figure.
  const jitterMs = p.rttJitterMs ?? Math.max(p.jitterUpMs ?? 0, p.jitterDownMs ?? 0);
  // One-way loss: the worse direction when the reflector reported both, else the round-trip figure.
  const lossPercent = p.lossUpPercent !== null && p.lossDownPercent !== null ? Math.max(p.lossUpPercent, p.lossDownPercent) : p.lossPercent;
  const q = rFactor({ oneWayDelayMs, jitterMs, lossPercent, burstRatio: p.burstRatio, codec });
  const mos = round(mosFromR(q.r), 2);
  return { codec, oneWayDelayMs, jitterMs, lossPercent, q, mos, band: qualityBand(mos) };
}
