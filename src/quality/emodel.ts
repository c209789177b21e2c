// ITU-T G.107 E-model, reduced to what a network probe can measure (one-way delay, jitter, loss,
// burstiness) plus a codec profile. Pure computation: no I/O, no state.
//
// Edition and clause references are to ITU-T G.107 (06/2015), "The E-model: a computational model
// for use in transmission planning":
//   §7.1  R = Ro − Is − Id − Ie,eff + A                                         (eq. 7-1)
//   §7.2  Ro, basic signal-to-noise ratio                                       (eqs 7-2..7-7)
//   §7.3  Is, simultaneous impairment                                           (eqs 7-8..7-17)
//   §7.4  Id = Idte + Idle + Idd, delay impairment                              (eqs 7-18..7-28)
//   §7.5  Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl/BurstR + Bpl)                    (eq. 7-29)
//   §7.6  A, advantage factor
//   §7.7  Table 3, default values
//   Annex B  MOS-CQE from R                                                     (eq. B-4)
//
// The simplification, stated exactly:
//   * Every parameter other than delay, loss and burstiness stays at its Table 3 default (SLR 8,
//     RLR 2, STMR 15, LSTR 18, Ds 3, TELR 65 dB, WEPL 110 dB, Nc −70 dBm0p, Nfor −64 dBmp,
//     Ps = Pr = 35 dB(A), qdu 1, A 0). With those defaults the §7.2/§7.3 formulas give
//     Ro ≈ 94.77 and Is ≈ 1.41, and the listener-echo term at zero delay gives Idle(0) ≈ 0.15:
//     Ro − Is − Idle(0) ≈ 93.2, the well-known default rating. We use R_BASE = 93.2 as "Ro − Is"
//     (the G.107 default as commonly applied) and therefore count only the part of Idle that
//     grows with delay, Idle(Tr) − Idle(0), so the zero-delay residual is not subtracted twice.
//     Is is treated as delay-independent (its only delay term, the talker echo inside STMRo,
//     is attenuated by TELR 65 dB and contributes < 0.01).
//   * Id (§7.4) is evaluated with the G.107 closed forms at those defaults rather than a curve
//     fit: Idte (talker echo, eqs 7-19..7-22, STMR 15 so neither the STMR < 9 nor the STMR > 20
//     variant applies; Idte = 0 for T < 1 ms), Idle (listener echo, eqs 7-25/7-26) and Idd
//     (pure delay, eqs 7-27/7-28, with the 06/2015 edition's default delay-sensitivity class
//     mT = 100 ms, sT = 1):
//         Idd = 0                                                   for Ta ≤ 100 ms
//         Idd = 25 · { (1 + X⁶)^⅙ − 3 · (1 + (X/3)⁶)^⅙ + 2 },  X = log2(Ta/100)   for Ta > 100 ms
//     Echo-path delays are derived from the absolute delay as for a symmetric path with echo
//     coupling at the far end: T = Ta and Tr = 2 · Ta. This is the exact curve that the popular
//     linear fit Id ≈ 0.024·Ta + 0.11·(Ta − 177.3)·H(Ta − 177.3) (Cole & Rosenbluth, 2001)
//     approximates, so the "knee" near 177 ms shows up here too.
//   * Ta, the absolute (mouth-to-ear) delay, is not measured; it is composed as
//         Ta = one-way network delay + de-jitter buffer + codec frame + codec look-ahead
//     with the de-jitter buffer assumed to be 2 × the measured jitter (a common sizing rule for
//     adaptive jitter buffers; real buffers vary). Packets discarded as late by that buffer are
//     not added to the loss: the buffer is assumed large enough to hold them.
//   * Ppl is the loss percentage (0..100). BurstR (eq. 7-30) is 1 for random loss and > 1 for
//     bursty loss; values below 1 are treated as 1. G.107 Table 3 gives BurstR 1..8 as the
//     validated range, and notes that predictions for BurstR > 2 hold only for Ppl < 2 %.
//   * The rating is on the narrowband scale (0..100). Wideband codecs (G.107.1) are rated here
//     as if narrowband, which forgoes their advantage: the result is conservative.

