// `siteready serve` facing the internet, under load: one address (127.0.0.2) runs a slowloris, holds
// idle connections and floods new ones for the whole test, and another (127.0.0.3) keeps a
// slowloris just under the per-source limit, so that only the deadline can end it — while a
// legitimate client (127.0.0.1) measures latency and throughput against the same reflector. The
// legitimate results must come out as they do without the attack (within generous bounds: two
// shared cores), no attack connection may outlive the authentication deadline by much, however
// it trickles, and the reflector's memory — read from /proc of the `siteready serve` process —
// stays bounded. The closing numbers are printed.

import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { delay, startProcess, tempDir, type Peer, type TempDir } from '../helpers/peers.js';
import { closeSession, openSession, type ProbeEndpoint } from '../../src/probe/client.js';
import { DEFAULT_LIMITS } from '../../src/probe/server.js';
import { runThroughput } from '../../src/probe/run-throughput.js';
import type { ThroughputResult } from '../../src/probe/throughput.js';
import { runUdpStream, type UdpStreamResult } from '../../src/probe/udp-stream.js';

const TOKEN = `load-test-${process.pid}-0123456789abcdef`;
const FLOODER = '127.0.0.2';
const SLOW = '127.0.0.3';
/**
 * An idle `siteready serve` is ~55–60 MiB (node itself). The attack can add at most its pending
 * connections (64 from one source, each a socket, a parser and ≤ 8 KiB of header); the legitimate
 * client adds a session and its streams' socket buffers. 150 MiB leaves room for both and flags
 * any per-connection growth.
 */
const RSS_BOUND_MIB = 150;
/** How long any attack connection may stay open: the deadline, a sweep, and a loaded machine. */
const LIFETIME_BOUND_MS = DEFAULT_LIMITS.authTimeoutMs + 3000;

/** Whether this host can originate loopback traffic from 127.0.0.2 (Linux routes all of 127/8 to lo). */
async function canConnectFrom(localAddress: string): Promise<boolean> {
  const server = createServer((s) => s.destroy());
  server.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    return await new Promise<boolean>((resolve) => {
      const sock = connect({ host: '127.0.0.1', port, localAddress });
      const timer = setTimeout(() => finish(false), 2000);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        sock.destroy();
        resolve(ok);
      };
      sock.on('error', () => finish(false));
      sock.once('connect', () => finish(sock.localAddress === localAddress));
    });
  } catch {
    return false;
  } finally {
    server.close();
  }
}

const SOURCES = (await canConnectFrom(FLOODER)) && (await canConnectFrom(SLOW));

const PER_SOURCE = DEFAULT_LIMITS.maxPendingPerSource;
const GROUPS: Group[] = [
  // Far more than one source may keep: the flood evicts everything this address has waiting.
  { from: FLOODER, kind: 'slowloris', n: 100, pauseMs: 200 },
  { from: FLOODER, kind: 'idle', n: 100, pauseMs: 200 },
  { from: FLOODER, kind: 'flood-silent', n: 16, pauseMs: 0 },
  { from: FLOODER, kind: 'flood-401', n: 16, pauseMs: 0 },
  // Just under the per-source limit: nothing but the deadline closes these.
  { from: SLOW, kind: 'slowloris', n: PER_SOURCE - 20, pauseMs: 200 },
  { from: SLOW, kind: 'idle', n: 16, pauseMs: 200 },
];

// ---- the attacker: a worker thread, so its event loop is not the legitimate client's --------

interface Group {
  from: string;
  kind: 'slowloris' | 'idle' | 'flood-silent' | 'flood-401';
  /** Connections kept going at once: each one closed is replaced after pauseMs. */
  n: number;
  pauseMs: number;
}

interface GroupReport {
  opened: number;
  connectErrors: number;
  closedByReflector: number;
  /** Lifetimes of the connections the reflector closed, ms; `longest` counts those still open at the end too. */
  shortestMs: number;
  medianMs: number;
  longestMs: number;
  /** Slowloris header lines sent, and the most any one connection sent. */
  lines: number;
  mostLines: number;
}

