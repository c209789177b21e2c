#!/usr/bin/env node
// Media-path benchmark without a reflector: the latency check's STUN far end (a coturn answering
// Binding requests) side by side with siteready's own reflector and with `ping`, on the same veth,
// in the same run.
//
// Setup: one network namespace behind a veth pair (a /30 whose third octet in 10.233.0.0/16 no
// interface, route or other namespace uses), and inside it
//   coturn     turnserver -n --listening-ip NS --relay-ip NS --listening-port 3478 --no-tls
//              --no-dtls --no-cli --fingerprint --no-auth … (Binding needs no credentials)
//   reflector  node bin/siteready.js serve --listen NS:7000 --token-file F --quiet
// All traffic goes from this host to the namespace's address; nothing else is contacted.
//
// Part "agreement" (no injected loss), --rounds R rounds (default 5), the order of the three
// rotating every round, each for --duration D seconds (default 10) at the audio cadence (50/s):
//   stun       node bin/siteready.js run latency stun:NS:3478 --profile audio --duration D --json
//   reflector  node bin/siteready.js run latency NS:7000 --token-file F --profile audio --duration D --json
//   ping       ping -n -i 0.02 -s 28 -c 50·D NS (the anchor; -s 28 makes its IP packet 56 bytes,
//              the size of a STUN Binding request with FINGERPRINT). Its per-packet times go
//              through siteready's own statistics (summariseStunStream from the build), so
//              p50, p95 and the RFC 3550 round-trip jitter are computed exactly as for the STUN
//              stream; its own mdev (a standard deviation) is recorded next to them.
// Reported: medians over rounds of RTT p50 / p95, round-trip jitter and loss, and the ratios
// (of medians) siteready-STUN p50 / ping p50 and siteready-reflector p50 / ping p50. ICMP echo is
// answered inside the kernel; both UDP far ends are user-space processes on both sides, so the
// ratios are above 1 on a veth, not 1.
//
// Part "loss": iptables in the namespace sends every UDP datagram to port 3478 through a chain
// of its own: a counting rule (all requests that arrive) and `-m statistic --mode random
// --probability P -j DROP` (default P 0.03). Each round, one STUN stream
// (`run latency stun:… --profile video` by default: 160 requests/s, more requests per second
// for a smaller σ), with the chain's packet counters read before and after
// (`iptables -L CHAIN -v -x -n`). Truth = dropped / sent (sent from the report's facts);
// reported: the measured loss against the truth (error in points, per round and median), the
// drawn loss against P, and the binomial σ = √(P(1 − P) / n) with n = sent.
//
// Usage: node bench/stun-far-end.mjs [--rounds N] [--duration S] [--loss-rounds N]
//        [--loss-duration S] [--loss-profile audio|video] [--probability P] [--ping-size BYTES]
//        [--parts agreement,loss] [--no-write]
// Needs root (ip netns, iptables), coturn (turnserver), ping (iputils) and a built CLI
// (`npx tsc -p .`). About 4 minutes with the defaults. Exits non-zero if a run fails (writes
// nothing then). Cleans up processes, iptables rules, the namespace and its veth pair on exit,
// failure and Ctrl-C / SIGTERM; cleanup is idempotent.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { benchArgs, gitCommit, machineInfo, summarize, table } from './lib/common.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE = process.execPath;
const CLI = join(ROOT, 'bin', 'siteready.js');
const STUN_STREAM_JS = join(ROOT, 'dist', 'src', 'probe', 'stun-stream.js');
const STUN_CLIENT_JS = join(ROOT, 'dist', 'src', 'net', 'stun-client.js');
const STUN_PORT = 3478;
const REFLECTOR_PORT = 7000;
const CHAIN = 'SRSTUNLOSS';
const PROFILE_PPS = { audio: 50, video: 160 };
const CONTENDERS = ['stun', 'reflector', 'ping'];
const PARTS = ['agreement', 'loss'];

