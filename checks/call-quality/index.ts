import { defineCheck, type Measurement } from '../../src/plugin-api.js';
import { probeMessages } from '../../src/probe/messages.js';
import { latencyOnce, probeTargets } from '../../src/probe/context.js';
import { probeFailureOutcome } from '../../src/probe/check-support.js';
import { CODECS, QUALITY_BANDS, mosFromR, qualityBand, rFactor } from '../../src/quality/emodel.js';

const messages = {
  en: {
    ...probeMessages.en,
    'call-quality.low': 'Predicted call quality with {codec}: MOS {mos} ({band}), R = {r}.',
    'call-quality.low.fix': 'The E-model says what hurts most: {driver}. Fix that first (see the latency check\'s findings).',
    'driver.delay': 'delay (one-way {delay} ms, including the jitter buffer)',
    'driver.loss': 'packet loss ({loss} %)',
    'band.excellent': 'excellent',
    'band.great': 'great',
    'band.good': 'good',
    'band.fair': 'fair',
    'band.degraded': 'degraded',
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
  },
};

interface Options {
  codecs: string[];
  profile: string;
  durationMs: number;
  drainMs: number;
}

const SCORE_BY_BAND = { excellent: 1, great: 1, good: 0.9, fair: 0.5, degraded: 0.2 } as const;

/** ITU-T G.107 E-model R-factor → MOS from the measured delay, jitter and loss, per codec. */
export default defineCheck<Options>({
  meta: {
    id: 'call-quality',
    title: 'Predicted call quality is good',
    failureTitle: 'Predicted call quality is poor',
    description:
      'Feeds the audio stream measured by the latency check (same stream, shared) into the ITU-T G.107 E-model: ' +
      'one-way delay = RTT p50 / 2 (no synchronised clocks, so the path is taken as symmetric) plus a jitter buffer of ' +
      '2 × jitter plus codec delay; effective equipment impairment from loss and burstiness (G.107 eq. 7-29, BurstR from ' +
      'the measured loss pattern); R → MOS by G.107 Annex B. Rated with Twilio\'s bands: > 4.2 excellent, 4.1–4.2 great, ' +
      '3.7–4.0 good, 3.1–3.6 fair, below degraded. Codec impairments from ITU-T G.113 Appendix I (Opus: an assumption, ' +
      'marked in the report).',
    category: 'network',
    severity: 'high',
    weight: 2,
    timeoutMs: 90_000,
    exclusive: 'probe',
    references: [
      { title: 'ITU-T G.107 (06/2015) — The E-model', clause: '§7, Annex B' },
      { title: 'ITU-T G.113 — Transmission impairments due to speech processing', clause: 'Appendix I' },
      { title: QUALITY_BANDS.source },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        codecs: { type: 'array', items: { enum: Object.keys(CODECS) }, minItems: 1 },
        profile: { enum: ['audio', 'video'] },
        durationMs: { type: 'integer', minimum: 500, maximum: 300000 },
        drainMs: { type: 'integer', minimum: 100, maximum: 10000 },
        timeoutMs: { type: 'integer', minimum: 1000 },
      },
    },
    defaults: { codecs: ['G.711', 'Opus'], profile: 'audio', durationMs: 15000, drainMs: 1000 },
  },
  messages,
  targets(site, options) {
    return probeTargets(site, options.codecs);
  },
  deadlineMs: (o) => o.durationMs + o.drainMs + 15_000,
  async run(ctx, target) {
    const codec = CODECS[target.data!.suffix as string]!;
    // The same stream as the latency check (one per profile); its duration is the latency check's when set there.
    const latency = ctx.site.checks.latency as Partial<Options> | undefined;
    let r;
    try {
      r = await latencyOnce(ctx, ctx.options.profile, { durationMs: latency?.durationMs ?? ctx.options.durationMs, drainMs: latency?.drainMs ?? ctx.options.drainMs });
    } catch (err) {
      return probeFailureOutcome(ctx, 'call-quality', err);
    }
    if (!r.rttMs) return { status: 'skipped', score: null, details: { reason: 'udp-blocked', classification: 'filtered' } };
    const oneWayDelayMs = r.rttMs.p50 / 2;
    const jitterMs = Math.max(r.jitterUpMs ?? 0, r.jitterDownMs ?? 0);
    // One-way loss: the worse direction when the reflector reported both, else the round-trip figure.
    const lossPercent = r.lossUpPercent !== null && r.lossDownPercent !== null ? Math.max(r.lossUpPercent, r.lossDownPercent) : r.lossPercent;
    const q = rFactor({ oneWayDelayMs, jitterMs, lossPercent, burstRatio: r.burstRatio, codec });
    const mos = Math.round(mosFromR(q.r) * 100) / 100;
    const band = qualityBand(mos);
    const score = SCORE_BY_BAND[band];
    const measurements: Measurement[] = [
      { id: 'mos', value: mos, threshold: { min: 3.7, source: 'Twilio: ≥ 3.7 good' } },
      { id: 'r-factor', value: Math.round(q.r * 10) / 10 },
      { id: 'effective-delay', value: Math.round(q.effectiveDelayMs * 10) / 10, unit: 'ms' },
    ];
    // What loss adds on top of the codec's own impairment, against what delay takes away.
    const driver = q.id >= q.ieEff - codec.ie ? 'delay' : 'loss';
    return {
      status: score >= 0.9 ? 'pass' : score >= 0.5 ? 'warn' : 'fail',
      score,
      measurements,
      findings:
        score < 0.9
          ? [
              {
                id: 'call-quality.low',
                severity: score < 0.5 ? 'high' : 'medium',
                message: { id: 'call-quality.low', params: { codec: codec.name, mos, band: `@band.${band}`, r: Math.round(q.r * 10) / 10 } },
                remediation: {
                  id: 'call-quality.low.fix',
                  params: { driver: `@driver.${driver}`, delay: Math.round(q.effectiveDelayMs), loss: lossPercent },
                },
                evidence: { oneWayDelayMs, jitterMs, lossPercent, burstRatio: r.burstRatio, id: q.id, ieEff: q.ieEff },
              },
            ]
          : [],
      details: {
        classification: 'ok',
        codec: { name: codec.name, ie: codec.ie, bpl: codec.bpl, source: codec.source, assumption: codec.assumption },
        inputs: { oneWayDelayMs, jitterMs, lossPercent, burstRatio: r.burstRatio },
        ...q,
        mos,
        band,
        bands: QUALITY_BANDS,
      },
    };
  },
});
