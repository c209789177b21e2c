#!/usr/bin/env node
// Bufferbloat benchmark: siteready's bufferbloat check, with its defaults, against an anchor that
// fills a buffer by brute force, on the same shaped link in the same run.
//
// The link: a network namespace behind a veth pair, `tbf rate R burst 64kb latency L` on both ends
// (one qdisc per direction: the host end shapes uploads, the namespace end downloads), for each
// buffer L in --buffers (default 500ms and 10ms). The reflector and `iperf3 -s` run inside it.
//
//  - siteready: `siteready assess` of a site whose probe is that reflector, every other probe check
//    off, the bufferbloat check at its defaults. Reported: status, the worst RTT increase, the load
//    it was judged under (streams, goodput) per direction, and the check's duration.
//  - anchor: ping (5 per second) to the namespace end, 3 s idle, then during `iperf3 -P 16 -t 10`
//    downstream (-R) and upstream in turn, from 1.5 s into the load to 1.5 s before its end. Reported:
//    the median RTT increase per direction, iperf3's goodput and the anchor's duration.
//
// Absolute RTTs are the buffer's, not the machine's (a full 500 ms tbf queue is ~520 ms whatever
// the CPU), so these are reported as measured; durations are wall time.
//
// Usage: node bench/bufferbloat.mjs [--buffers 500ms,10ms] [--rate MBIT] [--rounds N] [--no-write]
// Needs a built CLI (`npx tsc -p .`), iperf3 and ping on PATH, and root (ip netns, tc).

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, gitCommit, machineInfo, summarize, table } from './lib/common.mjs';
import { reshapeLink, setupLink, sh, teardownLink } from './lib/veth-link.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE = process.execPath;
const BIN = join(ROOT, 'bin', 'siteready.js');
const TOKEN = randomBytes(24).toString('hex');
const PORT = 7000; // inside our own namespace: nothing else listens there
const IPERF_PORT = 5201;

function usage(msg) {
  if (msg) process.stderr.write(`bufferbloat: ${msg}\n`);
  process.stderr.write(
    'usage: node bench/bufferbloat.mjs [options]\n' +
      '  --buffers LIST      tbf latency of each case (default 500ms,10ms)\n' +
      '  --rate MBIT         tbf rate, both directions (default 20)\n' +
      '  --rounds N          rounds per buffer, each runs both tools (default 1)\n' +
      '  --iperf-streams N   streams of the anchor load (default 16)\n' +
      '  --iperf-time S      seconds of the anchor load per direction (default 10)\n' +
      '  --before            also run the check with the load it had before the ramp (4 streams for 10 s,\n' +
      '                      5 s idle: maxStreams 4, stepMs 10000, loadMs 10000, idleMs 5000)\n' +
      '  --no-write          do not write bench/results/bufferbloat-<timestamp>.json\n',
  );
  process.exit(msg ? 2 : 0);
}

const opts = benchArgs(
  process.argv.slice(2),
  usage,
  {
    buffers: {
      default: ['500ms', '10ms'],
      parse: (raw, fail) => {
        const list = String(raw).split(',');
        for (const b of list) if (!/^\d+ms$/.test(b)) fail(`--buffers: ${b} is not a latency like 500ms`);
        return list;
      },
    },
    rate: { default: 20, min: 1, max: 10000 },
    rounds: { default: 1, min: 1, max: 20 },
    'iperf-streams': { default: 16, min: 1, max: 128 },
    'iperf-time': { default: 10, min: 4, max: 60 },
  },
  { 'no-write': { key: 'write', value: false }, before: {} },
);

// ---- processes and the link --------------------------------------------------------------------

const children = new Set();
let link;

/** Runs to completion; resolves with stdout whatever the exit code (the caller checks). */
function run(argv, { env, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout: out, stderr: err });
    });
  });
}

/** A long-running process inside the namespace, resolved once `ready` shows on stdout. */
function startInNs(argv, ready, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', link.ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${argv[0]} did not start within 10 s`)), 10_000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited (${code}) before it was ready`)));
  });
}

// The bucket holds one GSO super-packet (64 KiB; veth does TSO/GSO), else tbf has to segment it.
const tbf = (latency) => ['tbf', 'rate', `${opts.rate}mbit`, 'burst', '64kb', 'latency', latency];

function setUp(latency) {
  link = {};
  setupLink({ ns: 'srbloat', iface: 'srl' }, tbf(latency), link);
}