// ---- arguments ---------------------------------------------------------------------------------

function usage(msg) {
  if (msg) process.stderr.write(`stun-far-end: ${msg}\n`);
  process.stderr.write(
    'usage: node bench/stun-far-end.mjs [options]\n' +
      '  --rounds N            agreement rounds: STUN, reflector and ping once each (default 5)\n' +
      '  --duration S          length of each agreement stream, seconds (default 10)\n' +
      '  --loss-rounds N       loss rounds (default: --rounds)\n' +
      '  --loss-duration S     length of each loss stream, seconds (default: --duration)\n' +
      '  --loss-profile P      audio or video, the cadence of the loss streams (default video)\n' +
      '  --probability P       share of STUN requests dropped in the loss part (default 0.03)\n' +
      '  --ping-size BYTES     ping payload; 28 makes a 56-byte IP packet like a STUN request (default 28)\n' +
      '  --parts LIST          any of agreement,loss (default both)\n' +
      '  --no-write            do not write bench/results/stun-far-end-<timestamp>.json\n',
  );
  process.exit(msg ? 2 : 0);
}

const seconds = (name) => (raw, fail) => {
  const n = Number(raw);
  // The CLI's --duration accepts 0.5–60 s; the schedule is 50 or 160 packets a second.
  if (!(n >= 1 && n <= 60)) fail(`--${name} must be 1–60 seconds, got ${raw}`);
  return n;
};
const opts = benchArgs(
  process.argv.slice(2),
  usage,
  {
    rounds: { default: 5, min: 1 },
    duration: { default: 10, parse: seconds('duration') },
    'loss-rounds': { default: undefined, min: 1 },
    'loss-duration': { default: undefined, parse: seconds('loss-duration') },
    'loss-profile': {
      default: 'video',
      parse: (raw, fail) => (raw in PROFILE_PPS ? raw : fail(`--loss-profile must be audio or video, got ${raw}`)),
    },
    probability: {
      default: 0.03,
      parse: (raw, fail) => {
        const p = Number(raw);
        if (!(p > 0 && p < 0.5)) fail(`--probability must be in (0, 0.5), got ${raw}`);
        return p;
      },
    },
    'ping-size': { default: 28, min: 16, max: 1400 },
    parts: {
      default: [...PARTS],
      parse: (raw, fail) => {
        const list = String(raw).split(',');
        for (const x of list) if (!PARTS.includes(x)) fail(`unknown part ${x} (use ${PARTS.join(',')})`);
        return list;
      },
    },
  },
  { 'no-write': { key: 'write', value: false } },
);
opts.lossRounds ??= opts.rounds;
opts.lossDuration ??= opts.duration;

// ---- processes, the namespace, cleanup ---------------------------------------------------------

const children = new Set();
const lab = { ns: undefined, hostIf: undefined, nsIf: undefined, hostIp: undefined, nsIp: undefined, rules: false, tmp: undefined };

