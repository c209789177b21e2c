// Is priority honoured? While the link is saturated with best-effort traffic, a marked stream and
// the unmarked control cross the same queue. If the queue serves marks, the marked stream keeps
// its idle round trip and loses nothing while the control waits and drops; if it does not, both
// suffer alike. Pure: the numbers come from the marked streams.

import { round } from '../util/number.js';

export type PriorityVerdict = 'honoured' | 'not-honoured' | 'inconclusive';

export interface StreamUnderLoad {
  /** Median round trip while idle and while loaded; null when no reply came back. */
  idleRttP50: number | null;
  loadedRttP50: number | null;
  /** Round-trip loss while loaded, percent. */
  lossPercent: number;
}

export interface PriorityJudgement {
  verdict: PriorityVerdict;
  /** Median round-trip increase over idle, ms (null when it cannot be computed). */
  markedDelayMs: number | null;
  controlDelayMs: number | null;
  markedLossPercent: number;
  controlLossPercent: number;
}

/** A queue of at least this much (ms over idle), or this much loss (points), is congestion. */
export const CONGESTION_DELAY_MS = 10;
export const CONGESTION_LOSS_POINTS = 1;
/** Honoured: the marked stream suffers at most this share of what the control suffers. */
export const HONOURED_SHARE = 0.5;

function delay(s: StreamUnderLoad, idleFallback: number | null): number | null {
  const idle = s.idleRttP50 ?? idleFallback;
  if (idle === null) return null;
  // Nothing came back while loaded: the queue was at least as long as the whole measurement.
  if (s.loadedRttP50 === null) return Number.POSITIVE_INFINITY;
  return Math.max(0, round(s.loadedRttP50 - idle));
}

export function judgePriority(marked: StreamUnderLoad, control: StreamUnderLoad): PriorityJudgement {
  const controlDelay = delay(control, marked.idleRttP50);
  const markedDelay = delay(marked, control.idleRttP50);
  const base = {
    markedDelayMs: markedDelay === null || Number.isFinite(markedDelay) ? markedDelay : null,
    controlDelayMs: controlDelay === null || Number.isFinite(controlDelay) ? controlDelay : null,
    markedLossPercent: marked.lossPercent,
    controlLossPercent: control.lossPercent,
  };
  const queued = controlDelay !== null && controlDelay >= CONGESTION_DELAY_MS;
  const dropped = control.lossPercent >= CONGESTION_LOSS_POINTS;
  if (!queued && !dropped) return { verdict: 'inconclusive', ...base };
  // Judged on what the load did to the control: queueing, dropping, or both.
  const delayHonoured =
    !queued ||
    (markedDelay !== null &&
      (Number.isFinite(controlDelay) ? markedDelay <= HONOURED_SHARE * controlDelay! : Number.isFinite(markedDelay)));
  const lossHonoured = !dropped || marked.lossPercent <= HONOURED_SHARE * control.lossPercent;
  return { verdict: delayHonoured && lossHonoured ? 'honoured' : 'not-honoured', ...base };
}
