import { describe, expect, it } from 'vitest';
import { QueueFullError, TestQueue } from '../../src/probe/test-queue.js';

/** A clock and timers the test moves by hand. */
function fakeTime() {
  let now = 0;
  const timers = new Set<{ at: number; fn: () => void }>();
  return {
    now: () => now,
    later(ms: number, fn: () => void) {
      const t = { at: now + ms, fn };
      timers.add(t);
      return () => void timers.delete(t);
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const next = [...timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers.delete(next);
        now = next.at;
        next.fn();
      }
      now = end;
    },
  };
}

function queue(concurrent = 1, over: { maxQueued?: number } = {}) {
  const time = fakeTime();
  const grants: Array<[string, number, number]> = [];
  const q = new TestQueue({
    concurrent,
    maxQueued: over.maxQueued ?? 10,
    maxLeaseMs: 60_000,
    abandonAfterMs: 30_000,
    now: time.now,
    later: time.later,
    onGrant: (...g) => grants.push(g),
  });
  return { q, time, grants };
}

describe('TestQueue', () => {
  it('grants the free slot at once and queues the rest in order, with their wait', () => {
    const { q } = queue(1);
    expect(q.request('a', 10_000)).toEqual({ granted: true, leaseMs: 10_000 });
    expect(q.request('b', 20_000)).toEqual({ granted: false, position: 1, estimatedWaitMs: 10_000 });
    expect(q.request('c', 5_000)).toEqual({ granted: false, position: 2, estimatedWaitMs: 30_000 });
    // Asking again keeps the place.
    expect(q.request('b', 20_000)).toMatchObject({ position: 1 });
  });

  it('serves the next in line when the holder gives the slot back, and wakes who waits for it', async () => {
    const { q, time } = queue(1);
    q.request('a', 10_000);
    q.request('b', 10_000);
    const waiting = q.wait('b', 25_000);
    time.advance(3_000);
    q.release('a');
    expect(await waiting).toEqual({ granted: true, leaseMs: 10_000 });
    expect(q.holds('b')).toBe(true);
  });

  it('a lease ends on its own: a client that vanished mid-test does not hold the slot', () => {
    const { q, time, grants } = queue(1);
    q.request('a', 10_000);
    q.request('b', 10_000);
    time.advance(10_000);
    expect(q.holds('a')).toBe(false);
    expect(q.holds('b')).toBe(true);
    // Each grant is logged with how long the session waited and how many still wait.
    expect(grants).toEqual([
      ['a', 0, 0],
      ['b', 10_000, 0],
    ]);
  });

  it('runs as many tests at once as configured, and estimates from the earliest free slot', () => {
    const { q, time } = queue(2);
    expect(q.request('a', 10_000).granted).toBe(true);
    time.advance(4_000);
    expect(q.request('b', 10_000).granted).toBe(true);
    expect(q.request('c', 10_000)).toEqual({ granted: false, position: 1, estimatedWaitMs: 6_000 });
    expect(q.request('d', 10_000)).toEqual({ granted: false, position: 2, estimatedWaitMs: 10_000 });
    expect(q.running).toBe(2);
    expect(q.waiting).toBe(2);
  });

  it('a waiter that stops asking leaves the queue; one that waits keeps its place', async () => {
    const { q, time } = queue(1);
    q.request('a', 60_000);
    q.request('gone', 1_000);
    q.request('patient', 1_000);
    const waiting = q.wait('patient', 40_000);
    time.advance(40_000);
    await waiting;
    expect(q.request('late', 1_000)).toMatchObject({ position: 2 });
    expect(q.state('patient')).toMatchObject({ position: 1 });
  });

  it('refuses a newcomer when the queue is full, and forgets a session that leaves', () => {
    const { q } = queue(1, { maxQueued: 1 });
    q.request('a', 1_000);
    q.request('b', 1_000);
    expect(() => q.request('c', 1_000)).toThrow(QueueFullError);
    q.release('b');
    expect(q.request('c', 1_000)).toMatchObject({ granted: false, position: 1 });
  });

  it('caps a lease at the longest allowed', () => {
    const { q } = queue(1);
    expect(q.request('a', 10 * 60_000)).toEqual({ granted: true, leaseMs: 60_000 });
  });
});