function sh(argv, input) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.error || r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.error?.message ?? (r.stderr.trim() || r.status)}`);
  return r.stdout;
}
const quiet = (argv) => spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
const inNs = (argv) => ['ip', 'netns', 'exec', lab.ns, ...argv];
const nsIptables = (args) => inNs(['iptables', '-w', ...args]);

// The jump from INPUT, and the chain's two rules: count every request, drop a random share.
const JUMP = ['INPUT', '-p', 'udp', '--dport', String(STUN_PORT), '-j', CHAIN];

function removeRules() {
  if (!lab.rules || !lab.ns) return;
  quiet(nsIptables(['-D', ...JUMP]));
  quiet(nsIptables(['-F', CHAIN]));
  quiet(nsIptables(['-X', CHAIN]));
  lab.rules = false;
}

/** Synchronous and idempotent: safe from 'exit', from a signal, and twice. */
function cleanup() {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  removeRules();
  if (lab.ns) quiet(['ip', 'netns', 'del', lab.ns]);
  if (lab.hostIf) quiet(['ip', 'link', 'del', lab.hostIf]);
  lab.ns = lab.hostIf = undefined;
  if (lab.tmp) rmSync(lab.tmp, { recursive: true, force: true });
  lab.tmp = undefined;
}

/** A third octet of 10.233.0.0/16 that no interface here or in any namespace uses, nor any route. */
function freeOctet() {
  const seen = [
    spawnSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' }).stdout,
    spawnSync('ip', ['-4', 'route'], { encoding: 'utf8' }).stdout,
    spawnSync('ip', ['-all', 'netns', 'exec', 'ip', '-4', '-o', 'addr'], { encoding: 'utf8' }).stdout,
  ].join('\n');
  const used = new Set([...seen.matchAll(/10\.233\.(\d+)\./g)].map((m) => Number(m[1])));
  const free = Array.from({ length: 254 }, (_, i) => i + 1).filter((k) => !used.has(k));
  if (!free.length) throw new Error('no free /24 in 10.233.0.0/16');
  return free[Math.floor(Math.random() * free.length)];
}

function setupNamespace() {
  const tag = randomBytes(3).toString('hex');
  const k = freeOctet();
  lab.hostIp = `10.233.${k}.1`;
  lab.nsIp = `10.233.${k}.2`;
  const ns = `srstun-${process.pid}-${tag}`;
  sh(['ip', 'netns', 'add', ns]);
  lab.ns = ns;
  sh(['ip', 'link', 'add', `ss${tag}h`, 'type', 'veth', 'peer', 'name', `ss${tag}n`, 'netns', ns]);
  lab.hostIf = `ss${tag}h`;
  lab.nsIf = `ss${tag}n`;
  sh(['ip', 'addr', 'add', `${lab.hostIp}/30`, 'dev', lab.hostIf]);
  sh(['ip', 'link', 'set', lab.hostIf, 'up']);
  sh(['ip', '-n', ns, 'addr', 'add', `${lab.nsIp}/30`, 'dev', lab.nsIf]);
  sh(['ip', '-n', ns, 'link', 'set', lab.nsIf, 'up']);
  sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
}

/** Runs a command to completion (asynchronously, so a signal can still stop it). */
function run(argv, { timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts a long-running process inside the namespace and waits for `ready` in its output. */
function startInNs(name, argv, ready, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    // `ip netns exec` execs the command: the pid is the server's own.
    const child = spawn('ip', ['netns', 'exec', lab.ns, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(child);
    };
    const timer = setTimeout(() => finish(new Error(`${name} not ready after ${timeoutMs} ms:\n${out.slice(-2000)}`)), timeoutMs);
    const onData = (d) => {
      out += d;
      if (ready.test(out)) finish();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => finish(err));
    child.once('exit', (code, signal) => {
      children.delete(child);
      finish(new Error(`${name} exited (${code ?? signal}):\n${out.slice(-2000)}`));
    });
  });
}

async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(t);
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

async function startServers(stunBinding) {
  const tmp = lab.tmp;
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(tmp, 'token'), token, { mode: 0o600 });
  const reflector = await startInNs(
    'reflector',
    [NODE, CLI, 'serve', '--listen', `${lab.nsIp}:${REFLECTOR_PORT}`, '--token-file', join(tmp, 'token'), '--quiet'],
    /siteready reflector on/,
  );
  const coturn = await startInNs(
    'coturn',
    [
      'turnserver',
      '-n',
      '--listening-ip',
      lab.nsIp,
      '--relay-ip',
      lab.nsIp,
      '--listening-port',
      String(STUN_PORT),
      '--min-port',
      '40000',
      '--max-port',
      '40049',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--fingerprint',
      '--no-auth',
      '--userdb',
      join(tmp, 'turndb'),
      '--pidfile',
      join(tmp, 'turnserver.pid'),
      '--log-file',
      'stdout',
      '--simple-log',
    ],
    /Total General servers|SQLite DB connection success/,
  );
  // The log says the servers exist; a Binding answered says the UDP listener is open.
  for (let i = 0; ; i++) {
    const ok = await stunBinding({ transport: 'udp', address: lab.nsIp, port: STUN_PORT }, { timeoutMs: 300 }).then(
      () => true,
      () => false,
    );
    if (ok) break;
    if (i > 30) throw new Error('coturn never answered a Binding request');
    await delay(100);
  }
  return { reflector, coturn, tokenFile: join(tmp, 'token') };
}

// ---- the contenders ----------------------------------------------------------------------------

/** One `siteready run latency` run; its latency facts (without the chart series' points kept apart). */
async function siteready(target, profile, duration, extra = []) {
  const argv = [NODE, CLI, 'run', 'latency', target, '--profile', profile, '--duration', String(duration), '--json', ...extra];
  const t0 = Date.now();
  const r = await run(argv, { timeoutMs: (duration + 40) * 1000 });
  const wallMs = Date.now() - t0;
  let result;
  try {
    result = JSON.parse(r.stdout).results?.[0];
  } catch {
    // reported below
  }
  // A failing verdict (e.g. under injected loss) may set a non-zero exit code; missing facts may not.
  if (!result || typeof result.facts?.sent !== 'number' || result.facts.rttMs === undefined)
    throw new Error(
      `${argv.slice(1).join(' ')} exited ${r.code ?? r.signal} without latency facts:\n${r.stderr.slice(-2000)}${r.stdout.slice(0, 2000)}`,
    );
  const { series, ...facts } = result.facts;
  return { wallMs, exitCode: r.code, status: result.status, facts, series: series ?? [] };
}

/** RFC 3550 §6.4.1's estimator over successive round trips, ms. */
function rfc3550(rtts) {
  let j = 0;
  for (let i = 1; i < rtts.length; i++) j += (Math.abs(rtts[i] - rtts[i - 1]) - j) / 16;
  return rtts.length > 1 ? j : null;
}

/** The same estimator over a report's chart series (every ⌈n/300⌉-th probe that came back). */
const seriesJitter = (series) => rfc3550(series.map((p) => p[1]));

async function ping(duration, size, summarise) {
  const count = Math.round(duration * PROFILE_PPS.audio);
  const interval = 1 / PROFILE_PPS.audio;
  const argv = [
    'ping',
    '-n',
    '-i',
    String(interval),
    '-s',
    String(size),
    '-c',
    String(count),
    '-w',
    String(Math.ceil(duration) + 5),
    lab.nsIp,
  ];
  const t0 = Date.now();
  const r = await run(argv, { timeoutMs: (duration + 20) * 1000 });
  const wallMs = Date.now() - t0;
  if (r.code !== 0 && r.code !== 1) throw new Error(`${argv.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr}${r.stdout.slice(-1000)}`);
  const rttMs = new Float64Array(count).fill(NaN);
  const sendMs = Float64Array.from({ length: count }, (_, i) => i * interval * 1000);
  const arrivals = [];
  let duplicates = 0;
  for (const m of r.stdout.matchAll(/icmp_seq=(\d+) .*?time=([\d.]+) ms( \(DUP!\))?/g)) {
    const i = Number(m[1]) - 1;
    if (i < 0 || i >= count) continue;
    if (m[3] || !Number.isNaN(rttMs[i])) {
      duplicates++;
      continue;
    }
    rttMs[i] = Number(m[2]);
    arrivals.push(i);
  }
  const summary = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(r.stdout);
  const tx = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (!summary || !tx) throw new Error(`cannot read ping's output:\n${r.stdout.slice(-1000)}${r.stderr}`);
  const sent = Number(tx[1]);
  // siteready's own statistics over ping's per-packet times: p50/p95 (nearest rank), the RFC 3550
  // round-trip jitter in arrival order, loss.
  const s = summarise({
    pps: PROFILE_PPS.audio,
    sent,
    sendMs,
    rttMs,
    arrivals,
    duplicates,
    junk: { oversize: 0, notStun: 0, badFingerprint: 0, otherMessages: 0, foreignTransactions: 0, errorResponses: 0 },
    blocked: false,
  });
  const step = Math.max(1, Math.ceil(sent / 300));
  const thinned = [];
  for (let i = 0; i < sent; i += step) if (!Number.isNaN(rttMs[i])) thinned.push(rttMs[i]);
  return {
    wallMs,
    sent,
    received: Number(tx[2]),
    rttMs: s.rttMs,
    rttJitterMs: s.rttJitterMs,
    seriesJitterMs: rfc3550(thinned),
    lossPercent: s.lossPercent,
    mdevMs: Number(summary[4]),
    avgMs: Number(summary[2]),
  };
}

