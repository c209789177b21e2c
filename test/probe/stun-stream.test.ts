// The STUN stream measurer: its statistics on recorded fixtures, then the stream itself against
// small in-process UDP servers on loopback — a well-behaved one, a hostile one (garbage, huge
// datagrams, foreign transaction ids, bad FINGERPRINTs, error responses, duplicates, floods), a
// silent one and a closed port — and under an abort and a deadline.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { PathError } from '../../src/net/classify.js';
import { Method, attr, decodeMessage, encodeMessage, newTransactionId } from '../../src/net/stun.js';
import { emptyJunk, junkTotal, runStunStream, summariseStunStream, type StunStreamRecord } from '../../src/probe/stun-stream.js';

/** A recorded stream at `pps` with `n` requests, all answered in `rtt` ms unless told otherwise. */
function record(n: number, pps: number, over: Partial<StunStreamRecord> & { rtt?: (i: number) => number } = {}): StunStreamRecord {
  const sendMs = Array.from({ length: n }, (_, i) => (i * 1000) / pps);
  const rttMs = Array.from({ length: n }, (_, i) => (over.rtt ? over.rtt(i) : 20));
  const arrivals = rttMs.flatMap((v, i) => (Number.isNaN(v) ? [] : [i]));
  return { pps, sent: n, sendMs, rttMs, arrivals, duplicates: 0, junk: emptyJunk(), blocked: false, ...over };
}

describe('summariseStunStream', () => {
  it('a clean stream: no loss, no jitter, percentiles of the round trips', () => {
    const r = summariseStunStream(record(750, 50, { rtt: (i) => 20 + (i % 10) }));
    expect(r).toMatchObject({ sent: 750, replies: 750, lossPercent: 0, worstLoss15sPercent: 0, worstBurst200msPercent: 0 });
    expect(r.rttMs).toMatchObject({ min: 20, p50: 24, max: 29 });
    expect(r.reorderPercent).toBe(0);
    expect(r.burstRatio).toBe(1);
    expect(r.series.length).toBeLessThanOrEqual(300);
    expect(r.series[0]).toEqual([0, 20]);
  });

  it('constant round trips have no jitter; alternating ones converge on the step (RFC 3550 §6.4.1)', () => {
    expect(summariseStunStream(record(100, 50)).rttJitterMs).toBe(0);
    const r = summariseStunStream(record(200, 50, { rtt: (i) => (i % 2 ? 22 : 20) }));
    // J after k differences of 2 ms each, from J = 0: 2 · (1 − (15/16)^k).
    expect(r.rttJitterMs).toBeCloseTo(2 * (1 - (15 / 16) ** 199), 3);
    // One response: no difference to take.
    expect(summariseStunStream(record(1, 50)).rttJitterMs).toBeNull();
  });

  it('a burst of 10 lost in 1000 at 50/s: 1 % overall, 100 % of the worst 200 ms, 10/750 of the worst 15 s', () => {
    const r = summariseStunStream(record(1000, 50, { rtt: (i) => (i >= 500 && i < 510 ? NaN : 20) }));
    expect(r.replies).toBe(990);
    expect(r.lossPercent).toBe(1);
    expect(r.worstBurst200msPercent).toBe(100);
    expect(r.worstLoss15sPercent).toBeCloseTo((100 * 10) / 750, 3);
    expect(r.burstRatio).toBeGreaterThan(5);
  });

  it('scattered loss in a stream shorter than 15 s: the window is the whole stream', () => {
    const r = summariseStunStream(record(200, 50, { rtt: (i) => (i % 20 === 0 ? NaN : 20) }));
    expect(r.lossPercent).toBe(5);
    expect(r.worstLoss15sPercent).toBe(5);
    expect(r.worstBurst200msPercent).toBe(10);
  });

  it('reordering counts responses that arrive after a later one; duplicates and junk are carried', () => {
    const arrivals = [0, 2, 1, 3, 5, 4, 6, 7, 8, 9];
    const junk = { ...emptyJunk(), notStun: 3, foreignTransactions: 2 };
    const r = summariseStunStream(record(10, 50, { arrivals, duplicates: 4, junk }));
    expect(r.reorderPercent).toBe(20);
    expect(r.duplicates).toBe(4);
    expect(r.junk).toEqual(junk);
    expect(junkTotal(r.junk)).toBe(5);
  });

  it('nothing came back: no percentiles, 100 % loss, blocked as recorded', () => {
    const r = summariseStunStream(record(100, 50, { rtt: () => NaN, blocked: true }));
    expect(r).toMatchObject({ replies: 0, rttMs: null, rttJitterMs: null, lossPercent: 100, worstBurst200msPercent: 100, blocked: true });
  });
});

// ---------------------------------------------------------------------------------------------
// Against servers on loopback

type Behaviour = (req: Buffer, from: RemoteInfo, reply: (b: Buffer) => void) => void;

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function server(behaviour: Behaviour): Promise<number> {
  const s = createSocket('udp4');
  sockets.push(s);
  s.on('error', () => undefined);
  s.on('message', (msg, from) => behaviour(msg, from, (b) => s.send(b, from.port, from.address)));
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  return s.address().port;
}

function success(req: Buffer, from: RemoteInfo, fingerprint = true): Buffer {
  const m = decodeMessage(req);
  return encodeMessage(
    {
      method: Method.Binding,
      cls: 'success',
      transactionId: m.transactionId,
      attributes: [attr.xorMappedAddress({ family: 4, address: from.address, port: from.port })],
    },
    { fingerprint },
  );
}

