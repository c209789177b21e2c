// The scan across a WAN: the split search (parallel halves after every pick) must find exactly
// what greedy removal finds, in the server's order, in about log2(chunk) rounds; a server that
// serves one connection at a time must be told apart and get its hellos with our FIN.

import { describe, expect, it } from 'vitest';
import { splitSearch } from '../../src/tls/enumerate-suites.js';
import { scanTls } from '../../src/tls/enumerate.js';
import { closedAfterEach } from './helpers/scripted-server.js';

const { scripted } = closedAfterEach();

const target = (port: number) => ({ host: 'split.test', port, address: '127.0.0.1' });
const codesAt = (scan: Awaited<ReturnType<typeof scanTls>>, v: string) => scan.accepted.filter((a) => a.version === v).map((a) => a.code);
const hex = (c: number) => `0x${c.toString(16).toUpperCase().padStart(4, '0')}`;

/** A fake server for splitSearch: it takes the first of `order` that is offered. */
function fakeServer(order: number[]) {
  const stats = { asks: 0, maxDepth: 0 };
  const ask = async (set: number[], depth: number) => {
    stats.asks++;
    stats.maxDepth = Math.max(stats.maxDepth, depth);
    await new Promise((r) => setTimeout(r, 1));
    const code = order.find((c) => set.includes(c));
    return code === undefined ? undefined : { code, value: undefined };
  };
  return { ask, stats };
}

describe('splitSearch', () => {
  const candidates = Array.from({ length: 64 }, (_, i) => 0x1000 + i);

  it('finds exactly the accepted candidates, in about log2(n) rounds, for at most 2k + 1 asks', async () => {
    for (const picked of [[], [5], [0, 63], [3, 17, 18, 40, 41, 42, 60], candidates.filter((_, i) => i % 3 === 0)]) {
      const order = picked.map((i) => candidates[i] ?? i).reverse();
      const { ask, stats } = fakeServer(order);
      const found = await splitSearch(candidates, ask);
      expect(found.map((f) => f.code).sort()).toEqual([...order].sort());
      // Every pick leaves two parts; each part is one ask: k picks, at most k + 1 refusals.
      expect(stats.asks).toBeLessThanOrEqual(2 * order.length + 1);
      // A greedy chain needs k + 1 rounds; halving needs at most log2(64) + 1 levels.
      expect(stats.maxDepth).toBeLessThanOrEqual(Math.ceil(Math.log2(candidates.length)));
      expect(Math.max(0, ...found.map((f) => f.depth))).toBeLessThanOrEqual(stats.maxDepth);
    }
  });

  it('a set the server takes nothing from costs one ask', async () => {
    const { ask, stats } = fakeServer([]);
    expect(await splitSearch(candidates, ask)).toEqual([]);
    expect(stats.asks).toBe(1);
  });
});

describe('scanTls with the split search against scripted servers', () => {
  const only12 = { versions: ['TLSv1.2' as const], tlcp: false, groups: false, facts: false, timeoutMs: 5000 };

  it('server preference, few suites: the same set and order as greedy removal (order read pairwise)', async () => {
    const suites = [0xc030, 0x009c, 0xcca8, 0x0035, 0xc013];
    const s = await scripted({ versions: [0x0303], suites, serverPreference: true });
    const greedy = await scanTls(target(s.port), { ...only12, search: 'greedy' });
    const split = await scanTls(target(s.port), { ...only12, search: 'split', preconnect: true });
    expect(split.errors).toEqual([]);
    expect(codesAt(split, 'TLSv1.2')).toEqual(suites.map(hex));
    expect(codesAt(split, 'TLSv1.2')).toEqual(codesAt(greedy, 'TLSv1.2'));
    expect(split.preference).toEqual({ 'TLSv1.2': 'server' });
  });

  it('server preference, many suites: the order by greedy removal over the found set', async () => {
    const suites = [0x0035, 0xc030, 0x009c, 0xcca8, 0x002f, 0xc013, 0x009d, 0xc02f, 0xc014, 0x003c, 0x003d];
    const s = await scripted({ versions: [0x0303], suites, serverPreference: true });
    const split = await scanTls(target(s.port), { ...only12, search: 'split' });
    expect(codesAt(split, 'TLSv1.2')).toEqual(suites.map(hex));
  });

  it('client preference: the accepted set in the order offered, as greedy removal reports it', async () => {
    const suites = [0x009e, 0x0033, 0x002f, 0xc02f];
    const s = await scripted({ versions: [0x0301, 0x0302, 0x0303], suites, serverPreference: false });
    const opts = { timeoutMs: 5000, tlcp: false, versions: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'] as const };
    const greedy = await scanTls(target(s.port), { ...opts, versions: [...opts.versions], search: 'greedy' });
    const split = await scanTls(target(s.port), { ...opts, versions: [...opts.versions], search: 'split', preconnect: true });
    expect(split.errors).toEqual([]);
    expect(split.accepted.map((a) => `${a.version} ${a.code}`)).toEqual(greedy.accepted.map((a) => `${a.version} ${a.code}`));
    expect(split.preference).toEqual(greedy.preference);
    expect(split.facts).toEqual(greedy.facts);
    expect([...split.groups].sort()).toEqual([...greedy.groups].sort());
  });

  it('a version the server refuses outright: chunks still waiting for a connection are not sent', async () => {
    const s = await scripted({ versions: [0x0303], suites: [0xc02f] });
    // One probe at a time makes the queue deterministic (and the preflight single).
    const opts = { timeoutMs: 5000, concurrency: 1, tlcp: false, groups: false, facts: false } as const;
    const refused = await scanTls(target(s.port), { ...opts, versions: ['TLSv1.0'] });
    expect(refused.versions['TLSv1.0']).toBe(false);
    // The preflight, then the first chunk's protocol_version stands for the other five.
    expect(s.hellos).toBe(1 + 1);
    expect(refused.probes).toBe(2);
    const spoken = await scanTls(target(s.port), { ...opts, versions: ['TLSv1.2'] });
    expect(codesAt(spoken, 'TLSv1.2')).toEqual(['0xC02F']);
    expect(spoken.probes).toBe(1 + 1 + Math.ceil(354 / 64));
  });
});

describe('a server that serves one connection at a time', () => {
  it('is told by the preflight; its hellos go out with our FIN and it is searched greedily', async () => {
    const suites = [0xc030, 0x009c, 0xcca8];
    const serial = await scripted({ versions: [0x0303], suites, serverPreference: true, oneAtATime: true, answerDelayMs: 5 });
    const scan = await scanTls(target(serial.port), { timeoutMs: 5000, versions: ['TLSv1.2'], tlcp: false });
    expect(scan.errors).toEqual([]);
    expect(serial.maxServing).toBe(1);
    expect(codesAt(scan, 'TLSv1.2')).toEqual(suites.map(hex));
    // Everything after the two preflights (and the Heartbleed check, which must read after its
    // answer) went out half-closed.
    expect(serial.hellosWithFin).toBeGreaterThanOrEqual(serial.hellos - 3);

    const concurrent = await scripted({ versions: [0x0303], suites, serverPreference: true, answerDelayMs: 5 });
    const normal = await scanTls(target(concurrent.port), { timeoutMs: 5000, versions: ['TLSv1.2'], tlcp: false });
    expect(concurrent.hellosWithFin).toBe(0);
    expect(concurrent.maxServing).toBeGreaterThan(1);
    expect(normal.accepted).toEqual(scan.accepted);
  });
});