// ---- the parts ---------------------------------------------------------------------------------

async function agreementPart(servers, summarise) {
  const rounds = [];
  for (let r = 0; r < opts.rounds; r++) {
    const order = CONTENDERS.map((_, i) => CONTENDERS[(i + r) % CONTENDERS.length]);
    const round = { round: r + 1, order };
    for (const who of order) {
      if (who === 'stun') {
        const x = await siteready(`stun:${lab.nsIp}:${STUN_PORT}`, 'audio', opts.duration);
        round.stun = { ...x, seriesJitterMs: seriesJitter(x.series), series: undefined };
      } else if (who === 'reflector') {
        const x = await siteready(`${lab.nsIp}:${REFLECTOR_PORT}`, 'audio', opts.duration, ['--token-file', servers.tokenFile]);
        round.reflector = { ...x, seriesJitterMs: seriesJitter(x.series), series: undefined };
      } else {
        round.ping = await ping(opts.duration, opts.pingSize, summarise);
      }
    }
    const p = round.ping.rttMs.p50;
    round.ratioStun = round.stun.facts.rttMs.p50 / p;
    round.ratioReflector = round.reflector.facts.rttMs.p50 / p;
    process.stderr.write(
      `  round ${r + 1}/${opts.rounds} (${order.join(', ')}): p50 stun ${round.stun.facts.rttMs.p50} ms, reflector ${round.reflector.facts.rttMs.p50} ms, ping ${p} ms\n`,
    );
    rounds.push(round);
  }
  const med = (f) => summarize(rounds.map(f).filter((v) => typeof v === 'number'));
  const summary = {
    stun: {
      p50: med((x) => x.stun.facts.rttMs.p50),
      p95: med((x) => x.stun.facts.rttMs.p95),
      rttJitter: med((x) => x.stun.facts.rttJitterMs),
      seriesJitter: med((x) => x.stun.seriesJitterMs),
      loss: med((x) => x.stun.facts.lossPercent),
      sent: med((x) => x.stun.facts.sent),
      ratio: med((x) => x.ratioStun),
    },
    reflector: {
      p50: med((x) => x.reflector.facts.rttMs.p50),
      p95: med((x) => x.reflector.facts.rttMs.p95),
      seriesJitter: med((x) => x.reflector.seriesJitterMs),
      jitterUp: med((x) => x.reflector.facts.jitterUpMs),
      jitterDown: med((x) => x.reflector.facts.jitterDownMs),
      loss: med((x) => x.reflector.facts.lossPercent),
      sent: med((x) => x.reflector.facts.sent),
      ratio: med((x) => x.ratioReflector),
    },
    ping: {
      p50: med((x) => x.ping.rttMs.p50),
      p95: med((x) => x.ping.rttMs.p95),
      rttJitter: med((x) => x.ping.rttJitterMs),
      seriesJitter: med((x) => x.ping.seriesJitterMs),
      mdev: med((x) => x.ping.mdevMs),
      loss: med((x) => x.ping.lossPercent),
      sent: med((x) => x.ping.sent),
    },
  };
  summary.stun.ratioOfMedians = summary.stun.p50.median / summary.ping.p50.median;
  summary.reflector.ratioOfMedians = summary.reflector.p50.median / summary.ping.p50.median;
  summary.stunVsReflectorP50Ms = summary.stun.p50.median - summary.reflector.p50.median;
  // What user space on both ends adds to the kernel's echo, in ms: the ratio's numerator.
  summary.stun.overPingP50Ms = summary.stun.p50.median - summary.ping.p50.median;
  summary.reflector.overPingP50Ms = summary.reflector.p50.median - summary.ping.p50.median;
  return { rounds, summary };
}

