#!/usr/bin/env node
// Throughput benchmark: siteready's TCP throughput test against iperf3, side by side, in the same
// run.
//
//  1. Loopback: the reflector (`siteready serve`, its own process) and runThroughput() (worker
//     thread in this process) against `iperf3 -s` / `iperf3 -c … -J`, 1 and 4 streams, download
//     and upload, rounds interleaved (siteready, iperf3, …; the order rotates every round). Reported:
//     median Mbit/s per tool and the ratio of medians siteready / iperf3 (target ≥ 0.9).
//  2. Shaped link: a network namespace behind a veth pair shaped by `tc … tbf rate R` on both ends
//     (one per direction), reflector and `iperf3 -s` inside it. Reported: each tool's error
//     against the expected goodput (tbf counts on-wire bytes, so goodput = R × payload / frame)
//     and the tools' difference from each other.
//  3. Memory: peak RSS (VmHWM, /proc/<pid>/status) of a fresh reflector and of a client process
//     (bench/throughput-client.mjs, which holds the worker thread) during one longer test, and the
//     same for a fresh iperf3 server and client.
//
// Both tools count at the receiver: siteready per 100 ms interval (the client for downloads, the
// reflector for uploads), iperf3 via end.sum_received. Both omit the first --omit seconds.
// --duration is the whole test: siteready runs durationMs = duration with omitMs = omit, iperf3
// runs `-t (duration − omit) -O omit`, so both take the same wall time and measure the same span.
//
// Usage: node bench/throughput.mjs [--rounds N] [--duration S] [--omit S] [--parts list] …
// (--help lists all). Needs a built CLI (`npx tsc -p .`), iperf3 on PATH, and for the shaped part
// root (ip netns, tc). Exits non-zero if any run fails; writes nothing then.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, gitCommit, intArg, machineInfo, summarize, table } from './lib/common.mjs';
import { setupLink, sh, teardownLink } from './lib/veth-link.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE = process.execPath;
const CLIENT = join(ROOT, 'bench', 'throughput-client.mjs');
const RUN_THROUGHPUT = join(ROOT, 'dist', 'src', 'probe', 'run-throughput.js');
const TOKEN = randomBytes(24).toString('hex');
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
const PARTS = ['loopback', 'shaped', 'memory'];

// ---- arguments ---------------------------------------------------------------------------------

function usage(msg) {
  if (msg) process.stderr.write(`throughput: ${msg}\n`);
  process.stderr.write(
    'usage: node bench/throughput.mjs [options]\n' +
      '  --rounds N          loopback rounds, each runs every configuration with both tools (default 5)\n' +
      '  --duration S        seconds per test, omitted start included (default 5)\n' +
      '  --omit S            seconds omitted at the start of each test (default 1)\n' +
      '  --streams LIST      loopback stream counts (default 1,4)\n' +
      '  --shaped-rounds N   rounds on the shaped link (default 3)\n' +
      '  --shaped-streams N  streams on the shaped link (default 1)\n' +
      '  --rate MBIT         tbf rate of the shaped link, Mbit/s (default 50)\n' +
      '  --mem-duration S    seconds of the memory test (default 10)\n' +
      '  --mem-streams N     streams in the memory test (default 4)\n' +
      '  --parts LIST        any of loopback,shaped,memory (default all)\n' +
      '  --alt DIR           also run the siteready build in DIR (its dist/ and bin/) in the loopback part,\n' +
      '                      as a third contender: for trying a change against the same iperf3 rounds\n' +
      '  --no-write          do not write bench/results/throughput-<timestamp>.json\n',
  );
  process.exit(msg ? 2 : 0);
}

