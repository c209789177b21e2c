import { describe, expect, it } from 'vitest';
import {
  CODECS,
  G711,
  G729A,
  OPUS,
  QUALITY_BANDS,
  R_BASE,
  delayImpairment,
  effectiveEquipmentImpairment,
  idd,
  mosFromR,
  qualityBand,
  rFactor,
  type CodecProfile,
} from '../../src/quality/emodel.js';

const at = (
  codec: CodecProfile,
  over: Partial<{ oneWayDelayMs: number; jitterMs: number; lossPercent: number; burstRatio: number }> = {},
) => rFactor({ oneWayDelayMs: 20, jitterMs: 2, lossPercent: 0, codec, ...over });

describe('rFactor reference points', () => {
  it('gives the G.107 default rating 93.2 (MOS 4.41) with no delay and no loss', () => {
    const zeroDelay: CodecProfile = { ...G711, frameMs: 0, lookaheadMs: 0 };
    const r = rFactor({ oneWayDelayMs: 0, jitterMs: 0, lossPercent: 0, codec: zeroDelay });
    expect(r).toEqual({ r: 93.2, id: 0, ie: 0, ieEff: 0, effectiveDelayMs: 0 });
    expect(mosFromR(r.r)).toBeCloseTo(4.41, 2);
  });

  it('stays close to 93.2 / 4.41 for G.711 on a short, clean path', () => {
    const r = rFactor({ oneWayDelayMs: 10, jitterMs: 1, lossPercent: 0, codec: G711 });
    // Ta = 10 + 2×1 (jitter buffer) + 20 (frame) + 0 (look-ahead) = 32 ms; Id ≈ 1 (talker/listener echo at defaults).
    expect(r.effectiveDelayMs).toBe(32);
    expect(r.r).toBeLessThan(R_BASE);
    expect(r.r).toBeGreaterThan(R_BASE - 1.5);
    expect(mosFromR(r.r)).toBeCloseTo(4.4, 1);
  });

  it('composes the effective delay from one-way delay, 2 × jitter, frame and look-ahead', () => {
    expect(at(G729A, { oneWayDelayMs: 50, jitterMs: 10 }).effectiveDelayMs).toBe(50 + 20 + 20 + 5);
    expect(at(OPUS, { oneWayDelayMs: 0, jitterMs: 0 }).effectiveDelayMs).toBe(26.5);
  });
});

describe('loss (Ie,eff, G.107 eq. 7-29)', () => {
  it('matches hand-computed values', () => {
    // G.711 + PLC, 1 % random loss: 0 + 95 × 1 / (1 + 25.1)
    expect(at(G711, { lossPercent: 1 }).ieEff).toBeCloseTo(95 / 26.1, 10);
    // G.729A, 2 %: 11 + 84 × 2 / (2 + 19) = 19
    expect(at(G729A, { lossPercent: 2 }).ieEff).toBeCloseTo(19, 10);
    expect(at(G729A).ieEff).toBe(11);
  });

  it('raises the impairment monotonically with loss, and R falls', () => {
    for (const codec of [G711, G729A, OPUS]) {
      let prev = at(codec, { lossPercent: 0 });
      for (let loss = 0.5; loss <= 30; loss += 0.5) {
        const cur = at(codec, { lossPercent: loss });
        expect(cur.ieEff).toBeGreaterThan(prev.ieEff);
        expect(cur.r).toBeLessThan(prev.r);
        prev = cur;
      }
      expect(at(codec, { lossPercent: 100 }).ieEff).toBeLessThan(95);
    }
  });

  it('burstiness (BurstR > 1) lowers R at the same loss', () => {
    const random = at(G711, { lossPercent: 2, burstRatio: 1 });
    const bursty = at(G711, { lossPercent: 2, burstRatio: 2 });
    const burstier = at(G711, { lossPercent: 2, burstRatio: 4 });
    expect(bursty.r).toBeLessThan(random.r);
    expect(burstier.r).toBeLessThan(bursty.r);
    // BurstR 2: 95 × 2 / (2/2 + 25.1)
    expect(bursty.ieEff).toBeCloseTo((95 * 2) / (1 + 25.1), 10);
  });

  it('treats BurstR below 1 as random loss and ignores it without loss', () => {
    expect(at(G711, { lossPercent: 2, burstRatio: 0.5 }).r).toBe(at(G711, { lossPercent: 2 }).r);
    expect(at(G711, { burstRatio: 8 }).r).toBe(at(G711).r);
    expect(effectiveEquipmentImpairment(G729A, 0, 3)).toBe(11);
  });
});