/** The chain's counters: requests that arrived, requests dropped. */
function counters() {
  const out = sh(nsIptables(['-L', CHAIN, '-v', '-x', '-n']));
  const read = (tag) => {
    const line = out.split('\n').find((l) => l.includes(`/* ${tag} */`));
    if (!line) throw new Error(`no rule ${tag} in chain ${CHAIN}:\n${out}`);
    return Number(line.trim().split(/\s+/)[0]);
  };
  return { seen: read('sr-seen'), dropped: read('sr-drop') };
}

function installRules() {
  sh(nsIptables(['-N', CHAIN]));
  lab.rules = true;
  sh(nsIptables(['-A', CHAIN, '-m', 'comment', '--comment', 'sr-seen']));
  sh(
    nsIptables([
      '-A',
      CHAIN,
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      String(opts.probability),
      '-m',
      'comment',
      '--comment',
      'sr-drop',
      '-j',
      'DROP',
    ]),
  );
  sh(nsIptables(['-I', ...JUMP]));
}

async function lossPart() {
  installRules();
  const P = opts.probability;
  const rounds = [];
  try {
    for (let r = 0; r < opts.lossRounds; r++) {
      const before = counters();
      const x = await siteready(`stun:${lab.nsIp}:${STUN_PORT}`, opts.lossProfile, opts.lossDuration);
      const after = counters();
      const f = x.facts;
      const seen = after.seen - before.seen;
      const dropped = after.dropped - before.dropped;
      const measured = (100 * (f.sent - f.replies)) / f.sent;
      const truth = (100 * dropped) / f.sent;
      const sigma = 100 * Math.sqrt((P * (1 - P)) / f.sent);
      const round = {
        round: r + 1,
        sent: f.sent,
        replies: f.replies,
        seenAtInput: seen,
        dropped,
        truthPercent: truth,
        measuredPercent: measured,
        reportedLossPercent: f.lossPercent,
        errorPoints: measured - truth,
        drawnMinusP: truth - 100 * P,
        sigmaPoints: sigma,
        status: x.status,
        exitCode: x.exitCode,
        duplicates: f.duplicates,
        rttP50Ms: f.rttMs?.p50,
        burstRatio: f.burstRatio,
      };
      process.stderr.write(
        `  round ${r + 1}/${opts.lossRounds}: sent ${f.sent}, arrived ${seen}, dropped ${dropped} (${truth.toFixed(3)} %), measured ${measured.toFixed(3)} %\n`,
      );
      rounds.push(round);
    }
  } finally {
    removeRules();
  }
  const summary = {
    probability: P,
    errorPoints: summarize(rounds.map((x) => x.errorPoints)),
    absErrorPoints: summarize(rounds.map((x) => Math.abs(x.errorPoints))),
    truthPercent: summarize(rounds.map((x) => x.truthPercent)),
    measuredPercent: summarize(rounds.map((x) => x.measuredPercent)),
    sigmaPoints: summarize(rounds.map((x) => x.sigmaPoints)),
    drawnMinusP: summarize(rounds.map((x) => x.drawnMinusP)),
    allArrived: rounds.every((x) => x.seenAtInput === x.sent),
  };
  return { rounds, summary };
}