const honest: Behaviour = (req, from, reply) => reply(success(req, from));

describe('runStunStream', () => {
  it('against an honest server: every request answered, in order, no junk', async () => {
    const port = await server(honest);
    const r = await runStunStream({ address: '127.0.0.1', port, pps: 100, durationMs: 1000, drainMs: 200 });
    expect(r.sent).toBe(100);
    expect(r.replies).toBe(100);
    expect(r.lossPercent).toBe(0);
    expect(r.duplicates).toBe(0);
    expect(junkTotal(r.junk)).toBe(0);
    expect(r.rttMs!.p50).toBeLessThan(50);
    expect(r.rttJitterMs).not.toBeNull();
  });

  it('each request carries its own transaction id, the magic cookie and a FINGERPRINT', async () => {
    const ids = new Set<string>();
    const port = await server((req, from, reply) => {
      const m = decodeMessage(req);
      expect(m.cls).toBe('request');
      expect(m.fingerprint).toBe('valid');
      ids.add(m.transactionId.toString('hex'));
      reply(success(req, from));
    });
    const r = await runStunStream({ address: '127.0.0.1', port, pps: 50, durationMs: 1000, drainMs: 200 });
    expect(ids.size).toBe(r.sent);
  });

  it('a hostile server: garbage, huge datagrams, foreign ids, bad FINGERPRINTs, errors, requests and duplicates are counted, never taken', async () => {
    const port = await server((req, from, reply) => {
      const ok = success(req, from);
      const m = decodeMessage(req);
      reply(Buffer.from('not stun at all, just bytes'));
      reply(Buffer.alloc(60_000, 0x41));
      reply(success(encodeMessage({ method: Method.Binding, cls: 'request', transactionId: newTransactionId() }), from));
      const damaged = Buffer.from(ok);
      damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 0xff;
      reply(damaged);
      reply(encodeMessage({ method: Method.Binding, cls: 'error', transactionId: m.transactionId, attributes: [attr.errorCode(400)] }));
      reply(encodeMessage({ method: Method.Binding, cls: 'request', transactionId: m.transactionId }));
      reply(encodeMessage({ method: Method.Allocate, cls: 'success', transactionId: m.transactionId }));
      reply(ok);
      reply(ok);
    });
    const r = await runStunStream({ address: '127.0.0.1', port, pps: 50, durationMs: 1000, drainMs: 300 });
    expect(r.sent).toBe(50);
    expect(r.replies).toBe(50);
    expect(r.duplicates).toBe(50);
    expect(r.junk).toEqual({
      oversize: 50,
      notStun: 50,
      badFingerprint: 50,
      otherMessages: 100,
      foreignTransactions: 50,
      errorResponses: 50,
    });
    expect(r.lossPercent).toBe(0);
  });

  it('a flood of junk does not stop the stream ending on schedule', async () => {
    const garbage = Buffer.alloc(1400, 0x00);
    const port = await server((req, from, reply) => {
      for (let i = 0; i < 200; i++) reply(garbage);
      reply(success(req, from));
    });
    const t0 = Date.now();
    const r = await runStunStream({ address: '127.0.0.1', port, pps: 50, durationMs: 1000, drainMs: 300, deadlineMs: 10_000 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.sent).toBe(50);
    expect(r.replies).toBeGreaterThan(40);
    expect(r.junk.notStun).toBeGreaterThan(1000);
  });

  it('a server that only ever answers with junk: not blocked, no replies, stopped early', async () => {
    const port = await server((_req, _from, reply) => reply(Buffer.from('nope')));
    const r = await runStunStream({ address: '127.0.0.1', port, pps: 50, durationMs: 5000, firstReplyTimeoutMs: 300 });
    expect(r.blocked).toBe(false);
    expect(r.replies).toBe(0);
    expect(r.sent).toBeLessThan(250);
    expect(r.junk.notStun).toBeGreaterThan(0);
  });

  it('silence: blocked after the first-reply timeout', async () => {
    const port = await server(() => undefined);
    const t0 = Date.now();
    const r = await runStunStream({ address: '127.0.0.1', port, pps: 50, durationMs: 5000, firstReplyTimeoutMs: 300 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r).toMatchObject({ blocked: true, replies: 0, rttMs: null });
  });

  it('a closed port (ICMP port unreachable) is refused', async () => {
    const port = await server(() => undefined);
    sockets.pop()!.close();
    const err = await runStunStream({ address: '127.0.0.1', port, pps: 50, durationMs: 2000, firstReplyTimeoutMs: 500 }).catch((e) => e);
    expect(err).toBeInstanceOf(PathError);
    expect((err as PathError).classification).toBe('refused');
  });

  it('an abort ends the stream at once with the reason', async () => {
    const port = await server(honest);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop here')), 200);
    const t0 = Date.now();
    await expect(runStunStream({ address: '127.0.0.1', port, pps: 50, durationMs: 10_000, signal: ac.signal })).rejects.toThrow(
      'stop here',
    );
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('the deadline ends a stream that would run past it', async () => {
    const port = await server(honest);
    const err = await runStunStream({ address: '127.0.0.1', port, pps: 50, durationMs: 10_000, deadlineMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(PathError);
    expect((err as PathError).classification).toBe('timeout');
  });
});