/** A codec's E-model parameters plus the delay it adds. */
export interface CodecProfile {
  name: string;
  /** Equipment impairment factor Ie at zero loss. */
  ie: number;
  /** Packet-loss robustness factor Bpl. */
  bpl: number;
  /** Audio carried per packet (the packetisation interval, ptime), ms. */
  frameMs: number;
  /** Encoder look-ahead (algorithmic delay beyond the frame), ms. */
  lookaheadMs: number;
  /** Where the numbers come from. */
  source: string;
  /** True when the Ie/Bpl values are not taken from ITU-T G.113 but chosen by us. */
  assumption: boolean;
}

const G113 = 'ITU-T G.113 Appendix I (provisional planning values for Ie and Bpl)';

export const G711: CodecProfile = {
  name: 'G.711',
  ie: 0,
  // G.113 Appendix I: Bpl 4.3 without packet-loss concealment, 25.1 with the G.711 Appendix I PLC.
  // Every current soft client conceals loss, so the PLC value is used.
  bpl: 25.1,
  frameMs: 20,
  lookaheadMs: 0,
  source: `${G113}: Ie 0; Bpl 25.1 with PLC (4.3 without). 20 ms ptime is the usual deployment, not from G.113.`,
  assumption: false,
};

export const G729A: CodecProfile = {
  name: 'G.729A',
  ie: 11,
  bpl: 19.0,
  // Two 10 ms G.729 frames per packet (20 ms ptime), plus the codec's 5 ms look-ahead (ITU-T G.729).
  frameMs: 20,
  lookaheadMs: 5,
  source: `${G113}: Ie 11, Bpl 19.0 (G.729A + VAD, 20 ms packets). Look-ahead 5 ms from ITU-T G.729.`,
  assumption: false,
};

export const OPUS: CodecProfile = {
  name: 'Opus',
  // NOT FROM G.113 — ASSUMPTION. Opus is not listed in G.113. We rate it on the narrowband scale
  // with Ie 0 (no credit for wideband audio, which G.107.1 would give) and Bpl 20, deliberately
  // below G.711+PLC's 25.1 so that neither Opus's PLC nor its optional in-band FEC is credited.
  // Under loss this rates Opus slightly worse than G.711 with PLC: conservative by design.
  ie: 0,
  bpl: 20,
  frameMs: 20,
  // RFC 6716 §2: 26.5 ms default algorithmic delay at 20 ms frames, i.e. 6.5 ms beyond the frame.
  lookaheadMs: 6.5,
  source:
    'Not from G.113, assumption: Ie 0 and Bpl 20 are conservative planning values chosen by siteready (narrowband scale, no credit for wideband audio, PLC or in-band FEC). Look-ahead 6.5 ms from RFC 6716.',
  assumption: true,
};

/** Codec profiles by name. Ie/Bpl from ITU-T G.113 Appendix I except where `assumption` is true. */
export const CODECS: Record<string, CodecProfile> = {
  [G711.name]: G711,
  [G729A.name]: G729A,
  [OPUS.name]: OPUS,
};

/** Ro − Is at G.107 defaults with the zero-delay listener-echo residual folded in (see above). */
export const R_BASE = 93.2;
/** Advantage factor A (§7.6): 0 for wired enterprise access; never raised to hide impairment. */
export const ADVANTAGE = 0;
/** Assumed de-jitter buffer depth as a multiple of the measured jitter. */
export const JITTER_BUFFER_FACTOR = 2;