// ---- output ------------------------------------------------------------------------------------

const f3 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(3));
const f2 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(2));
const signed = (v, d = 3) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(d)}`;
const range = (s, f = f3) => `${f(s.min)}–${f(s.max)}`;
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function agreementTable(a) {
  const { stun, reflector, ping: pg } = a.summary;
  return table(
    [
      'far end',
      'RTT p50 ms',
      'min–max',
      'RTT p95 ms',
      'RTT jitter ms ¹',
      'jitter over series ms ²',
      'loss %',
      'p50 / ping p50 ³',
      'per-round ratio',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    [
      [
        `siteready → coturn (\`run latency stun:…\`, ${stun.sent.median} requests)`,
        f3(stun.p50.median),
        range(stun.p50),
        f3(stun.p95.median),
        f3(stun.rttJitter.median),
        f3(stun.seriesJitter.median),
        f2(stun.loss.median),
        `**${f2(stun.ratioOfMedians)}×**`,
        `${f2(stun.ratio.min)}–${f2(stun.ratio.max)}`,
      ],
      [
        `siteready → reflector (\`run latency HOST:PORT\`, ${reflector.sent.median} probes)`,
        f3(reflector.p50.median),
        range(reflector.p50),
        f3(reflector.p95.median),
        `one-way ${f3(reflector.jitterUp.median)} up / ${f3(reflector.jitterDown.median)} down`,
        f3(reflector.seriesJitter.median),
        f2(reflector.loss.median),
        `**${f2(reflector.ratioOfMedians)}×**`,
        `${f2(reflector.ratio.min)}–${f2(reflector.ratio.max)}`,
      ],
      [
        `\`ping -i 0.02 -s ${opts.pingSize}\` (anchor, ${pg.sent.median} echoes)`,
        f3(pg.p50.median),
        range(pg.p50),
        f3(pg.p95.median),
        `${f3(pg.rttJitter.median)} (mdev ${f3(pg.mdev.median)})`,
        f3(pg.seriesJitter.median),
        f2(pg.loss.median),
        '1.00×',
        '',
      ],
    ],
  );
}