function parseOptions(argv) {
  const parts = (raw, fail) => {
    const list = String(raw).split(',');
    for (const p of list) if (!PARTS.includes(p)) fail(`unknown part ${p} (use ${PARTS.join(',')})`);
    return list;
  };
  const opts = benchArgs(
    argv,
    usage,
    {
      rounds: { default: 5, min: 1 },
      duration: { default: 5, min: 2 },
      omit: { default: 1 },
      streams: {
        default: [1, 4],
        parse: (raw, fail) =>
          String(raw)
            .split(',')
            .map((x) => intArg(fail, 'streams', x, 1)),
      },
      'shaped-rounds': { default: 3, min: 1 },
      'shaped-streams': { default: 1, min: 1 },
      rate: { default: 50, min: 1 },
      'mem-duration': { default: 10, min: 2 },
      'mem-streams': { default: 4, min: 1 },
      parts: { default: [...PARTS], parse: parts },
      alt: { default: undefined, parse: (raw) => ({ root: resolve(String(raw)) }) },
    },
    { 'no-write': { key: 'write', value: false } },
  );
  if (opts.omit >= opts.duration || opts.omit >= opts.memDuration) usage('--omit must be shorter than --duration and --mem-duration');
  return opts;
}

const median = (xs) => summarize(xs).median;

// ---- processes ---------------------------------------------------------------------------------

/** Every child we started, so that they are killed (by pid) whatever happens. */
const children = new Set();

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killChildren() {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** argv prefix that runs a command inside a namespace (none: here). */
const inNs = (ns, argv) => (ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv);

function spawnTracked(argv, opts = {}) {
  return track(spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...opts }));
}

/** Starts a long-running server and resolves once `ready` matches its stdout. */
function startServer(argv, ready, what, env) {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(argv, env ? { env } : {});
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not start within 10 s`)), 10_000);
    const fail = (e) => {
      clearTimeout(timer);
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
      reject(new Error(`${e.message}${err.trim() ? `\n${err.trim().replace(/^/gm, '  | ')}` : ''}`));
    };
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ child, pid: child.pid, match: m, stderr: () => err });
      }
    });
    child.once('error', fail);
    child.once('exit', (code, sig) => fail(new Error(`${what} exited (${sig ?? `code ${code}`}) before it was ready`)));
  });
}

async function stopServer(server) {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  try {
    process.kill(server.pid, 'SIGTERM');
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 3000);
  await exited;
  clearTimeout(t);
}

async function startReflector(ns, host, root = ROOT) {
  const env = { ...process.env, SITEREADY_TOKEN: TOKEN };
  const s = await startServer(
    inNs(ns, [NODE, join(root, 'bin', 'siteready.js'), 'serve', '--listen', `${host}:0`, '--quiet']),
    /reflector on .*:(\d+) \(tcp\)/,
    'siteready serve',
    env,
  );
  return { ...s, host, port: Number(s.match[1]) };
}

async function startIperfServer(ns, host) {
  const port = ns ? 5201 : await freePort(host);
  const s = await startServer(
    inNs(ns, ['iperf3', '-s', '-B', host, '-p', String(port), '--forceflush']),
    /Server listening on/,
    'iperf3 -s',
  );
  return { ...s, host, port };
}

function freePort(host) {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion; rejects on non-zero exit, with its output. */
function run(argv, { timeoutMs = 30_000, env, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(argv, env ? { env } : {});
    onSpawn?.(child);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout: out, stderr: err, pid: child.pid });
      const text = `${err}${out}`.trim().slice(-2000);
      reject(new Error(`\`${argv.join(' ')}\` failed (${sig ?? `exit code ${code}`})${text ? `\n${text.replace(/^/gm, '  | ')}` : ''}`));
    });
  });
}

// ---- /proc -------------------------------------------------------------------------------------

function procStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { vmHWMKiB: kib('VmHWM'), vmRSSKiB: kib('VmRSS') };
  } catch {
    return undefined;
  }
}

/** user + system CPU seconds of a process (all its threads) so far. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Polls VmHWM of the given pids every 100 ms; the last value seen is kept per pid. */
function memorySampler() {
  const peak = new Map();
  const pids = new Set();
  const poll = () => {
    for (const pid of pids) {
      const s = procStatus(pid);
      // A zombie's status has no VmHWM: keep the last real value.
      if (s && Number.isFinite(s.vmHWMKiB) && s.vmHWMKiB > (peak.get(pid) ?? 0)) peak.set(pid, s.vmHWMKiB);
    }
  };
  const timer = setInterval(poll, 100);
  return {
    watch: (pid) => {
      pids.add(pid);
      poll();
    },
    peak: (pid) => {
      poll();
      return peak.get(pid);
    },
    stop: () => clearInterval(timer),
  };
}

