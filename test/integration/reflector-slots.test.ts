// The reflector's schedule on the wire (docs/probe-protocol.md, "Test slots"): a session loads the
// path only in its turn; others are told their place and an estimate; giving the slot back serves
// the next at once; latency-style streams (echo) never wait.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathError } from '../../src/net/classify.js';
import {
  acquireSlot,
  closeSession,
  openSession,
  openTcpStream,
  probeRequest,
  releaseSlot,
  type ProbeEndpoint,
  type ProbeSession,
} from '../../src/probe/client.js';
import { startReflector, type RunningReflector } from '../../src/probe/server.js';

const TOKEN = `slots-test-${process.pid}-0123456789abcdef`;
let reflector: RunningReflector;
let ep: ProbeEndpoint;
const sessions: ProbeSession[] = [];

beforeAll(async () => {
  reflector = await startReflector({ host: '127.0.0.1', port: 0, token: TOKEN, dscp: false });
  ep = { address: '127.0.0.1', port: reflector.port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 2000 };
});

afterAll(async () => {
  for (const s of sessions) await closeSession(ep, s);
  await reflector?.close();
});

async function session(): Promise<ProbeSession> {
  const s = await openSession(ep, { timeoutMs: 3000 });
  sessions.push(s);
  return s;
}

describe('reflector test slots', () => {
  it('refuses a download or upload from a session without the slot (409), but not an echo stream', async () => {
    const a = await session();
    const err = await openTcpStream(ep, a, 'download', 1000, { timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathError);
    expect((err as PathError).code).toBe('HTTP_409');
    const echo = await openTcpStream(ep, a, 'echo', 1000, { timeoutMs: 3000 });
    echo.destroy();
  });

  it('serves one session at a time, in order: the others learn their place, the estimate, and get the slot when it is given back', async () => {
    const [a, b, c] = [await session(), await session(), await session()];
    const first = await acquireSlot(ep, a, { leaseMs: 10_000, deadline: Date.now() + 5000 });
    expect(first).toMatchObject({ position: 0 });
    const queued = await probeRequest<{ granted: boolean; position: number; estimatedWaitMs: number }>(
      ep,
      'POST',
      `/v1/session/${b.id}/slot`,
      {
        timeoutMs: 3000,
        headers: { 'x-sr-duration-ms': '4000' },
      },
    );
    expect(queued).toMatchObject({ granted: false, position: 1 });
    expect(queued.estimatedWaitMs).toBeGreaterThan(8000);
    expect(queued.estimatedWaitMs).toBeLessThanOrEqual(10_000);
    const third = probeRequest<{ position: number }>(ep, 'POST', `/v1/session/${c.id}/slot`, {
      timeoutMs: 3000,
      headers: { 'x-sr-duration-ms': '4000' },
    });
    expect(await third).toMatchObject({ granted: false, position: 2 });
    expect(reflector.stats()).toMatchObject({ testsRunning: 1, testsWaiting: 2 });

    // b waits (the reflector holds its request) and is served as soon as a gives the slot back.
    const waiting = acquireSlot(ep, b, { leaseMs: 4000, deadline: Date.now() + 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    await releaseSlot(ep, a);
    const second = await waiting;
    expect(second.position).toBe(1);
    expect(second.waitedMs).toBeGreaterThanOrEqual(250);
    expect(second.waitedMs).toBeLessThan(3000);
    const down = await openTcpStream(ep, b, 'download', 300, { timeoutMs: 3000 });
    down.destroy();

    // c gives up at its deadline and says so.
    const busy = await acquireSlot(ep, c, { leaseMs: 4000, deadline: Date.now() + 1200 }).catch((e: unknown) => e);
    expect((busy as PathError).code).toBe('PROBE_REFLECTOR_BUSY');
    expect((busy as PathError).message).toMatch(/position 1 when asked/);
    await releaseSlot(ep, b);
  });

  it('a closed session leaves the queue and gives its slot back', async () => {
    const [a, b] = [await session(), await session()];
    await acquireSlot(ep, a, { leaseMs: 30_000, deadline: Date.now() + 3000 });
    await closeSession(ep, a);
    expect(await acquireSlot(ep, b, { leaseMs: 1000, deadline: Date.now() + 3000 })).toMatchObject({ position: 0 });
    await releaseSlot(ep, b);
  });
});
