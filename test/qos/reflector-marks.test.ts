// The reflector's QoS support on loopback: it reads the mark and TTL each probe arrived with,
// echoes them in the reply and tallies them per stream, marks the reply with the class the probe
// asks for (DSCP bits only), and says so in its session answer. A reflector without marks says
// `qos: false`, replies unmarked, and the check reports "unsupported" rather than guessing. And the
// report contract of `siteready run qos` on loopback, where every mark is preserved.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, runCli } from '../helpers/cli.js';
import { closeSession, openSession, udpStats, type ProbeEndpoint, type ProbeSession } from '../../src/probe/client.js';
import {
  UDP_FLAG_MARK_REPLY,
  UDP_FLAG_MARKS_READ,
  UDP_FLAG_REPLY_MARKED,
  UDP_TYPE_PROBE,
  UDP_TYPE_REPLY,
  encodeProbe,
  nowUs,
  peekProbe,
  verifyProbeMac,
  type UdpProbe,
} from '../../src/probe/protocol.js';
import { startReflector, type RunningReflector } from '../../src/probe/server.js';
import { dscpSupport, type MarkedDatagram } from '../../src/net/dscp.js';

const support = dscpSupport();
const available = requireTool(support.available, 'the DSCP module (build it with `npm run install`)');
const TOKEN = `qos-reflector-${process.pid}-0123456789abcdef`;

function probe(s: ProbeSession, seq: number, extra: Partial<UdpProbe> = {}): UdpProbe {
  return {
    type: UDP_TYPE_PROBE,
    flags: 0,
    tos: 0,
    ttl: 0,
    session: s.id,
    stream: 1,
    seq,
    clientSendUs: nowUs(),
    serverRecvUs: 0n,
    serverSendUs: 0n,
    serverReceived: 0,
    ...extra,
  };
}