// ---- the two tools -----------------------------------------------------------------------------

let runThroughput;

/**
 * CPU use of each process over the steady middle of a test: from `omit` + 0.5 s after the start
 * to 0.5 s before its end (wall clock, from the moment the client is started), as % of one core.
 * The whole-run figure would mix in process start-up and session setup.
 */
function steadyCpu(readers, durationS, omitS) {
  const from = (omitS + 0.5) * 1000;
  const to = Math.max(from + 500, (durationS - 0.5) * 1000);
  const at = {};
  const timers = [
    setTimeout(() => (at.a = { t: performance.now(), v: readers.map((r) => r()) }), from),
    setTimeout(() => (at.b = { t: performance.now(), v: readers.map((r) => r()) }), to),
  ];
  return {
    result() {
      timers.forEach(clearTimeout);
      if (!at.a || !at.b) return readers.map(() => NaN);
      const wall = (at.b.t - at.a.t) / 1000;
      return readers.map((_, i) => ((at.b.v[i] - at.a.v[i]) / wall) * 100);
    },
  };
}

const selfCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** siteready: runThroughput() in this process (its worker thread; the main thread only waits). */
async function siteready(reflector, direction, streams, durationS, omitS, rt = runThroughput) {
  const cpu = steadyCpu([selfCpuSeconds, () => cpuSeconds(reflector.pid)], durationS, omitS);
  const r = await rt(
    {
      endpoint: { address: reflector.host, port: reflector.port, host: reflector.host, token: TOKEN, connectTimeoutMs: 3000 },
      direction,
      transport: 'tcp',
      streams,
      durationMs: durationS * 1000,
      omitMs: omitS * 1000,
    },
    AbortSignal.timeout(durationS * 1000 + 20_000),
  );
  const [clientCpuPct, serverCpuPct] = cpu.result();
  return { mbps: r.mbps, measuredMs: r.measuredMs, p10: r.p10, p50: r.p50, p90: r.p90, clientCpuPct, serverCpuPct };
}

function iperfArgs(server, direction, streams, durationS, omitS) {
  return [
    'iperf3',
    '-c',
    server.host,
    '-p',
    String(server.port),
    '-t',
    String(durationS - omitS),
    '-O',
    String(omitS),
    '-P',
    String(streams),
    ...(direction === 'down' ? ['-R'] : []),
    '-J',
  ];
}

function parseIperf(stdout) {
  const j = JSON.parse(stdout);
  if (j.error) throw new Error(`iperf3: ${j.error}`);
  const bps = j.end?.sum_received?.bits_per_second;
  if (!(bps > 0)) throw new Error('iperf3 reported no received bits');
  return j;
}

/** iperf3: a client process against the given server; receiver-side sum. */
async function iperf(server, direction, streams, durationS, omitS) {
  let clientPid;
  const cpu = steadyCpu([() => cpuSeconds(clientPid), () => cpuSeconds(server.pid)], durationS, omitS);
  const { stdout } = await run(iperfArgs(server, direction, streams, durationS, omitS), {
    timeoutMs: durationS * 1000 + 20_000,
    onSpawn: (c) => (clientPid = c.pid),
  });
  const [clientCpuPct, serverCpuPct] = cpu.result();
  const j = parseIperf(stdout);
  return {
    mbps: j.end.sum_received.bits_per_second / 1e6,
    senderMbps: j.end.sum_sent.bits_per_second / 1e6,
    measuredMs: j.end.sum_received.seconds * 1000,
    retransmits: j.end.sum_sent.retransmits,
    clientCpuPct,
    serverCpuPct,
  };
}

// ---- the shaped link ---------------------------------------------------------------------------