function shape(latency) {
  reshapeLink(link, tbf(latency));
}

function cleanup() {
  for (const c of children) c.kill('SIGKILL');
  teardownLink(link);
}

// ---- the two tools -----------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** The load before the ramp: one step of 4 streams for 10 s per direction after 5 s idle. */
const BEFORE = '{ idleMs: 5000, streams: 4, maxStreams: 4, stepMs: 10000, loadMs: 10000 }';

async function siteready(dir, bufferbloat) {
  const site = join(dir, 'site.yaml');
  writeFileSync(
    site,
    [
      'version: 1',
      'site: { name: bufferbloat bench }',
      `platform: { endpoints: [{ name: reflector, host: ${link.nsAddr}, port: ${PORT}, protocol: tcp, checks: [] }] }`,
      `probe: { name: reflector, host: ${link.nsAddr}, port: ${PORT}, token: '\${SITEREADY_TOKEN}' }`,
      'checks:',
      '  latency: { enabled: false }',
      '  throughput: { enabled: false }',
      '  call-quality: { enabled: false }',
      '  capacity: { enabled: false }',
      ...(bufferbloat ? [`  bufferbloat: ${bufferbloat}`] : []),
      '',
    ].join('\n'),
  );
  const t0 = Date.now();
  const r = await run([NODE, BIN, 'assess', site, '--json', '--quiet'], { env: { ...process.env, SITEREADY_TOKEN: TOKEN } });
  const wallMs = Date.now() - t0;
  const result = JSON.parse(r.stdout).results.find((x) => x.check === 'bufferbloat');
  if (!result?.facts?.idle) throw new Error(`siteready: no bufferbloat measurement (${result?.status}): ${JSON.stringify(result?.facts)}`);
  const m = (id) => result.measurements.find((x) => x.id === id)?.value;
  const directions = {};
  for (const d of ['down', 'up']) {
    const ramp = result.facts.loaded[d];
    directions[d] = {
      increaseMs: round(m(`rtt-loaded-${d}-p50`) - m('rtt-idle-p50')),
      streams: m(`load-${d}-streams`),
      mbps: m(`load-${d}-mbps`),
      ramp: ramp.steps.map((s) => ({ streams: s.streams, mbps: s.mbps, rttP50: s.rttMs?.p50 ?? null })),
      stop: ramp.stop,
    };
  }
  return { status: result.status, worstMs: m('bufferbloat'), checkMs: result.durationMs, wallMs, directions };
}