describe('delay (Id, G.107 §7.4)', () => {
  it('is zero at zero delay and Idd is zero up to 100 ms', () => {
    expect(delayImpairment(0)).toBe(0);
    expect(idd(50)).toBe(0);
    expect(idd(100)).toBe(0);
    expect(idd(101)).toBeGreaterThan(0);
  });

  it('computes Idd with X = log2(Ta/100)', () => {
    // Ta = 200 → X = 1: 25 × (2^(1/6) − 3 × (1 + 3^-6)^(1/6) + 2) ≈ 3.04
    expect(idd(200)).toBeCloseTo(25 * (2 ** (1 / 6) - 3 * (1 + 3 ** -6) ** (1 / 6) + 2), 10);
    expect(idd(200)).toBeCloseTo(3.04, 2);
    // Ta = 400 → X = 2: ≈ 24.07
    expect(idd(400)).toBeCloseTo(24.07, 1);
  });

  it('tracks the common linear fit 0.024·Ta + 0.11·(Ta − 177.3)·H(Ta − 177.3) within 1 up to 300 ms', () => {
    const fit = (ta: number) => 0.024 * ta + (ta > 177.3 ? 0.11 * (ta - 177.3) : 0);
    for (const ta of [50, 100, 150, 177.3, 200, 250, 300]) expect(Math.abs(delayImpairment(ta) - fit(ta))).toBeLessThan(1);
  });

  it('reduces R sharply beyond 177.3 ms', () => {
    const rAt = (oneWayDelayMs: number) => rFactor({ oneWayDelayMs, jitterMs: 0, lossPercent: 0, codec: { ...G711, frameMs: 0 } }).r;
    const slopeBefore = (rAt(50) - rAt(150)) / 100;
    const slopeAfter = (rAt(200) - rAt(300)) / 100;
    expect(slopeBefore).toBeGreaterThan(0);
    expect(slopeAfter).toBeGreaterThan(4 * slopeBefore);
    expect(rAt(177.3) - rAt(277.3)).toBeGreaterThan(10);
    // R ≈ 90.7 (MOS 4.36, excellent) at 100 ms; R ≈ 72.7 (MOS ≈ 3.72) at 300 ms.
    expect(qualityBand(mosFromR(rAt(100)))).toBe('excellent');
    expect(mosFromR(rAt(300))).toBeLessThan(3.8);
  });

  it('lowers R monotonically with delay', () => {
    let prev = Infinity;
    for (let d = 0; d <= 600; d += 10) {
      const { r } = at(G711, { oneWayDelayMs: d });
      expect(r).toBeLessThan(prev);
      prev = r;
    }
  });
});

describe('codecs', () => {
  it('rates G.729A below G.711 under equal conditions', () => {
    for (const over of [{}, { lossPercent: 1 }, { lossPercent: 5, burstRatio: 2 }, { oneWayDelayMs: 150, jitterMs: 20 }]) {
      expect(at(G729A, over).r).toBeLessThan(at(G711, over).r);
    }
  });

  it('exports the G.113 values and marks Opus as an assumption', () => {
    expect(Object.keys(CODECS).sort()).toEqual(['G.711', 'G.729A', 'Opus']);
    expect(CODECS['G.711']).toMatchObject({ ie: 0, bpl: 25.1, assumption: false });
    expect(CODECS['G.729A']).toMatchObject({ ie: 11, bpl: 19, assumption: false });
    expect(CODECS['G.711']?.source).toMatch(/G\.113/);
    expect(CODECS['G.729A']?.source).toMatch(/G\.113/);
    expect(CODECS.Opus?.assumption).toBe(true);
    expect(CODECS.Opus?.source).toMatch(/^Not from G\.113, assumption/);
    for (const c of Object.values(CODECS)) {
      expect(c.frameMs).toBeGreaterThan(0);
      expect(c.lookaheadMs).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('input checks', () => {
  it('rejects impossible inputs instead of returning NaN', () => {
    expect(() => at(G711, { oneWayDelayMs: -1 })).toThrow(RangeError);
    expect(() => at(G711, { jitterMs: Number.NaN })).toThrow(RangeError);
    expect(() => at(G711, { lossPercent: 101 })).toThrow(RangeError);
    expect(() => at(G711, { lossPercent: -0.1 })).toThrow(RangeError);
    expect(() => at(G711, { oneWayDelayMs: Infinity })).toThrow(RangeError);
    expect(() => at(G711, { burstRatio: Number.NaN })).toThrow(RangeError);
    expect(() => mosFromR(Number.NaN)).toThrow(RangeError);
  });
});

describe('mosFromR (G.107 Annex B)', () => {
  it('clamps at both ends', () => {
    expect(mosFromR(-50)).toBe(1);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBeCloseTo(4.5, 10);
    expect(mosFromR(100.01)).toBe(4.5);
    expect(mosFromR(250)).toBe(4.5);
  });

  it('floors the cubic’s dip below 1 for 0 < R < 6.5', () => {
    expect(1 + 0.035 * 3 + 3 * (3 - 60) * (100 - 3) * 7e-6).toBeLessThan(1);
    expect(mosFromR(3)).toBe(1);
  });

  it('follows the cubic in between and never decreases', () => {
    expect(mosFromR(50)).toBeCloseTo(1 + 1.75 + 50 * -10 * 50 * 7e-6, 10);
    expect(mosFromR(93.2)).toBeCloseTo(4.409, 3);
    let prev = 0;
    for (let r = -10; r <= 110; r += 0.5) {
      const m = mosFromR(r);
      expect(m).toBeGreaterThanOrEqual(prev);
      expect(m).toBeGreaterThanOrEqual(1);
      expect(m).toBeLessThanOrEqual(4.5);
      prev = m;
    }
  });
});

describe('qualityBand (Twilio bands)', () => {
  it('uses > 4.2 excellent, ≥ 4.1 great, ≥ 3.7 good, ≥ 3.1 fair, else degraded', () => {
    const cases: [number, string][] = [
      [4.5, 'excellent'],
      [4.21, 'excellent'],
      [4.2, 'great'],
      [4.1, 'great'],
      [4.05, 'good'], // in the published gap 4.0..4.1: lower band
      [4.0, 'good'],
      [3.7, 'good'],
      [3.65, 'fair'], // gap 3.6..3.7
      [3.1, 'fair'],
      [3.09, 'degraded'],
      [1, 'degraded'],
    ];
    for (const [mos, band] of cases) expect([mos, qualityBand(mos)]).toEqual([mos, band]);
  });

  it('exports the bands as data with a source', () => {
    expect(QUALITY_BANDS.source).toMatch(/Twilio/);
    expect(QUALITY_BANDS.bands.map((b) => b.band)).toEqual(['excellent', 'great', 'good', 'fair', 'degraded']);
  });
});