function setupShapedLink(rateMbit) {
  // tbf: long-run rate = rate; burst (16 KiB, > 10 frames) and the queue (rate × 50 ms) only
  // shape the short term.
  const tbf = `tbf rate ${rateMbit}mbit burst 16kb latency 50ms`;
  const link = setupLink({ ns: 'srbench', iface: 'srb' }, tbf.split(' '), { tbf });
  link.mtu = Number(readFileSync(`/sys/class/net/${link.hostIf}/mtu`, 'utf8'));
  const nsMtu = Number(sh(['ip', 'netns', 'exec', link.ns, 'cat', `/sys/class/net/${link.nsIf}/mtu`]));
  const ts = (ns) => Number(sh(inNs(ns, ['cat', '/proc/sys/net/ipv4/tcp_timestamps']))) > 0;
  link.timestamps = ts(undefined) && ts(link.ns);
  // tbf counts skb->len at the qdisc: the IP packet plus the 14-byte Ethernet header (no
  // preamble, FCS or gap: a veth has no wire). A full-size TCP segment carries MTU − 20 (IP) − 20
  // (TCP) − 12 (timestamps option, when both ends use it) bytes of payload.
  link.mtu = Math.min(link.mtu, nsMtu);
  link.frameBytes = link.mtu + 14;
  link.payloadBytes = link.mtu - 40 - (link.timestamps ? 12 : 0);
  link.expectedMbps = (rateMbit * link.payloadBytes) / link.frameBytes;
  return link;
}

function teardownShapedLink(link) {
  teardownLink(link);
}

function qdiscStats(link) {
  const parse = (text) => {
    const m = /Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)/.exec(text);
    return m ? { bytes: Number(m[1]), packets: Number(m[2]), dropped: Number(m[3]), overlimits: Number(m[4]) } : undefined;
  };
  return {
    upload: parse(sh(['tc', '-s', 'qdisc', 'show', 'dev', link.hostIf])),
    download: parse(sh(['ip', 'netns', 'exec', link.ns, 'tc', '-s', 'qdisc', 'show', 'dev', link.nsIf])),
  };
}

// ---- parts -------------------------------------------------------------------------------------

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const label = (d, s) => `${d === 'down' ? 'download' : 'upload'}, ${s} stream${s > 1 ? 's' : ''}`;

function progress(msg) {
  process.stderr.write(`  ${msg}\n`);
}

/** CPU ms spent per GB (10^9 bytes) moved, from a steady-state CPU % and the test's rate. */
const msPerGB = (cpuPct, mbps) => ((cpuPct / 100) * 1000) / (mbps / 8 / 1000);

function cpuSummary(runs) {
  return {
    clientCpuPct: median(runs.map((r) => r.clientCpuPct)),
    serverCpuPct: median(runs.map((r) => r.serverCpuPct)),
    clientMsPerGB: median(runs.map((r) => msPerGB(r.clientCpuPct, r.mbps))),
    serverMsPerGB: median(runs.map((r) => msPerGB(r.serverCpuPct, r.mbps))),
  };
}