interface AttackReport {
  seconds: number;
  /** Attack connections open at once, as the attacker saw them (some not yet accepted, some closing). */
  peakOpen: number;
  groups: Record<string, GroupReport>;
}

const ATTACK = String.raw`
const { connect } = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const { port, groups } = workerData;
const t0 = performance.now();
let stopping = false;
let open = 0;
let peakOpen = 0;
const live = new Set();
const stats = {};

function attack(g, done) {
  const key = g.kind + '@' + g.from;
  const st = (stats[key] ??= { opened: 0, connectErrors: 0, closedByReflector: 0, lifetimes: [], longestMs: 0, lines: 0, mostLines: 0 });
  const sock = connect({ host: '127.0.0.1', port, localAddress: g.from });
  const c = { sock, st, at: 0, lines: 0 };
  let tick;
  // The attacker's own bound: a reflector that never closed would show as 15 s here.
  const guard = setTimeout(() => sock.destroy(), 15000);
  sock.on('error', () => undefined);
  sock.once('connect', () => {
    c.at = performance.now();
    st.opened++;
    peakOpen = Math.max(peakOpen, ++open);
    live.add(c);
    if (g.kind === 'slowloris') {
      sock.write('POST /v1/session HTTP/1.1\r\nHost: reflector\r\n');
      // A header line every 2 s: a deadline that each byte reset would never come.
      tick = setInterval(() => {
        sock.write('X-Slow-' + c.lines++ + ': ' + 'a'.repeat(32) + '\r\n');
        st.lines++;
        st.mostLines = Math.max(st.mostLines, c.lines);
      }, 2000);
    } else if (g.kind === 'flood-401') {
      sock.write('POST /v1/session HTTP/1.1\r\nHost: reflector\r\nAuthorization: SRP1 ts=' + Date.now() + ', nonce=' + '0'.repeat(24) + ', mac=' + 'f'.repeat(64) + '\r\nContent-Length: 0\r\n\r\n');
    }
  });
  sock.resume();
  sock.once('close', () => {
    clearTimeout(guard);
    clearInterval(tick);
    if (!c.at) st.connectErrors++;
    else {
      open--;
      live.delete(c);
      if (!stopping) {
        const ms = performance.now() - c.at;
        st.closedByReflector++;
        st.lifetimes.push(ms);
        st.longestMs = Math.max(st.longestMs, ms);
      }
    }
    done();
  });
}

function keep(g) {
  const again = () => {
    if (stopping) return;
    if (g.pauseMs) setTimeout(() => attack(g, again), g.pauseMs);
    else setImmediate(() => attack(g, again));
  };
  for (let i = 0; i < g.n; i++) attack(g, again);
}

for (const g of groups) keep(g);

parentPort.on('message', () => {
  const now = performance.now();
  stopping = true;
  for (const c of live) {
    c.st.longestMs = Math.max(c.st.longestMs, now - c.at);
    c.sock.destroy();
  }
  const out = {};
  for (const [key, st] of Object.entries(stats)) {
    const l = st.lifetimes.sort((a, b) => a - b);
    const { lifetimes, ...rest } = st;
    out[key] = { ...rest, shortestMs: l[0] ?? 0, medianMs: l[Math.floor(l.length / 2)] ?? 0 };
  }
  parentPort.postMessage({ seconds: (now - t0) / 1000, peakOpen, groups: out });
});
`;