/** RTTs (ms) of `ping` to the namespace end, 5 a second, for `seconds`. */
async function ping(seconds) {
  const r = await run(['ping', '-n', '-i', '0.2', '-w', String(seconds), link.nsAddr]);
  return [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((x) => Number(x[1]));
}

async function anchor() {
  const t0 = Date.now();
  const idle = summarize(await ping(3)).median;
  const directions = {};
  const T = opts.iperfTime;
  for (const d of ['down', 'up']) {
    const load = run(
      [
        'iperf3',
        '-c',
        link.nsAddr,
        '-p',
        String(IPERF_PORT),
        '-P',
        String(opts.iperfStreams),
        '-t',
        String(T),
        '-J',
        ...(d === 'down' ? ['-R'] : []),
      ],
      { timeoutMs: (T + 20) * 1000 },
    );
    // Past slow start, and off before the load ends.
    await sleep(1500);
    const rtts = await ping(Math.max(1, T - 3)); // ping takes whole seconds
    const r = await load;
    if (r.code !== 0) throw new Error(`iperf3 ${d} failed: ${r.stderr || r.stdout.slice(-500)}`);
    const mbps = JSON.parse(r.stdout).end.sum_received.bits_per_second / 1e6;
    const loaded = rtts.length ? summarize(rtts).median : NaN;
    directions[d] = { increaseMs: round(loaded - idle), streams: opts.iperfStreams, mbps: round(mbps, 2), samples: rtts.length };
    await sleep(1000); // let the queue drain before the next direction
  }
  return { idleMs: idle, wallMs: Date.now() - t0, directions };
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) throw new Error('the CLI is not built: run `npx tsc -p .` first');
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  process.on('exit', cleanup);
  const machine = machineInfo({ iperf3: spawnSync('iperf3', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim() });
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'sr-bloat-bench-'));
  const rows = [];
  try {
    setUp(opts.buffers[0]);
    const tcp = sh(['ip', 'netns', 'exec', link.ns, 'sysctl', '-n', 'net.ipv4.tcp_congestion_control']).trim();
    machine.congestionControl = { host: sh(['sysctl', '-n', 'net.ipv4.tcp_congestion_control']).trim(), namespace: tcp };
    await startInNs([NODE, BIN, 'serve', '--listen', `${link.nsAddr}:${PORT}`, '--quiet'], /reflector on/, {
      ...process.env,
      SITEREADY_TOKEN: TOKEN,
    });
    await startInNs(['iperf3', '-s', '-B', link.nsAddr, '-p', String(IPERF_PORT), '--forceflush'], /Server listening/);
    for (let round = 1; round <= opts.rounds; round++) {
      for (const buffer of opts.buffers) {
        shape(buffer);
        process.stderr.write(`  round ${round}, tbf ${opts.rate} Mbit/s, buffer ${buffer}: siteready …\n`);
        const s = await siteready(dir);
        await sleep(1000);
        let before;
        if (opts.before) {
          process.stderr.write(`  round ${round}, buffer ${buffer}: siteready with the load before the ramp …\n`);
          before = await siteready(dir, BEFORE);
          await sleep(1000);
        }
        process.stderr.write(`  round ${round}, buffer ${buffer}: iperf3 -P ${opts.iperfStreams} + ping …\n`);
        const a = await anchor();
        rows.push({ round, buffer, siteready: s, anchor: a, ...(before ? { before } : {}) });
        await sleep(1000);
      }
    }
  } finally {
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  machine.loadavgEnd = loadavg();
  const elapsedS = (Date.now() - started) / 1000;
  const w = (s) => process.stdout.write(s);
  w(
    `\n${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.iperf3}; TCP ${machine.congestionControl.host} (host) / ${machine.congestionControl.namespace} (namespace); ` +
      `load average ${machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${machine.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at end; ${elapsedS.toFixed(0)} s; commit ${gitCommit() ?? '?'}.\n\n`,
  );
  const load = (x) => `${x.streams} × ${x.mbps} Mbit/s`;
  w(
    table(
      [
        'buffer',
        'round',
        'siteready status',
        'siteready +RTT down / up ms',
        'load used down / up',
        'siteready ramp down / up (streams: ms)',
        'check s',
        'anchor +RTT down / up ms',
        'anchor load down / up',
        'anchor s',
      ],
      ['l', 'r', 'l', 'r', 'l', 'l', 'r', 'r', 'l', 'r'],
      rows.map(({ round: n, buffer, siteready: s, anchor: a }) => [
        buffer,
        n,
        s.status,
        `${s.directions.down.increaseMs} / ${s.directions.up.increaseMs}`,
        `${load(s.directions.down)} / ${load(s.directions.up)}`,
        ['down', 'up']
          .map(
            (d) =>
              `${s.directions[d].ramp.map((x) => `${x.streams}: ${x.rttP50 === null ? '–' : Math.round(x.rttP50)}`).join(', ')} (${s.directions[d].stop})`,
          )
          .join(' / '),
        (s.checkMs / 1000).toFixed(1),
        `${a.directions.down.increaseMs} / ${a.directions.up.increaseMs}`,
        `${load(a.directions.down)} / ${load(a.directions.up)}`,
        (a.wallMs / 1000).toFixed(1),
      ]),
    ) + '\n',
  );
  if (opts.before) {
    w(
      '\nThe load before the ramp (4 streams for 10 s per direction):\n\n' +
        table(
          ['buffer', 'round', 'status', '+RTT down / up ms', 'load down / up', 'check s'],
          ['l', 'r', 'l', 'r', 'l', 'r'],
          rows.map(({ round: n, buffer, before: b }) => [
            buffer,
            n,
            b.status,
            `${b.directions.down.increaseMs} / ${b.directions.up.increaseMs}`,
            `${load(b.directions.down)} / ${load(b.directions.up)}`,
            (b.checkMs / 1000).toFixed(1),
          ]),
        ) +
        '\n',
    );
  }
  if (opts.write) {
    const out = join(ROOT, 'bench', 'results', `bufferbloat-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        { benchmark: 'bufferbloat', date: new Date().toISOString(), commit: gitCommit(), machine, options: opts, elapsedS, rows },
        null,
        2,
      ),
    );
    process.stderr.write(`wrote ${out}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`bufferbloat: ${err.stack ?? err}\n`);
  cleanup();
  process.exit(1);
});