async function loopbackPart(opts) {
  const reflector = await startReflector(undefined, '127.0.0.1');
  const server = await startIperfServer(undefined, '127.0.0.1');
  const alt = opts.alt ? { ...opts.alt, reflector: await startReflector(undefined, '127.0.0.1', opts.alt.root) } : undefined;
  const tools = {
    siteready: (d, n, t, o) => siteready(reflector, d, n, t, o),
    iperf3: (d, n, t, o) => iperf(server, d, n, t, o),
    ...(alt ? { alt: (d, n, t, o) => siteready(alt.reflector, d, n, t, o, alt.runThroughput) } : {}),
  };
  const ids = Object.keys(tools);
  try {
    const configs = [];
    for (const direction of ['down', 'up'])
      for (const streams of opts.streams) configs.push({ direction, streams, ...Object.fromEntries(ids.map((id) => [id, []])) });
    // Warm-up, not recorded: the reflector's JIT, the page cache, iperf3's first connection.
    progress('loopback warm-up (2 s per tool and direction, not recorded)');
    for (const d of ['down', 'up']) for (const id of ids) await tools[id](d, 1, 2, 0);
    for (let round = 0; round < opts.rounds; round++) {
      for (const c of configs) {
        // Rotate the order every round: no tool always runs first (or right after another one).
        const order = ids.map((_, k) => ids[(k + round) % ids.length]);
        for (const id of order) c[id].push(await tools[id](c.direction, c.streams, opts.duration, opts.omit));
        const [a, b] = [c.siteready.at(-1).mbps, c.iperf3.at(-1).mbps];
        progress(
          `round ${round + 1}/${opts.rounds} ${label(c.direction, c.streams)}: siteready ${a.toFixed(0)}, iperf3 ${b.toFixed(0)} Mbit/s (${(a / b).toFixed(2)})` +
            (alt ? `, alt ${c.alt.at(-1).mbps.toFixed(0)} (${(c.alt.at(-1).mbps / b).toFixed(2)})` : ''),
        );
      }
    }
    return configs.map((c) => {
      const sum = Object.fromEntries(ids.map((id) => [id, summarize(c[id].map((r) => r.mbps))]));
      return {
        direction: c.direction,
        streams: c.streams,
        ...Object.fromEntries(ids.map((id) => [id, { ...sum[id], ...cpuSummary(c[id]), runs: c[id] }])),
        ratio: sum.siteready.median / sum.iperf3.median,
        roundRatios: c.siteready.map((r, k) => r.mbps / c.iperf3[k].mbps),
        ...(alt ? { altRatio: sum.alt.median / sum.iperf3.median, altRoundRatios: c.alt.map((r, k) => r.mbps / c.iperf3[k].mbps) } : {}),
      };
    });
  } finally {
    await stopServer(reflector);
    await stopServer(server);
    await stopServer(alt?.reflector);
  }
}

async function shapedPart(opts, link) {
  const reflector = await startReflector(link.ns, link.nsAddr);
  const server = await startIperfServer(link.ns, link.nsAddr);
  try {
    const configs = ['down', 'up'].map((direction) => ({ direction, siteready: [], iperf3: [] }));
    const q0 = qdiscStats(link);
    for (let round = 0; round < opts.shapedRounds; round++) {
      for (const c of configs) {
        const tools = round % 2 === 0 ? ['siteready', 'iperf3'] : ['iperf3', 'siteready'];
        for (const tool of tools) {
          const r =
            tool === 'siteready'
              ? await siteready(reflector, c.direction, opts.shapedStreams, opts.duration, opts.omit)
              : await iperf(server, c.direction, opts.shapedStreams, opts.duration, opts.omit);
          c[tool].push(r);
        }
        progress(
          `shaped round ${round + 1}/${opts.shapedRounds} ${c.direction}: siteready ${c.siteready.at(-1).mbps.toFixed(2)}, iperf3 ${c.iperf3.at(-1).mbps.toFixed(2)} Mbit/s (expected ${link.expectedMbps.toFixed(2)})`,
        );
      }
    }
    const q1 = qdiscStats(link);
    const rows = configs.map((c) => {
      const s = summarize(c.siteready.map((r) => r.mbps));
      const i = summarize(c.iperf3.map((r) => r.mbps));
      const err = (x) => (x - link.expectedMbps) / link.expectedMbps;
      return {
        direction: c.direction,
        streams: opts.shapedStreams,
        siteready: { ...s, error: err(s.median), runs: c.siteready },
        iperf3: { ...i, error: err(i.median), runs: c.iperf3 },
        sitereadyVsIperf3: (s.median - i.median) / i.median,
      };
    });
    return { rows, qdisc: { before: q0, after: q1 } };
  } finally {
    await stopServer(reflector);
    await stopServer(server);
  }
}

