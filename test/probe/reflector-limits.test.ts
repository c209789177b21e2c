// The reflector's bounds, without I/O: the UDP anti-replay window (every sequence number of the
// 32-bit space, a copy never answered twice), the pool of connections still authenticating (per
// source and in total, oldest closed first, a deadline that bytes do not reset), and what counts
// as one source.

import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../src/probe/protocol.js';
import { PendingConnections, sourceOf } from '../../src/probe/server.js';

/** Sequence numbers whose bit is set in a snapshot. */
function arrived(w: ReplayWindow): number[] {
  const { from, bitmap } = w.snapshot();
  const out: number[] = [];
  for (let i = 0; i < bitmap.length * 8; i++) if (bitmap[i >>> 3]! & (1 << (i & 7))) out.push(from + i);
  return out;
}

/** Checks, and records what is new: the reflector's order. */
function offer(w: ReplayWindow, seq: number): string {
  const v = w.check(seq);
  if (v === 'new') w.record(seq);
  return v;
}

describe('ReplayWindow', () => {
  it('a stream inside the window: new, then duplicate; reordering inside it is fine', () => {
    const w = new ReplayWindow(1024);
    expect([0, 1, 2, 5, 4, 3].map((s) => offer(w, s))).toEqual(['new', 'new', 'new', 'new', 'new', 'new']);
    expect([0, 3, 5].map((s) => offer(w, s))).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(w.top).toBe(5);
    expect(arrived(w)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(w.snapshot()).toMatchObject({ from: 0 });
    expect(w.snapshot().bitmap).toHaveLength(1);
  });

  it('the bitmap of a stream that never leaves the window reads from 0 as before, one bit per sequence number', () => {
    const w = new ReplayWindow(1 << 20);
    for (let s = 0; s < 5000; s += 2) offer(w, s);
    const { from, bitmap } = w.snapshot();
    expect(from).toBe(0);
    expect(bitmap).toHaveLength(Math.ceil(4999 / 8));
    for (let s = 0; s < 4999; s++) expect(((bitmap[s >>> 3]! >> (s & 7)) & 1) === 1, String(s)).toBe(s % 2 === 0);
  });

  it('sequence numbers beyond the window size are answered once, their copies never', () => {
    const w = new ReplayWindow(1 << 20);
    for (const seq of [(1 << 20) + 5, 2 ** 31, 2 ** 32 - 1]) {
      expect(offer(w, seq), String(seq)).toBe('new');
      for (let i = 0; i < 3; i++) expect(offer(w, seq), String(seq)).toBe('duplicate');
    }
  });

  it('anything older than the window is stale, whether it arrived before or not', () => {
    const w = new ReplayWindow(64);
    for (let s = 0; s < 200; s++) offer(w, s);
    // Window: 136..199.
    expect(offer(w, 135)).toBe('stale');
    expect(offer(w, 0)).toBe('stale');
    expect(offer(w, 136)).toBe('duplicate');
    expect(offer(w, 199)).toBe('duplicate');
    expect(offer(w, 200)).toBe('new');
  });

  it('sliding clears the positions it passes: a number not seen inside the new window is new', () => {
    const w = new ReplayWindow(64);
    for (let s = 0; s < 64; s++) offer(w, s);
    // Jump by less than the window: 64..99 are new although their ring positions held 0..35.
    offer(w, 100);
    for (let s = 64; s < 100; s++) expect(offer(w, s), String(s)).toBe('new');
    // Window: 37..100, every one of them seen.
    expect(offer(w, 36)).toBe('stale');
    for (let s = 37; s <= 100; s++) expect(w.check(s), String(s)).toBe('duplicate');
    // Jump by more than the window: everything below it is gone, nothing inside it is set.
    offer(w, 10_000);
    expect(arrived(w)).toEqual([10_000]);
    for (let s = 10_000 - 63; s < 10_000; s++) expect(w.check(s), String(s)).toBe('new');
    expect(w.check(10_000 - 64)).toBe('stale');
  });

  it('jumps of every length up to twice the window leave exactly the right bits (against a set)', () => {
    const size = 96;
    const w = new ReplayWindow(size);
    const seen = new Set<number>();
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let top = -1;
    for (let i = 0; i < 5000; i++) {
      const seq = Math.max(0, top + Math.floor(rnd() * 2 * size) - Math.floor(size * 1.2));
      const expected = seq <= top - size ? 'stale' : seen.has(seq) ? 'duplicate' : 'new';
      expect(offer(w, seq), `step ${i}, seq ${seq}, top ${top}`).toBe(expected);
      if (expected === 'new') seen.add(seq);
      top = Math.max(top, seq);
    }
    const { from } = w.snapshot();
    expect(arrived(w)).toEqual([...seen].filter((s) => s >= from).sort((a, b) => a - b));
  });

  it('snapshot of a stream past the window: from a multiple of 8 inside it, rotated into order, never larger than the window', () => {
    const w = new ReplayWindow(64);
    for (let s = 0; s <= 203; s++) if (s % 3) offer(w, s);
    const { from, bitmap } = w.snapshot();
    expect(from % 8).toBe(0);
    expect(from).toBeGreaterThan(203 - 64);
    expect(bitmap.length).toBeLessThanOrEqual(8);
    expect(arrived(w)).toEqual(Array.from({ length: 204 - from }, (_, i) => from + i).filter((s) => s % 3));
  });

  it('an empty window has an empty bitmap; sizes round up to whole bytes', () => {
    expect(new ReplayWindow(1000).snapshot()).toEqual({ from: 0, bitmap: Buffer.alloc(0) });
    expect(new ReplayWindow(1001).size).toBe(1008);
    expect(new ReplayWindow(0).size).toBe(8);
  });
});

describe('PendingConnections', () => {
  const make = (limits: { max: number; perSource: number; deadlineMs: number }) => {
    const closed: Array<[string, string]> = [];
    const pool = new PendingConnections<string>(limits, (conn, why) => closed.push([conn, why]));
    return { pool, closed };
  };

  it('a source over its limit loses its own oldest connection, nobody else’s', () => {
    const { pool, closed } = make({ max: 100, perSource: 3, deadlineMs: 5000 });
    pool.add('legit', '192.0.2.1', 0);
    for (let i = 0; i < 10; i++) pool.add(`a${i}`, '198.51.100.7', i);
    expect(closed).toEqual(Array.from({ length: 7 }, (_, i) => [`a${i}`, 'source-limit']));
    expect(pool.size).toBe(4);
    expect(pool.sources).toBe(2);
  });

  it('a full pool closes the oldest connection of any source to make room', () => {
    const { pool, closed } = make({ max: 4, perSource: 4, deadlineMs: 5000 });
    ['s1', 's2', 's3', 's4'].forEach((src, i) => pool.add(`c${i}`, src, i));
    pool.add('c4', 's5', 4);
    expect(closed).toEqual([['c0', 'total-limit']]);
    expect(pool.size).toBe(4);
    expect(pool.sources).toBe(4);
  });

  it('the deadline counts from arrival: the oldest past it are closed, the rest kept', () => {
    const { pool, closed } = make({ max: 100, perSource: 100, deadlineMs: 5000 });
    pool.add('early', 'a', 0);
    pool.add('mid', 'b', 3000);
    pool.add('late', 'a', 4999);
    pool.expire(4999);
    expect(closed).toEqual([]);
    pool.expire(5000);
    expect(closed).toEqual([['early', 'deadline']]);
    pool.expire(9999);
    expect(closed).toEqual([
      ['early', 'deadline'],
      ['mid', 'deadline'],
      ['late', 'deadline'],
    ]);
    expect(pool.size).toBe(0);
    expect(pool.sources).toBe(0);
  });

  it('an authenticated (deleted) connection is neither closed at the deadline nor counted', () => {
    const { pool, closed } = make({ max: 2, perSource: 2, deadlineMs: 5000 });
    pool.add('authed', 'a', 0);
    expect(pool.delete('authed')).toBe(true);
    expect(pool.delete('authed')).toBe(false);
    pool.add('x', 'a', 1);
    pool.add('y', 'a', 2);
    pool.expire(4000);
    expect(closed).toEqual([]);
    expect(pool.size).toBe(2);
    pool.expire(10_000);
    expect(closed.map(([c]) => c)).toEqual(['x', 'y']);
  });
});

describe('sourceOf', () => {
  it('IPv4 by address, IPv4-mapped IPv6 as IPv4', () => {
    expect(sourceOf('192.0.2.1')).toBe('192.0.2.1');
    expect(sourceOf('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(sourceOf('::FFFF:192.0.2.1')).toBe('192.0.2.1');
  });

  it('IPv6 by /64, however it is written', () => {
    const a = sourceOf('2001:db8:1:2::1');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(a);
    expect(sourceOf('2001:db8:1:2:0:0:0:1%eth0')).toBe(a);
    expect(sourceOf('2001:db8:1:3::1')).not.toBe(a);
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('fe80::1:2:3:4')).toBe('fe80:0:0:0::/64');
    expect(sourceOf('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('a socket that closed before its address was read is one source, not a crash', () => {
    expect(sourceOf(undefined)).toBe('unknown');
  });
});