function lossTable(l) {
  const rows = l.rounds.map((x) => [
    String(x.round),
    String(x.sent),
    String(x.seenAtInput),
    String(x.dropped),
    f3(x.truthPercent),
    f3(x.measuredPercent),
    signed(x.errorPoints),
    signed(x.drawnMinusP, 2),
    f2(x.sigmaPoints),
  ]);
  const s = l.summary;
  rows.push([
    '**median**',
    '',
    '',
    '',
    f3(s.truthPercent.median),
    f3(s.measuredPercent.median),
    `**${signed(s.errorPoints.median)}**`,
    signed(s.drawnMinusP.median, 2),
    f2(s.sigmaPoints.median),
  ]);
  return table(
    [
      'round',
      'sent',
      'arrived at INPUT',
      'dropped (rule counter)',
      'truth %',
      'measured %',
      'error, points',
      'drawn − P, points',
      'binomial σ, points',
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows,
  );
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) throw new Error('needs root (ip netns, iptables)');
  if (!existsSync(STUN_STREAM_JS)) throw new Error('the CLI is not built: run `npx tsc -p .` first');
  const coturnVersion = spawnSync('turnserver', ['--version'], { encoding: 'utf8' });
  if (coturnVersion.error) throw new Error('coturn is not installed (turnserver)');
  const pingVersion = spawnSync('ping', ['-V'], { encoding: 'utf8' });
  if (pingVersion.error) throw new Error('ping is not installed (iputils-ping)');
  const { summariseStunStream } = await import(STUN_STREAM_JS);
  const { stunBinding } = await import(STUN_CLIENT_JS);

  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  process.on('exit', cleanup);

  const machine = machineInfo({
    coturn: `coturn ${`${coturnVersion.stdout}${coturnVersion.stderr}`.trim().split('\n')[0]}`,
    ping: `${pingVersion.stdout}`.trim().split('\n')[0],
  });
  const started = Date.now();
  const result = {
    benchmark: 'stun-far-end',
    date: new Date().toISOString(),
    command: `node bench/stun-far-end.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    commit: gitCommit(),
    machine,
    options: opts,
  };

  try {
    lab.tmp = mkdtempSync(join(tmpdir(), 'sr-bench-stun-'));
    setupNamespace();
    const servers = await startServers(stunBinding);
    result.lab = { hostIp: lab.hostIp, nsIp: lab.nsIp, stunPort: STUN_PORT, reflectorPort: REFLECTOR_PORT };
    if (opts.parts.includes('agreement')) {
      process.stderr.write(
        `stun-far-end: agreement, ${plural(opts.rounds, 'round')} × (STUN, reflector, ping), ${opts.duration} s each at 50/s, ${lab.hostIp} → ${lab.nsIp}\n`,
      );
      result.agreement = await agreementPart(servers, summariseStunStream);
    }
    if (opts.parts.includes('loss')) {
      process.stderr.write(
        `stun-far-end: loss, ${plural(opts.lossRounds, 'round')} of ${opts.lossDuration} s ${opts.lossProfile} STUN streams, P = ${opts.probability}\n`,
      );
      result.loss = await lossPart();
    }
    await stopChild(servers.reflector);
    await stopChild(servers.coturn);
  } finally {
    cleanup();
  }
  machine.loadavgEnd = loadavg();
  result.elapsedS = (Date.now() - started) / 1000;

  const w = (s) => process.stdout.write(s);
  w(
    `\n${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.coturn}, ${machine.ping}; load average ${machine.loadavgStart
      .map((x) => x.toFixed(2))
      .join(' ')} at start, ${machine.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at end; ${result.elapsedS.toFixed(0)} s.\n`,
  );
  if (result.agreement) {
    const s = result.agreement.summary;
    w(`\n### Agreement (no injected loss): medians over ${plural(opts.rounds, 'round')} of ${opts.duration} s, audio cadence (50/s)\n\n`);
    w(`${agreementTable(result.agreement)}\n\n`);
    w(
      "¹ RFC 3550 §6.4.1 over successive round trips (the STUN check's `rttJitterMs`; for ping the same function over its per-packet times). The reflector reports one-way jitter per direction instead.\n" +
        "² the same estimator over the report's chart series (every ⌈n/300⌉-th probe), computed alike for all three.\n" +
        '³ ratio of the medians over rounds; ICMP echo is answered in the kernel, the UDP far ends in user space.\n\n',
    );
    w(
      `p50 − ping p50: STUN ${signed(s.stun.overPingP50Ms)} ms, reflector ${signed(s.reflector.overPingP50Ms)} ms; ` +
        `STUN p50 − reflector p50: ${signed(s.stunVsReflectorP50Ms)} ms.\n`,
    );
  }
  if (result.loss) {
    const s = result.loss.summary;
    w(
      `\n### Loss: ${(100 * opts.probability).toFixed(1)} % of STUN requests dropped at random (iptables statistic), ${opts.lossProfile} cadence, ${opts.lossDuration} s per round\n\n`,
    );
    w(`${lossTable(result.loss)}\n\n`);
    w(
      `Median |error| ${f3(s.absErrorPoints.median)} points (max ${f3(s.absErrorPoints.max)}); every request arrived at INPUT: ${s.allArrived ? 'yes' : 'no'}.\n`,
    );
  }

  if (opts.write) {
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `stun-far-end-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`Wrote ${relative(ROOT, file)}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`stun-far-end: ${err.stack ?? err}\n`);
  cleanup();
  process.exit(1);
});