/** Sends probes with marks and collects the replies with the marks they arrived with. */
async function exchange(r: RunningReflector, s: ProbeSession, sends: Array<{ p: UdpProbe; tos: number }>): Promise<MarkedDatagram[]> {
  if (!support.available) throw new Error('unavailable');
  const got: MarkedDatagram[] = [];
  const sock = support.openUdp(4, (batch) => got.push(...batch));
  sock.bind('127.0.0.1', 0);
  try {
    for (const { p, tos } of sends) sock.send(encodeProbe(s.key, p, 100), '127.0.0.1', r.udpPort, tos);
    const end = Date.now() + 2000;
    while (got.length < sends.length && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
    return got;
  } finally {
    sock.close();
  }
}

describe.skipIf(!available)('reflector with DSCP marks (loopback)', () => {
  let reflector: RunningReflector;
  let endpoint: ProbeEndpoint;
  let session: ProbeSession;

  beforeAll(async () => {
    reflector = await startReflector({ host: '127.0.0.1', port: 0, token: TOKEN });
    endpoint = { address: '127.0.0.1', port: reflector.port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
    session = await openSession(endpoint, { timeoutMs: 3000 });
  });
  afterAll(async () => {
    await closeSession(endpoint, session);
    await reflector.close();
  });

  it('the session answer says marks are supported, with the TTL its packets leave with', () => {
    expect(reflector.qos).toBe(true);
    expect(session.qos).toEqual({ ttl: 64, hopLimit: expect.any(Number) });
  });

  it('echoes the TOS and TTL a probe arrived with, and marks the reply as asked (DSCP bits only)', async () => {
    const replies = await exchange(reflector, session, [
      { p: probe(session, 0, { flags: UDP_FLAG_MARK_REPLY, replyTos: 0x88, probeTos: 0xb8 }), tos: 0xb8 },
      { p: probe(session, 1, { flags: UDP_FLAG_MARK_REPLY, replyTos: 0xb9 }), tos: 0x48 },
      // Not asked: the reply leaves unmarked. Reflector-only flags from a client are cleared.
      { p: probe(session, 2, { flags: 0xc0 }), tos: 0x28 },
    ]);
    expect(replies).toHaveLength(3);
    const bySeq = new Map(replies.map((d) => [peekProbe(d.data)!.seq, d]));
    const h = (seq: number) => peekProbe(bySeq.get(seq)!.data)!;
    for (const d of replies) expect(verifyProbeMac(session.key, d.data)).toBe(true);
    expect(h(0)).toMatchObject({
      type: UDP_TYPE_REPLY,
      tos: 0xb8,
      ttl: 64,
      replyTos: 0x88,
      probeTos: 0xb8,
      flags: UDP_FLAG_MARK_REPLY | UDP_FLAG_MARKS_READ | UDP_FLAG_REPLY_MARKED,
    });
    expect(bySeq.get(0)!.tos).toBe(0x88);
    expect(h(1).tos).toBe(0x48);
    expect(bySeq.get(1)!.tos).toBe(0xb8);
    expect(h(2)).toMatchObject({ tos: 0x28, flags: UDP_FLAG_MARKS_READ });
    expect(bySeq.get(2)!.tos).toBe(0);
    // The per-stream tally counts every probe by the TOS it arrived with.
    const stats = (await udpStats(endpoint, session, { timeoutMs: 3000 })).streams['1']!;
    expect(stats.tos).toEqual({ 184: 1, 72: 1, 40: 1 });
    expect(stats.ttl).toEqual({ min: 64, max: 64 });
  });
});

describe.skipIf(!available)('reflector without marks (qos: false)', () => {
  let reflector: RunningReflector;
  let endpoint: ProbeEndpoint;

  beforeAll(async () => {
    reflector = await startReflector({ host: '127.0.0.1', port: 0, token: TOKEN, qos: false });
    endpoint = { address: '127.0.0.1', port: reflector.port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
  });
  afterAll(() => reflector.close());

  it('says so in the session answer, still answers probes, and neither reads nor sets marks', async () => {
    const session = await openSession(endpoint, { timeoutMs: 3000 });
    try {
      expect(reflector.qos).toBe(false);
      expect(session.qos).toBe(false);
      expect(session.qosReason).toBe('turned-off');
      const [d] = await exchange(reflector, session, [{ p: probe(session, 0, { flags: UDP_FLAG_MARK_REPLY, replyTos: 0xb8 }), tos: 0xb8 }]);
      expect(d!.tos).toBe(0);
      expect(peekProbe(d!.data)).toMatchObject({ tos: 0, ttl: 0, flags: UDP_FLAG_MARK_REPLY });
      expect((await udpStats(endpoint, session, { timeoutMs: 3000 })).streams['1']!.tos).toBeUndefined();
    } finally {
      await closeSession(endpoint, session);
    }
  });

  it('`siteready run qos` against it: every class unsupported both ways, status error, the reason and the fix', async () => {
    const r = await runCli(['run', 'qos', `127.0.0.1:${reflector.port}`, '--json', '--quiet'], { env: { SITEREADY_TOKEN: TOKEN } });
    expect(r.code, r.stderr).toBe(0);
    const result = (
      JSON.parse(r.stdout) as {
        results: Array<{
          check: string;
          status: string;
          findings: Array<{ id: string; message: string; remediation: string }>;
          facts: any;
        }>;
      }
    ).results.find((x) => x.check === 'qos')!;
    expect(result.status).toBe('error');
    expect(result.facts.unsupported).toEqual({ side: 'reflector', reason: 'turned-off' });
    expect(result.facts.classes.map((c: any) => [c.name, c.forward.outcome, c.return.outcome])).toEqual([
      ['ef', 'unsupported', 'unsupported'],
      ['af41', 'unsupported', 'unsupported'],
      ['af21', 'unsupported', 'unsupported'],
      ['cs0', 'unsupported', 'unsupported'],
    ]);
    expect(result.findings[0]!.id).toBe('qos.unsupported');
  }, 30_000);
});

describe.skipIf(!available)('`siteready run qos` on loopback', () => {
  let reflector: RunningReflector;
  beforeAll(async () => {
    reflector = await startReflector({ host: '127.0.0.1', port: 0, token: TOKEN });
  });
  afterAll(() => reflector.close());

  it('--classes ef,af41,af21,cs0: every class preserved both ways, the report contract', async () => {
    const r = await runCli(
      ['run', 'qos', `127.0.0.1:${reflector.port}`, '--classes', 'ef,af41,af21,cs0', '--duration', '1', '--json', '--quiet'],
      { env: { SITEREADY_TOKEN: TOKEN } },
    );
    expect(r.code, r.stderr).toBe(0);
    const result = (JSON.parse(r.stdout) as { results: Array<{ check: string; target: string; status: string; facts: any }> }).results.find(
      (x) => x.check === 'qos',
    )!;
    expect(result.status).toBe('pass');
    expect(result.target).toBe('reflector/marks');
    const classes = result.facts.classes as Array<{ name: string; dscpSent: number; forward: any; return: any }>;
    expect(classes.map((c) => [c.name, c.dscpSent])).toEqual([
      ['ef', 46],
      ['af41', 34],
      ['af21', 18],
      ['cs0', 0],
    ]);
    for (const c of classes) {
      for (const way of [c.forward, c.return]) {
        expect(way.outcome).toBe('preserved');
        expect(way.dscpSeen).toEqual([c.dscpSent]);
        expect(way.packets).toBe(100);
      }
    }
    expect(result.facts.hops).toEqual({ forward: 0, return: 0 });
  }, 30_000);

  it('--classes with a name that is not DSCP: exit 2 with the names', async () => {
    const r = await runCli(['run', 'qos', `127.0.0.1:${reflector.port}`, '--classes', 'ef,gold'], { env: { SITEREADY_TOKEN: TOKEN } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"gold" is neither a DSCP name nor a number/);
  });
});