function startAttack(port: number, groups: Group[]): { stop(): Promise<AttackReport>; kill(): Promise<void> } {
  const worker = new Worker(ATTACK, { eval: true, workerData: { port, groups } });
  const report = new Promise<AttackReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the attack worker exited (${code}) before reporting`)));
  });
  report.catch(() => undefined);
  return {
    async stop() {
      worker.postMessage('stop');
      const r = await Promise.race([
        report,
        delay(10_000).then(() => Promise.reject(new Error('the attack worker did not report within 10 s'))),
      ]);
      await worker.terminate();
      return r;
    },
    kill: async () => void (await worker.terminate()),
  };
}

// ---- the reflector as a deployer runs it ----------------------------------------------------

/** VmRSS and VmHWM (peak) of a process, MiB. */
async function memoryOf(pid: number): Promise<{ rssMiB: number; hwmMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

interface Measured {
  latency: UdpStreamResult;
  down: ThroughputResult;
  up: ThroughputResult;
  ws: ThroughputResult;
}

/** What a legitimate client measures: an RTP-like stream, then TCP down, TCP up and WebSocket down. */
async function measure(endpoint: ProbeEndpoint, stream: number): Promise<Measured> {
  const session = await openSession(endpoint, { timeoutMs: 5000 });
  try {
    const latency = await runUdpStream({ endpoint, session, stream, pps: 50, size: 200, durationMs: 3000, drainMs: 500 });
    const tput = (direction: 'down' | 'up', transport: 'tcp' | 'ws') =>
      runThroughput({ endpoint, session, direction, transport, streams: 2, durationMs: 2500, omitMs: 500 });
    return { latency, down: await tput('down', 'tcp'), up: await tput('up', 'tcp'), ws: await tput('down', 'ws') };
  } finally {
    await closeSession(endpoint, session);
  }
}

function line(m: Measured): string {
  const l = m.latency;
  return (
    `latency ${l.replies}/${l.sent} replies, RTT p50 ${l.rttMs?.p50.toFixed(2)} ms p95 ${l.rttMs?.p95.toFixed(2)} ms max ${l.rttMs?.max.toFixed(2)} ms, ` +
    `jitter up ${l.jitterUpMs?.toFixed(2)} / down ${l.jitterDownMs?.toFixed(2)} ms, loss ${l.lossPercent}%; ` +
    `TCP down ${m.down.mbps.toFixed(0)} Mbit/s, TCP up ${m.up.mbps.toFixed(0)} Mbit/s, WebSocket down ${m.ws.mbps.toFixed(0)} Mbit/s`
  );
}

describe.skipIf(!SOURCES)(`siteready serve under a slowloris and a connection flood from ${FLOODER}, a slowloris from ${SLOW}`, () => {
  let tmp: TempDir | undefined;
  let reflector: Peer | undefined;
  let port = 0;
  let attack: ReturnType<typeof startAttack> | undefined;

  beforeAll(async () => {
    tmp = await tempDir('sr-load-');
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    // Port 0 for TCP; UDP takes the same number, which may be in use: try again then.
    for (let attempt = 0; !reflector; attempt++) {
      try {
        reflector = await startProcess(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--token-file', tokenFile], {
          name: 'reflector',
          ready: /reflector on \S+:\d+ \(tcp\)/,
          timeoutMs: 15_000,
        });
      } catch (err) {
        if (attempt >= 4) throw err;
      }
    }
    port = Number(/reflector on \S+:(\d+) \(tcp\)/.exec(reflector.output())![1]);
  }, 60_000);

  afterAll(async () => {
    await attack?.kill();
    await reflector?.stop();
    await tmp?.remove();
  });

  it('the legitimate client measures as it does without the attack; attack connections die at the deadline; RSS stays bounded', async () => {
    const pid = reflector!.pid;
    const endpoint: ProbeEndpoint = { address: '127.0.0.1', port, host: '127.0.0.1', token: TOKEN, connectTimeoutMs: 3000 };
    const baseline = await measure(endpoint, 1);
    const before = await memoryOf(pid);

    attack = startAttack(port, GROUPS);
    let peakRss = before.rssMiB;
    const sampler = setInterval(() => {
      memoryOf(pid).then(
        (m) => (peakRss = Math.max(peakRss, m.rssMiB)),
        () => undefined,
      );
    }, 250);
    let report: AttackReport;
    let underAttack: Measured;
    try {
      // Long enough for the slowloris to fill its slots and meet the deadline before measuring.
      await delay(DEFAULT_LIMITS.authTimeoutMs + 1000);
      underAttack = await measure(endpoint, 2);
      report = await attack.stop();
    } finally {
      clearInterval(sampler);
    }
    const after = await memoryOf(pid);
    const closedLines = reflector!
      .output()
      .split('\n')
      .filter((l) => l.includes('unauthenticated connection closed'));

    const groups = Object.entries(report.groups);
    const total = groups.reduce((n, [, g]) => n + g.opened, 0);
    console.log(
      [
        `reflector load: ${total} attack connections in ${report.seconds.toFixed(1)} s, at most ${report.peakOpen} open at once as the attacker saw it ` +
          `(per-source limit ${PER_SOURCE}, deadline ${DEFAULT_LIMITS.authTimeoutMs} ms):`,
        ...groups.map(
          ([key, g]) =>
            `  ${key}: ${g.opened} opened, ${g.closedByReflector} closed by the reflector, ${g.connectErrors} connect errors; ` +
            `lifetime shortest ${g.shortestMs.toFixed(0)} ms, median ${g.medianMs.toFixed(0)} ms, longest ${g.longestMs.toFixed(0)} ms` +
            (key.startsWith('slowloris') ? `; ${g.lines} header lines sent, up to ${g.mostLines} on one connection` : ''),
        ),
        `reflector RSS: ${before.rssMiB.toFixed(1)} MiB before the attack, ${after.rssMiB.toFixed(1)} MiB after, peak sampled ${peakRss.toFixed(1)} MiB, VmHWM ${after.hwmMiB.toFixed(1)} MiB`,
        `legitimate client (127.0.0.1) without the attack: ${line(baseline)}`,
        `legitimate client (127.0.0.1) under the attack:  ${line(underAttack)}`,
        `reflector log: ${closedLines.length} "unauthenticated connection closed" lines (one per 1000); last: ${closedLines.at(-1) ?? 'none'}`,
      ].join('\n'),
    );

    // The attack happened, at scale.
    const flood = report.groups[`flood-silent@${FLOODER}`]!.opened + report.groups[`flood-401@${FLOODER}`]!.opened;
    expect(flood).toBeGreaterThan(1000);
    // No attack connection outlived the deadline by much: not the flood's, not the idle ones, not the slowloris.
    for (const [key, g] of groups) expect(g.longestMs, key).toBeLessThan(LIFETIME_BOUND_MS);
    // The slowloris under the per-source limit: every connection trickled on and was cut at the deadline.
    const slow = report.groups[`slowloris@${SLOW}`]!;
    expect(slow.closedByReflector).toBeGreaterThanOrEqual(PER_SOURCE - 20);
    expect(slow.shortestMs).toBeGreaterThan(DEFAULT_LIMITS.authTimeoutMs - 500);
    expect(slow.mostLines).toBeGreaterThanOrEqual(2);
    expect(report.groups[`idle@${SLOW}`]!.shortestMs).toBeGreaterThan(DEFAULT_LIMITS.authTimeoutMs - 500);
    // The legitimate client measured normally: every check ran to the end with sane numbers.
    for (const m of [baseline, underAttack]) {
      expect(m.latency.sent).toBe(150);
      expect(m.latency.replies).toBeGreaterThanOrEqual(145);
      // Teams' own client → edge target; loopback is well under a millisecond when the machine is idle.
      expect(m.latency.rttMs!.p50).toBeLessThan(100);
      for (const t of [m.down, m.up, m.ws]) {
        expect(t.mbps).toBeGreaterThan(50);
        expect(t.samples.length).toBeGreaterThan(5);
      }
    }
    expect(after.rssMiB).toBeLessThan(RSS_BOUND_MIB);
    expect(after.hwmMiB).toBeLessThan(RSS_BOUND_MIB);
    // And it still opens sessions afterwards.
    await closeSession(endpoint, await openSession(endpoint, { timeoutMs: 5000 }));
  }, 60_000);
});