async function memoryPart(opts) {
  const out = [];
  const mib = (kib) => kib / 1024;
  for (const direction of ['down', 'up']) {
    // siteready: a fresh reflector, and a client process of its own (the worker thread is inside it).
    {
      const reflector = await startReflector(undefined, '127.0.0.1');
      const sampler = memorySampler();
      try {
        await new Promise((r) => setTimeout(r, 300));
        const idle = procStatus(reflector.pid);
        sampler.watch(reflector.pid);
        const params = {
          endpoint: { address: '127.0.0.1', port: reflector.port, host: '127.0.0.1', connectTimeoutMs: 3000 },
          direction,
          transport: 'tcp',
          streams: opts.memStreams,
          durationMs: opts.memDuration * 1000,
          omitMs: opts.omit * 1000,
        };
        const { stdout, pid } = await run([NODE, CLIENT, JSON.stringify(params)], {
          timeoutMs: opts.memDuration * 1000 + 30_000,
          env: { ...process.env, SITEREADY_TOKEN: TOKEN },
          onSpawn: (c) => sampler.watch(c.pid),
        });
        const report = JSON.parse(stdout.trim().split('\n').at(-1));
        const clientPeak = Math.max(report.after.vmHWMKiB, sampler.peak(pid) ?? 0);
        out.push(
          {
            tool: 'siteready',
            role: 'reflector (siteready serve)',
            direction,
            mbps: report.result.mbps,
            idleRssMiB: mib(idle.vmRSSKiB),
            peakRssMiB: mib(sampler.peak(reflector.pid)),
          },
          {
            tool: 'siteready',
            role: 'client (runThroughput + worker)',
            direction,
            mbps: report.result.mbps,
            idleRssMiB: mib(report.before.vmRSSKiB),
            peakRssMiB: mib(clientPeak),
          },
        );
      } finally {
        sampler.stop();
        await stopServer(reflector);
      }
    }
    // iperf3: a fresh server; the client's VmHWM is polled while it runs (the last value before it exits).
    {
      const server = await startIperfServer(undefined, '127.0.0.1');
      const sampler = memorySampler();
      try {
        const idle = procStatus(server.pid);
        sampler.watch(server.pid);
        let clientPid;
        const { stdout } = await run(iperfArgs(server, direction, opts.memStreams, opts.memDuration, opts.omit), {
          timeoutMs: opts.memDuration * 1000 + 30_000,
          onSpawn: (c) => sampler.watch((clientPid = c.pid)),
        });
        const j = parseIperf(stdout);
        const mbps = j.end.sum_received.bits_per_second / 1e6;
        out.push(
          {
            tool: 'iperf3',
            role: 'server (iperf3 -s)',
            direction,
            mbps,
            idleRssMiB: mib(idle.vmRSSKiB),
            peakRssMiB: mib(sampler.peak(server.pid)),
          },
          {
            tool: 'iperf3',
            role: 'client (iperf3 -c)',
            direction,
            mbps,
            idleRssMiB: undefined,
            peakRssMiB: clientPid ? mib(sampler.peak(clientPid)) : undefined,
          },
        );
      } finally {
        sampler.stop();
        await stopServer(server);
      }
    }
    progress(`memory ${direction}: done`);
  }
  return out;
}

// ---- output ------------------------------------------------------------------------------------

