// The bufferbloat load's ramp: which steps fit the options, and when one more step changes nothing.

import { describe, expect, it } from 'vitest';
import { steady, type LoadStep } from './index.js';
import { stepPlan } from './plan.js';

const step = (streams: number, p50: number | null, mbps: number): LoadStep => ({
  streams,
  mbps,
  probeMs: 1075,
  sent: 54,
  replies: p50 === null ? 0 : 54,
  rttMs: p50 === null ? null : { min: p50, p50, p95: p50, p99: p50, max: p50, mean: p50 },
});

describe('stepPlan', () => {
  it('defaults: 4, 8, 16 and 32 streams, 2.5 s each, 10 s at most per direction', () => {
    expect(stepPlan({ stepMs: 2500, loadMs: 10000, streams: 4, maxStreams: 32 })).toEqual({
      stepMs: 2500,
      steps: 4,
      counts: [4, 8, 16, 32],
    });
  });
  it('loadMs caps the steps', () => {
    expect(stepPlan({ stepMs: 2500, loadMs: 6000, streams: 4, maxStreams: 32 }).counts).toEqual([4, 8]);
  });
  it('maxStreams caps the streams, the last step at maxStreams itself', () => {
    expect(stepPlan({ stepMs: 2500, loadMs: 60000, streams: 3, maxStreams: 20 }).counts).toEqual([3, 6, 12, 20]);
  });
  it('maxStreams = streams is a fixed load: the old test (4 streams for 10 s)', () => {
    expect(stepPlan({ stepMs: 10000, loadMs: 10000, streams: 4, maxStreams: 4 })).toEqual({ stepMs: 10000, steps: 1, counts: [4] });
  });
  it('a loadMs shorter than a step is one step that long', () => {
    expect(stepPlan({ stepMs: 2500, loadMs: 1000, streams: 2, maxStreams: 32 })).toEqual({ stepMs: 1000, steps: 1, counts: [2] });
  });
  it('streams above maxStreams: one step at streams', () => {
    expect(stepPlan({ stepMs: 2500, loadMs: 10000, streams: 16, maxStreams: 8 }).counts).toEqual([16]);
  });
});

describe('steady: one more step moved neither the round trip nor the goodput', () => {
  it('a short buffer: the queue is full at 4 streams already', () => {
    expect(steady(step(4, 28.6, 19.07), step(8, 29.7, 20.03))).toBe(true);
  });
  it('a deep buffer that BBR keeps half empty: the link is saturated, but the round trip still grows', () => {
    expect(steady(step(4, 201, 18.9), step(8, 298, 19.1))).toBe(false);
  });
  it('a full deep buffer: within 10 % of the step before', () => {
    expect(steady(step(16, 512, 18.8), step(32, 516, 15.9))).toBe(true);
  });
  it('a round trip that fell a lot is no plateau: the queue was caught filling or draining', () => {
    expect(steady(step(4, 353, 19.1), step(8, 19.4, 19.1))).toBe(false);
  });
  it('goodput that still grows: the link is not saturated yet', () => {
    expect(steady(step(4, 20, 400), step(8, 21, 700))).toBe(false);
  });
  it('a step without replies is never steady', () => {
    expect(steady(step(4, 20, 19), step(8, null, 19))).toBe(false);
  });
});