// Table 3 defaults used by Idte/Idle.
const TELR = 65; // talker echo loudness rating, dB
const WEPL = 110; // weighted echo path loss, dB
// With Table 3 defaults the noise sum (eqs 7-3..7-7) gives No ≈ −61.18 dBm0p, so
// Ro = 15 − 1.5·(SLR + No) ≈ 94.77 (eq. 7-2) and Roe = −1.5·(No − RLR) ≈ 94.77 (eq. 7-20):
// the two coincide at SLR 8 / RLR 2.
const RO_DEFAULT = 94.77;
const ROE_DEFAULT = 94.77;
// Default delay-sensitivity class (G.107 06/2015): minimum perceivable delay and sensitivity.
const M_T = 100;
const S_T = 1;

/** Talker-echo impairment Idte (§7.4, eqs 7-19..7-22) at Table 3 defaults, T in ms. */
function idte(t: number): number {
  if (t < 1) return 0; // below 1 ms the echo is perceived as sidetone
  const terv = TELR - 40 * Math.log10((1 + t / 10) / (1 + t / 150)) + 6 * Math.exp(-0.3 * t * t);
  const re = 80 + 2.5 * (terv - 14);
  const d = ROE_DEFAULT - re;
  const value = (d / 2 + Math.sqrt((d * d) / 4 + 100) - 1) * (1 - Math.exp(-t));
  // The raw formula dips marginally below zero (≈ −0.1) for T ≈ 1..3 ms; an impairment is never a gain.
  return Math.max(0, value);
}

/** Listener-echo impairment Idle (§7.4, eqs 7-25/7-26) at Table 3 defaults, Tr in ms. */
function idle(tr: number): number {
  const rle = 10.5 * (WEPL + 7) * Math.pow(tr + 1, -0.25);
  const d = RO_DEFAULT - rle;
  return d / 2 + Math.sqrt((d * d) / 4 + 169);
}

/** Pure-delay impairment Idd (§7.4, eqs 7-27/7-28), default class mT = 100 ms, sT = 1. Ta in ms. */
export function idd(ta: number): number {
  if (!(ta > M_T)) return 0;
  const x = Math.log2(ta / M_T);
  const e = 6 * S_T;
  return 25 * (Math.pow(1 + Math.pow(x, e), 1 / e) - 3 * Math.pow(1 + Math.pow(x / 3, e), 1 / e) + 2);
}

const IDLE_AT_ZERO = idle(0); // ≈ 0.149, already inside R_BASE

/**
 * Delay impairment Id for an absolute delay Ta (ms): Idte(T) + (Idle(Tr) − Idle(0)) + Idd(Ta) with
 * T = Ta and Tr = 2·Ta. Zero at Ta = 0; about 2.1 at 80 ms, 5.1 at 177 ms, 20.5 at 300 ms.
 */
export function delayImpairment(ta: number): number {
  if (!(ta >= 0) || !Number.isFinite(ta)) throw new RangeError(`absolute delay must be a finite number ≥ 0 ms, got ${ta}`);
  return idte(ta) + (idle(2 * ta) - IDLE_AT_ZERO) + idd(ta);
}

/** Effective equipment impairment Ie,eff (§7.5, eq. 7-29). lossPercent in 0..100. */
export function effectiveEquipmentImpairment(codec: CodecProfile, lossPercent: number, burstRatio = 1): number {
  const burstR = Number.isFinite(burstRatio) && burstRatio > 1 ? burstRatio : 1;
  if (lossPercent <= 0) return codec.ie;
  return codec.ie + ((95 - codec.ie) * lossPercent) / (lossPercent / burstR + codec.bpl);
}

export interface RFactorInput {
  /** One-way network delay, ms (half the round trip when only RTT is known). */
  oneWayDelayMs: number;
  /** Interarrival jitter, ms (e.g. the RFC 3550 estimator). */
  jitterMs: number;
  /** Packet loss, percent (0..100). */
  lossPercent: number;
  /** G.107 BurstR: 1 (default) for random loss, > 1 for bursty loss. */
  burstRatio?: number;
  codec: CodecProfile;
}