const f0 = (x) => (x === undefined || Number.isNaN(x) ? '–' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(1));
const f2 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(2));
const pct = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} %`;

function loopbackTables(rows, target) {
  const altTable = rows[0]?.alt
    ? table(
        [
          'configuration',
          'siteready Mbit/s',
          'alt Mbit/s (median)',
          'min–max',
          'iperf3 Mbit/s',
          'siteready / iperf3',
          'alt / iperf3',
          'alt client ms/GB',
          'alt reflector ms/GB',
        ],
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
        rows.map((r) => [
          label(r.direction, r.streams),
          f0(r.siteready.median),
          f0(r.alt.median),
          `${f0(r.alt.min)}–${f0(r.alt.max)}`,
          f0(r.iperf3.median),
          r.ratio.toFixed(2),
          r.altRatio.toFixed(2),
          f0(r.alt.clientMsPerGB),
          f0(r.alt.serverMsPerGB),
        ]),
      )
    : undefined;
  const main = table(
    [
      'configuration',
      'siteready Mbit/s (median)',
      'min–max',
      'iperf3 Mbit/s (median)',
      'min–max',
      'ratio siteready / iperf3',
      `≥ ${target}`,
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
    rows.map((r) => [
      label(r.direction, r.streams),
      f0(r.siteready.median),
      `${f0(r.siteready.min)}–${f0(r.siteready.max)}`,
      f0(r.iperf3.median),
      `${f0(r.iperf3.min)}–${f0(r.iperf3.max)}`,
      `${r.ratio.toFixed(2)}`,
      r.ratio >= target ? 'yes' : '**no**',
    ]),
  );
  const cpu = table(
    [
      'configuration',
      'siteready client',
      'reflector',
      'iperf3 client',
      'iperf3 server',
      'siteready client',
      'reflector',
      'iperf3 client',
      'iperf3 server',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    [
      ['', '*CPU %*', '*CPU %*', '*CPU %*', '*CPU %*', '*ms/GB*', '*ms/GB*', '*ms/GB*', '*ms/GB*'],
      ...rows.map((r) => [
        label(r.direction, r.streams),
        f0(r.siteready.clientCpuPct),
        f0(r.siteready.serverCpuPct),
        f0(r.iperf3.clientCpuPct),
        f0(r.iperf3.serverCpuPct),
        f0(r.siteready.clientMsPerGB),
        f0(r.siteready.serverMsPerGB),
        f0(r.iperf3.clientMsPerGB),
        f0(r.iperf3.serverMsPerGB),
      ]),
    ],
  );
  return { main, cpu, altTable };
}

function shapedTable(shaped, link) {
  return table(
    ['direction', 'tool', 'Mbit/s (median)', 'min–max', `error vs expected ${link.expectedMbps.toFixed(2)}`, 'siteready vs iperf3'],
    ['l', 'l', 'r', 'r', 'r', 'r'],
    shaped.rows.flatMap((r) => [
      [
        r.direction === 'down' ? 'download' : 'upload',
        'siteready',
        f2(r.siteready.median),
        `${f2(r.siteready.min)}–${f2(r.siteready.max)}`,
        pct(r.siteready.error),
        pct(r.sitereadyVsIperf3),
      ],
      ['', 'iperf3', f2(r.iperf3.median), `${f2(r.iperf3.min)}–${f2(r.iperf3.max)}`, pct(r.iperf3.error), ''],
    ]),
  );
}

function memoryTable(mem) {
  return table(
    ['process', 'test', 'RSS before MiB', 'peak RSS (VmHWM) MiB'],
    ['l', 'l', 'r', 'r'],
    mem.map((m) => [
      m.role,
      `${m.direction === 'down' ? 'download' : 'upload'} (${f0(m.mbps)} Mbit/s)`,
      f1(m.idleRssMiB),
      f1(m.peakRssMiB),
    ]),
  );
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (!existsSync(RUN_THROUGHPUT)) throw new Error('the CLI is not built: run `npx tsc -p .` first');
  const iperfVersion = spawnSync('iperf3', ['--version'], { encoding: 'utf8' });
  if (iperfVersion.status !== 0 && !iperfVersion.stdout) throw new Error('iperf3 is not installed (apt-get install -y iperf3)');
  ({ runThroughput } = await import(RUN_THROUGHPUT));
  if (opts.alt) {
    const altRt = join(opts.alt.root, 'dist', 'src', 'probe', 'run-throughput.js');
    if (!existsSync(altRt)) throw new Error(`--alt ${opts.alt.root}: no ${altRt}`);
    opts.alt.runThroughput = (await import(altRt)).runThroughput;
  }

  let link;
  const cleanup = () => {
    killChildren();
    teardownShapedLink(link);
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      const exited = [...children].map((c) => new Promise((r) => c.once('exit', r)));
      cleanup();
      // Wait (briefly) until the killed children are reaped, so none is left behind as a zombie.
      Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 2000))]).then(() => process.exit(130));
    });
  }
  process.on('exit', cleanup);

  const machine = machineInfo({ iperf3: iperfVersion.stdout.split('\n')[0].trim() });
  const started = Date.now();
  const target = 0.9;
  const result = {
    benchmark: 'throughput',
    date: new Date().toISOString(),
    command: `node bench/throughput.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    commit: gitCommit(),
    machine,
    options: opts,
  };

  try {
    if (opts.parts.includes('shaped')) {
      // Set up first: a machine that cannot shape fails before minutes of loopback runs.
      link = setupShapedLink(opts.rate);
    }
    if (opts.parts.includes('loopback')) {
      process.stderr.write(
        `throughput: loopback, ${opts.streams.length * 2} configurations × 2 tools × ${opts.rounds} rounds, ${opts.duration} s each (${opts.omit} s omitted)\n`,
      );
      result.loopback = await loopbackPart(opts);
    }
    if (link) {
      process.stderr.write(
        `throughput: shaped link (${link.tbf}, ${link.hostAddr} ↔ ${link.nsAddr} in ${link.ns}), ${opts.shapedRounds} rounds\n`,
      );
      result.shaped = {
        link: {
          tbf: link.tbf,
          mtu: link.mtu,
          timestamps: link.timestamps,
          frameBytes: link.frameBytes,
          payloadBytes: link.payloadBytes,
          expectedMbps: link.expectedMbps,
        },
        ...(await shapedPart(opts, link)),
      };
      teardownShapedLink(link);
    }
    if (opts.parts.includes('memory')) {
      process.stderr.write(`throughput: memory, ${opts.memDuration} s tests with ${opts.memStreams} streams\n`);
      result.memory = await memoryPart(opts);
    }
  } finally {
    cleanup();
  }
  machine.loadavgEnd = loadavg();
  result.elapsedS = (Date.now() - started) / 1000;

  const w = (s) => process.stdout.write(s);
  w(
    `\n${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.iperf3}; load average ${machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${machine.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at end; ${result.elapsedS.toFixed(0)} s.\n`,
  );
  if (result.loopback) {
    const t = loopbackTables(result.loopback, target);
    w(
      `\n### Loopback TCP, siteready vs iperf3 (${plural(opts.rounds, 'interleaved round')}, ${opts.duration} s tests, first ${opts.omit} s omitted, receiver-side counts)\n\n${t.main}\n\n`,
    );
    if (t.altTable) w(`Alternative build (--alt ${opts.alt.root}), same rounds:\n\n${t.altTable}\n\n`);
    w(
      `CPU per process in the steady part of each test (medians over rounds): % of one core, and CPU ms per GB moved (lower is cheaper):\n\n${t.cpu}\n\n`,
    );
    const met = result.loopback.filter((r) => r.ratio >= target).length;
    w(`Target: siteready / iperf3 ≥ ${target} — met in ${met} of ${result.loopback.length} configurations.\n`);
    result.target = { minRatio: target, met: met === result.loopback.length, metIn: met, of: result.loopback.length };
  }
  if (result.shaped) {
    const l = result.shaped.link;
    w(`\n### Shaped link: ${l.tbf} per direction (${plural(opts.shapedRounds, 'round')}, ${plural(opts.shapedStreams, 'stream')})\n\n`);
    w(
      `Expected goodput = ${opts.rate} × ${l.payloadBytes} / ${l.frameBytes} = ${l.expectedMbps.toFixed(2)} Mbit/s (MTU ${l.mtu}, TCP timestamps ${l.timestamps ? 'on' : 'off'}).\n\n`,
    );
    w(`${shapedTable(result.shaped, l)}\n`);
  }
  if (result.memory) {
    w(
      `\n### Memory (one ${opts.memDuration} s loopback test per row pair, ${plural(opts.memStreams, 'stream')}, fresh server each)\n\n${memoryTable(result.memory)}\n`,
    );
  }

  if (opts.write) {
    const stamp = result.date.replace(/[:.]/g, '-');
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `throughput-${stamp}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    w(`\nWrote ${relative(process.cwd(), file) || file}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`\nthroughput: ${err?.message ?? err}\n`);
  process.exitCode = 1;
});