export interface RFactorResult {
  /** Transmission rating factor. Not clamped: it can fall below 0 on a very bad path. */
  r: number;
  /** Delay impairment Id (delay-dependent part, see the file header). */
  id: number;
  /** The codec's Ie at zero loss. */
  ie: number;
  /** Ie,eff after loss and burstiness. */
  ieEff: number;
  /** Ta: one-way delay + 2 × jitter + codec frame + look-ahead, ms. */
  effectiveDelayMs: number;
}

function requireNonNegative(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
}

/** R = Ro − Is − Id − Ie,eff + A (G.107 §7.1) with the simplifications in the file header. */
export function rFactor(input: RFactorInput): RFactorResult {
  const { oneWayDelayMs, jitterMs, lossPercent, codec } = input;
  requireNonNegative('oneWayDelayMs', oneWayDelayMs);
  requireNonNegative('jitterMs', jitterMs);
  requireNonNegative('lossPercent', lossPercent);
  if (lossPercent > 100) throw new RangeError(`lossPercent must be at most 100, got ${lossPercent}`);
  const burstRatio = input.burstRatio ?? 1;
  if (Number.isNaN(burstRatio)) throw new RangeError('burstRatio must be a number');

  const effectiveDelayMs = oneWayDelayMs + JITTER_BUFFER_FACTOR * jitterMs + codec.frameMs + codec.lookaheadMs;
  const id = delayImpairment(effectiveDelayMs);
  const ieEff = effectiveEquipmentImpairment(codec, lossPercent, burstRatio);
  const r = R_BASE - id - ieEff + ADVANTAGE;
  return { r, id, ie: codec.ie, ieEff, effectiveDelayMs };
}

/**
 * MOS-CQE from R, G.107 Annex B (eq. B-4): 1 for R < 0, 4.5 for R > 100, otherwise
 * 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶. The cubic dips marginally below 1 for
 * 0 < R < ≈ 6.5; the result is floored at 1 so the scale stays 1..4.5.
 */
export function mosFromR(r: number): number {
  if (Number.isNaN(r)) throw new RangeError('R must be a number');
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  return Math.max(1, 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6);
}

export type QualityBand = 'excellent' | 'great' | 'good' | 'fair' | 'degraded';

export interface QualityBandDef {
  band: QualityBand;
  /** Lowest MOS in the band; `inclusive` says whether the bound itself belongs to it. */
  minMos: number;
  inclusive: boolean;
  /** The range as published. */
  published: string;
}

/**
 * Twilio's MOS quality bands, highest first. The published ranges (> 4.2, 4.1–4.2, 3.7–4.0,
 * 3.1–3.6, below) leave gaps (4.0..4.1, 3.6..3.7); each band here extends down to the next
 * band's top, so a value in a gap takes the lower band: 4.2 → great, 4.05 → good, 3.65 → fair,
 * 3.09 → degraded.
 */
export const QUALITY_BANDS: { source: string; bands: readonly QualityBandDef[] } = {
  source:
    'Twilio Voice Insights MOS bands: excellent > 4.2, great 4.1–4.2, good 3.7–4.0, fair 3.1–3.6, degraded below. Values between published bands take the lower band.',
  bands: [
    { band: 'excellent', minMos: 4.2, inclusive: false, published: '> 4.2' },
    { band: 'great', minMos: 4.1, inclusive: true, published: '4.1–4.2' },
    { band: 'good', minMos: 3.7, inclusive: true, published: '3.7–4.0' },
    { band: 'fair', minMos: 3.1, inclusive: true, published: '3.1–3.6' },
    { band: 'degraded', minMos: -Infinity, inclusive: true, published: '< 3.1' },
  ],
};

/** The Twilio band a MOS falls in: > 4.2 excellent, ≥ 4.1 great, ≥ 3.7 good, ≥ 3.1 fair, else degraded. */
export function qualityBand(mos: number): QualityBand {
  if (Number.isNaN(mos)) throw new RangeError('MOS must be a number');
  for (const b of QUALITY_BANDS.bands) {
    if (b.inclusive ? mos >= b.minMos : mos > b.minMos) return b.band;
  }
  return 'degraded';
}
