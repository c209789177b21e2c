#!/usr/bin/env node
// Port-sweep benchmark: siteready's sweep check against nmap's TCP connect scan, side by side, on
// the same host:port targets (default 10,000), in the same run.
//
// Targets: --hosts network namespaces (default 8), each behind its own veth pair with one /30 in
// 10.233.0.0/16 (picked free of every address and route here and in other namespaces), and the
// same --ports ports on each (default 1250: 20000-21249). Inside every namespace each port is, by a
// seeded shuffle that differs per host, one of:
//   open      a listener (one node process per namespace accepts and closes on all its ports)
//   refused   nothing listens: the namespace's stack answers RST
//   filtered  iptables -j DROP in the namespace: silence
// (--mix open:refused:filtered, default 34:33:33). That assignment is the ground truth.
// The 1,000-target configuration of the first benchmark is `--hosts 4 --ports 250`.
//
// Per round (--rounds, default 3, after --warmup rounds, default 1, not recorded), in alternating
// order (the tool order reverses every round):
//   siteready  node bin/siteready.js assess <site> --json --quiet, the site holding one sweep
//              (hosts × ports); checks.sweep is left at the check's defaults unless --concurrency
//              or --timeout-ms say otherwise; one endpoint restricted to `checks: [sweep]` so
//              nothing else runs. Wall time is spawn to exit, so it includes starting the CLI; the
//              task's durationMs, facts.sweepMs (the connects alone), the number of targets in
//              facts.targets and the size of the JSON report are recorded too.
//   nmap       (the anchor) nmap -sT -Pn -n -p <ports> <hosts> -oX -: nmap's own adaptive
//              timing and retransmissions, its defaults. On a sub-millisecond link it calls a
//              port filtered after about 100 ms of silence (its --min-rtt-timeout) on each of
//              its tries.
//   nmap-pinned (informational; the first benchmark's anchor) nmap -sT -Pn -n --max-retries 0
//              --host-timeout 300s --initial-rtt-timeout T --min-rtt-timeout T --max-rtt-timeout T,
//              T = --timeout-ms: one try, "filtered" after T of silence.
// (--no-informational skips nmap-pinned.)
//
// Reported: median wall time per tool, the ratio siteready / nmap (target ≤ 1.0), and agreement:
// each tool against the ground truth, and siteready against nmap per target, mapping nmap
// open → ok, closed → refused, filtered → filtered (nmap's -sT also calls ICMP-unreachable
// answers filtered; siteready calls those unreachable, so unreachable ↔ filtered counts as agreeing,
// though none are configured here).
//
// Usage: node bench/sweep.mjs [--rounds N] [--warmup N] [--hosts N] [--ports N] [--timeout-ms MS]
//        [--concurrency N] [--mix a:b:c] [--no-informational] [--no-write]
// Needs root (ip netns, iptables), nmap, and a built CLI (`npm run build`). Exits non-zero if a run
// fails (writes nothing then); disagreements are reported, not fatal. Cleans up namespaces, veths
// and processes on exit, failure and Ctrl-C.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, gitCommit, intArg, machineInfo, summarize, table } from './lib/common.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE = process.execPath;
const CLI = join(ROOT, 'bin', 'siteready.js');
const BUILT_CHECK = join(ROOT, 'dist', 'checks', 'sweep', 'index.js');
const PORT_BASE = 20000;
const KINDS = ['open', 'refused', 'filtered'];

// ---- arguments ---------------------------------------------------------------------------------

function usage(msg) {
  if (msg) process.stderr.write(`sweep: ${msg}\n`);
  process.stderr.write(
    'usage: node bench/sweep.mjs [options]\n' +
      '  --rounds N        recorded rounds, each runs every tool once (default 3)\n' +
      '  --warmup N        unrecorded rounds first (default 1)\n' +
      '  --hosts N         namespaces, i.e. target hosts (default 8)\n' +
      '  --ports N         ports per host, from 20000 (default 1250)\n' +
      "  --timeout-ms MS   siteready connectTimeoutMs and nmap-pinned's rtt timeouts (default 1000, the check's default)\n" +
      "  --concurrency N   siteready checks.sweep.concurrency (default: not set, the check's auto)\n" +
      '  --mix a:b:c       share of open:refused:filtered ports (default 34:33:33)\n' +
      '  --no-informational    skip the informational run (nmap with pinned rtt timeouts, one try)\n' +
      '  --no-write        do not write bench/results/sweep-<timestamp>.json\n',
  );
  process.exit(msg ? 2 : 0);
}

function parseOptions(argv) {
  const mix = (raw, fail) => {
    const shares = String(raw)
      .split(':')
      .map((x) => intArg(fail, 'mix', x, 0));
    if (shares.length !== 3 || shares.reduce((x, y) => x + y, 0) === 0) fail('--mix wants three shares a:b:c, not all zero');
    return shares;
  };
  return benchArgs(
    argv,
    usage,
    {
      rounds: { default: 3, min: 1 },
      warmup: { default: 1 },
      hosts: { default: 8, min: 1, max: 64 },
      ports: { default: 1250, min: 3, max: 10000 },
      'timeout-ms': { default: 1000, min: 50, max: 60000 },
      concurrency: { default: 0, min: 1, max: 65536 },
      mix: { default: [34, 33, 33], parse: mix },
    },
    { 'no-informational': { key: 'informational', value: false }, 'no-write': { key: 'write', value: false } },
  );
}

// ---- processes and namespaces ------------------------------------------------------------------

const children = new Set();
const namespaces = [];
let tmp;

function sh(argv, input) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.error || r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.error?.message ?? r.stderr.trim() ?? r.status}`);
  return r.stdout;
}

function cleanup() {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const ns of namespaces.splice(0)) {
    spawnSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', ns.hostIf], { stdio: 'ignore' });
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
}

/** Every 10.233.x.y in use here, in any namespace, or in a route. */
function usedAddresses() {
  const text = [
    spawnSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' }).stdout,
    spawnSync('ip', ['-4', 'route'], { encoding: 'utf8' }).stdout,
    spawnSync('ip', ['-all', 'netns', 'exec', 'ip', '-4', '-o', 'addr'], { encoding: 'utf8' }).stdout,
  ].join('\n');
  return new Set([...text.matchAll(/10\.233\.(\d+)\.(\d+)/g)].map((m) => `${m[1]}.${m[2]}`));
}

/** A /30 of 10.233.0.0/16 that nothing uses (the same scheme as test/helpers/netns.ts). */
function freeBlock(used) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = randomInt(1 << 14) * 4;
    const [third, fourth] = [Math.floor(base / 256), base % 256];
    const addrs = [0, 1, 2, 3].map((k) => `${third}.${fourth + k}`);
    if (addrs.some((a) => used.has(a))) continue;
    for (const a of addrs) used.add(a);
    return { host: `10.233.${third}.${fourth + 1}`, ns: `10.233.${third}.${fourth + 2}` };
  }
  throw new Error('no free /30 in 10.233.0.0/16');
}

// Accepts and closes at once on every port given; prints once all listen.
const LISTENER = `
const net = require('node:net');
const [host, list] = process.argv.slice(1);
const ports = list ? list.split(',').map(Number) : [];
let up = 0;
if (!ports.length) console.log('listening');
for (const port of ports) {
  net.createServer((s) => { s.on('error', () => {}); s.destroy(); })
    .listen({ port, host, backlog: 1024 }, () => { if (++up === ports.length) console.log('listening'); });
}
`;

function startListener(ns, ports) {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns.name, NODE, '-e', LISTENER, ns.ip, ports.join(',')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    let out = '';
    const timer = setTimeout(() => reject(new Error(`listener in ${ns.name} not ready:\n${out}`)), 10_000);
    const onData = (d) => {
      out += d;
      if (/listening/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`listener in ${ns.name} exited ${code}:\n${out}`));
    });
  });
}

/** Seeded shuffle (LCG): the same layout every run, different per host. */
function layout(hostIndex, ports, mix) {
  let seed = 0x5eed + hostIndex * 7919;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const shuffled = [...ports];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const total = mix.reduce((a, b) => a + b, 0);
  const nOpen = Math.round((ports.length * mix[0]) / total);
  const nRefused = Math.round((ports.length * mix[1]) / total);
  const truth = new Map();
  shuffled.forEach((p, i) => truth.set(p, i < nOpen ? 'open' : i < nOpen + nRefused ? 'refused' : 'filtered'));
  return truth;
}

async function setupHosts(opts, ports) {
  const used = usedAddresses();
  for (let h = 0; h < opts.hosts; h++) {
    const tag = randomBytes(3).toString('hex');
    const block = freeBlock(used);
    const ns = { name: `sr-${process.pid}-${tag}`, hostIf: `sb${tag}h`, nsIf: `sb${tag}n`, ip: block.ns, hostIp: block.host };
    sh(['ip', 'netns', 'add', ns.name]);
    namespaces.push(ns);
    sh(['ip', 'link', 'add', ns.hostIf, 'type', 'veth', 'peer', 'name', ns.nsIf]);
    sh(['ip', 'link', 'set', ns.nsIf, 'netns', ns.name]);
    sh(['ip', 'addr', 'add', `${ns.hostIp}/30`, 'dev', ns.hostIf]);
    sh(['ip', 'link', 'set', ns.hostIf, 'up']);
    sh(['ip', '-n', ns.name, 'addr', 'add', `${ns.ip}/30`, 'dev', ns.nsIf]);
    sh(['ip', '-n', ns.name, 'link', 'set', ns.nsIf, 'up']);
    sh(['ip', '-n', ns.name, 'link', 'set', 'lo', 'up']);
    ns.truth = layout(h, ports, opts.mix);
    const byKind = (k) => ports.filter((p) => ns.truth.get(p) === k);
    const rules = ['*filter', ...byKind('filtered').map((p) => `-A INPUT -p tcp --dport ${p} -j DROP`), 'COMMIT', ''].join('\n');
    sh(['ip', 'netns', 'exec', ns.name, 'iptables-restore', '--noflush'], rules);
    await startListener(ns, byKind('open'));
  }
}

// ---- the tools ---------------------------------------------------------------------------------

function timed(argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    env: { ...process.env, NO_COLOR: '1' },
    ...opts,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || r.status !== 0)
    throw new Error(
      `${argv.slice(0, 4).join(' ')} … failed (${r.error?.message ?? `exit ${r.status}`}):\n${(r.stderr || r.stdout || '').slice(0, 2000)}`,
    );
  return { ms, stdout: r.stdout };
}

/** checks.sweep as the run sets it: only what differs from the check's defaults. */
function sweepOptions(opts) {
  return {
    ...(opts.timeoutMs !== 1000 ? { connectTimeoutMs: opts.timeoutMs } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  };
}

function writeSweepSite(opts, ports) {
  const file = join(tmp, 'site.yaml');
  const options = Object.entries(sweepOptions(opts));
  const hosts = namespaces.map((n) => n.ip);
  const anchorPort = ports.find((p) => namespaces[0].truth.get(p) === 'open') ?? ports[0];
  const yaml = [
    '# Generated by bench/sweep.mjs',
    'version: 1',
    'site:',
    '  name: sweep bench',
    'network:',
    '  sweeps:',
    '    - name: bench',
    `      hosts: [${hosts.join(', ')}]`,
    `      ports: ["${ports[0]}-${ports[ports.length - 1]}"]`,
    'platform:',
    '  endpoints:',
    // Required by the schema; restricted to the sweep check, which has nothing to do with it (no ports).
    `    - { name: anchor, host: ${hosts[0]}, port: ${anchorPort}, protocol: tcp, checks: [sweep] }`,
    ...(options.length ? ['checks:', `  sweep: { ${options.map(([k, v]) => `${k}: ${v}`).join(', ')} }`] : []),
    '',
  ].join('\n');
  writeFileSync(file, yaml);
  return file;
}

function runSiteready(site) {
  const { ms, stdout } = timed([NODE, CLI, 'assess', site, '--json', '--quiet']);
  const report = JSON.parse(stdout);
  const r = report.results.find((x) => x.check === 'sweep' && x.target === 'bench');
  if (!r || r.error)
    throw new Error(`no sweep result in the report: ${JSON.stringify(r?.error ?? report.results.map((x) => `${x.check}:${x.target}`))}`);
  const states = new Map(r.facts.targets.map((t) => [`${t.address}:${t.port}`, t.classification]));
  return {
    ms,
    taskMs: r.durationMs,
    sweepMs: r.facts.sweepMs,
    listed: r.facts.targets.length,
    jsonBytes: Buffer.byteLength(stdout),
    concurrency: r.facts.concurrency,
    retried: r.facts.retried,
    recovered: r.facts.recovered,
    states,
  };
}

function nmapArgs(opts, ports, pinned) {
  const t = `${opts.timeoutMs}ms`;
  return [
    'nmap',
    '-sT',
    '-Pn',
    '-n',
    ...(pinned
      ? ['--max-retries', '0', '--host-timeout', '300s', '--initial-rtt-timeout', t, '--min-rtt-timeout', t, '--max-rtt-timeout', t]
      : []),
    '-p',
    `${ports[0]}-${ports[ports.length - 1]}`,
    ...namespaces.map((n) => n.ip),
    '-oX',
    '-',
  ];
}

const NMAP_STATE = { open: 'ok', closed: 'refused', filtered: 'filtered' };

/** nmap XML → Map("addr:port" → ok|refused|filtered). Ports collapsed into <extraports> are listed in extrareasons ports="a,b-c". */
function parseNmap(xml) {
  const states = new Map();
  for (const host of xml.matchAll(/<host\b[\s\S]*?<\/host>/g)) {
    const addr = /<address addr="([^"]+)"/.exec(host[0])?.[1];
    if (!addr) continue;
    for (const m of host[0].matchAll(/<port protocol="tcp" portid="(\d+)"><state state="([a-z|]+)"/g))
      states.set(`${addr}:${m[1]}`, NMAP_STATE[m[2]] ?? m[2]);
    for (const ex of host[0].matchAll(/<extraports state="([a-z|]+)"[\s\S]*?<\/extraports>/g)) {
      for (const reason of ex[0].matchAll(/<extrareasons [^>]*ports="([^"]*)"/g)) {
        for (const part of reason[1].split(',').filter(Boolean)) {
          const [lo, hi = lo] = part.split('-').map(Number);
          for (let p = lo; p <= hi; p++) states.set(`${addr}:${p}`, NMAP_STATE[ex[1]] ?? ex[1]);
        }
      }
    }
  }
  return states;
}

function runNmap(opts, ports, pinned) {
  const { ms, stdout } = timed(nmapArgs(opts, ports, pinned));
  return { ms, states: parseNmap(stdout) };
}

// ---- agreement ---------------------------------------------------------------------------------

const TRUTH_AS = { open: 'ok', refused: 'refused', filtered: 'filtered' };
const same = (a, b) => a === b || (a === 'unreachable' && b === 'filtered') || (a === 'filtered' && b === 'unreachable');

function compare(states, truthKeys, reference) {
  let agree = 0;
  const off = [];
  for (const [key, want] of truthKeys) {
    const got = states.get(key);
    if (got !== undefined && same(got, reference ? reference.get(key) : want)) agree++;
    else if (off.length < 20) off.push({ target: key, got: got ?? 'missing', want: reference ? reference.get(key) : want });
  }
  return { agree, total: truthKeys.length, off };
}

// ---- output ------------------------------------------------------------------------------------

const f0 = (x) => x.toFixed(0);
const f2 = (x) => x.toFixed(2);
const pct = (a) => `${((100 * a.agree) / a.total).toFixed(1)} % (${a.agree}/${a.total})`;

// ---- main --------------------------------------------------------------------------------------

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (!existsSync(BUILT_CHECK)) throw new Error('the CLI is not built (dist/checks/sweep missing): run `npx tsc -p .` first');
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) throw new Error('needs root (ip netns, iptables)');
  const nmapVersion = spawnSync('nmap', ['--version'], { encoding: 'utf8' });
  if (nmapVersion.status !== 0) throw new Error('nmap is not installed (apt-get install -y nmap)');
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  process.on('exit', cleanup);

  const machine = machineInfo({ nmap: nmapVersion.stdout.split('\n')[0].trim() });
  const ports = Array.from({ length: opts.ports }, (_, i) => PORT_BASE + i);
  const started = Date.now();
  tmp = mkdtempSync(join(tmpdir(), 'siteready-sweep-bench-'));
  await setupHosts(opts, ports);
  const site = writeSweepSite(opts, ports);
  const truthKeys = namespaces.flatMap((ns) => ports.map((p) => [`${ns.ip}:${p}`, TRUTH_AS[ns.truth.get(p)]]));
  const counts = Object.fromEntries(KINDS.map((k) => [k, truthKeys.filter(([, v]) => v === TRUTH_AS[k]).length]));
  const srOptions = sweepOptions(opts);
  const srLabel = Object.keys(srOptions).length
    ? `checks.sweep ${Object.entries(srOptions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`
    : 'defaults';
  process.stderr.write(
    `sweep: ${truthKeys.length} targets (${opts.hosts} hosts × ${opts.ports} ports; ${KINDS.map((k) => `${counts[k]} ${k}`).join(', ')}), ` +
      `siteready at ${srLabel}, ${opts.warmup} warm-up + ${opts.rounds} rounds\n`,
  );

  const tools = [
    { id: 'siteready', run: () => runSiteready(site) },
    { id: 'nmap', run: () => runNmap(opts, ports, false) },
    ...(opts.informational ? [{ id: 'nmap-pinned', run: () => runNmap(opts, ports, true) }] : []),
  ];
  for (const t of tools) t.samples = [];
  const total = opts.warmup + opts.rounds;
  for (let round = 0; round < total; round++) {
    const warm = round < opts.warmup;
    const order = round % 2 === 0 ? tools : [...tools].reverse();
    for (const t of order) {
      const s = t.run();
      if (!warm) t.samples.push(s);
      process.stderr.write(
        `  round ${round + 1}/${total}${warm ? ' (warm-up)' : ''}: ${t.id} ${f0(s.ms)} ms` +
          `${s.sweepMs !== undefined ? ` (task ${s.taskMs} ms, sweep ${f0(s.sweepMs)} ms, ${s.listed} targets listed, ${s.retried} retried, ${s.recovered} recovered, concurrency ${s.concurrency})` : ''}\n`,
      );
    }
  }
  machine.loadavgEnd = loadavg();

  const sr = tools[0];
  const nm = tools[1];
  const pinned = tools[2];
  const stats = Object.fromEntries(tools.map((t) => [t.id, summarize(t.samples.map((s) => s.ms))]));
  const taskStats = summarize(sr.samples.map((s) => s.taskMs));
  const sweepStats = summarize(sr.samples.map((s) => s.sweepMs));
  const ratio = stats.siteready.median / stats.nmap.median;
  const listed = Math.min(...sr.samples.map((s) => s.listed));
  const jsonBytes = summarize(sr.samples.map((s) => s.jsonBytes)).median;
  // Agreement, per round, then summed: every recorded run of every tool.
  const sum = (list) =>
    list.reduce((a, c) => ({ agree: a.agree + c.agree, total: a.total + c.total, off: [...a.off, ...c.off].slice(0, 20) }), {
      agree: 0,
      total: 0,
      off: [],
    });
  const agreement = {
    siteready_truth: sum(sr.samples.map((s) => compare(s.states, truthKeys))),
    nmap_truth: sum(nm.samples.map((s) => compare(s.states, truthKeys))),
    siteready_nmap: sum(sr.samples.map((s, i) => compare(s.states, truthKeys, nm.samples[i].states))),
    ...(pinned ? { nmapPinned_truth: sum(pinned.samples.map((s) => compare(s.states, truthKeys))) } : {}),
  };

  const target = 1.0;
  const w = (s) => process.stdout.write(s);
  w(
    `\n${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.nmap}, kernel ${machine.kernel}; load average ${machine.loadavgStart.map(f2).join(' ')} at start, ${machine.loadavgEnd.map(f2).join(' ')} at end; ${((Date.now() - started) / 1000).toFixed(0)} s.\n`,
  );
  w(
    `\n### ${truthKeys.length} targets (${opts.hosts} namespaced hosts × ${opts.ports} ports: ${KINDS.map((k) => `${counts[k]} ${k}`).join(', ')}), siteready at ${srLabel}, ${opts.rounds} interleaved rounds\n\n`,
  );
  const rows = [
    [
      `\`siteready assess\` (wall, CLI start included; concurrency ${sr.samples[0].concurrency})`,
      f0(stats.siteready.median),
      f0(stats.siteready.p10),
      f0(stats.siteready.p90),
      `**${f2(ratio)}×**`,
      pct(agreement.siteready_truth),
    ],
    [
      '↳ sweep task (`durationMs`, in process)',
      f0(taskStats.median),
      f0(taskStats.p10),
      f0(taskStats.p90),
      `${f2(taskStats.median / stats.nmap.median)}×`,
      '',
    ],
    [
      '↳ connects only (`facts.sweepMs`)',
      f0(sweepStats.median),
      f0(sweepStats.p10),
      f0(sweepStats.p90),
      `${f2(sweepStats.median / stats.nmap.median)}×`,
      '',
    ],
    [
      '`nmap -sT -Pn -n`, its adaptive timing (anchor)',
      f0(stats.nmap.median),
      f0(stats.nmap.p10),
      f0(stats.nmap.p90),
      '1.00×',
      pct(agreement.nmap_truth),
    ],
    ...(pinned
      ? [
          [
            `\`nmap -sT\`, one try, rtt timeouts pinned to ${opts.timeoutMs} ms (informational)`,
            f0(stats['nmap-pinned'].median),
            f0(stats['nmap-pinned'].p10),
            f0(stats['nmap-pinned'].p90),
            `${f2(stats['nmap-pinned'].median / stats.nmap.median)}× (siteready: ${f2(stats.siteready.median / stats['nmap-pinned'].median)}× of it)`,
            pct(agreement.nmapPinned_truth),
          ],
        ]
      : []),
  ];
  w(
    `${table(['run', 'median ms', 'p10 ms', 'p90 ms', 'ratio to nmap', 'matches ground truth'], ['l', 'r', 'r', 'r', 'r', 'r'], rows)}\n\n`,
  );
  w(
    `siteready vs nmap, per target and round: ${pct(agreement.siteready_nmap)} agree (open→ok, closed→refused, filtered→filtered).\n` +
      `facts.targets lists ${listed} of ${truthKeys.length} targets in every round; the JSON report is ${(jsonBytes / 2 ** 20).toFixed(2)} MiB; ` +
      `second connects per run: ${sr.samples.map((s) => `${s.retried} (${s.recovered} answered)`).join(', ')}.\n`,
  );
  for (const [k, a] of Object.entries(agreement))
    if (a.off.length) w(`  ${k} disagreements (first ${a.off.length}): ${a.off.map((o) => `${o.target} ${o.got}≠${o.want}`).join(', ')}\n`);
  const met = ratio <= target && agreement.siteready_nmap.agree === agreement.siteready_nmap.total && listed === truthKeys.length;
  w(
    `Target: siteready / nmap ≤ ${f2(target)}× with 100 % agreement and every target in the JSON — ${met ? 'met' : 'missed'} (${f2(ratio)}×, ${pct(agreement.siteready_nmap)}, ${listed}/${truthKeys.length} listed).\n`,
  );

  if (opts.write) {
    const now = new Date();
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `sweep-${now.toISOString().replace(/[:.]/g, '-')}.json`);
    const result = {
      benchmark: 'sweep',
      date: now.toISOString(),
      command: `node bench/sweep.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      commit: gitCommit(),
      machine,
      options: opts,
      targets: { total: truthKeys.length, ...counts },
      commands: {
        siteready: `node bin/siteready.js assess <site: checks.sweep at ${srLabel}> --json --quiet`,
        nmap: nmapArgs(opts, ports, false).join(' '),
        ...(pinned ? { nmapPinned: nmapArgs(opts, ports, true).join(' ') } : {}),
      },
      target: {
        maxRatio: target,
        ratio,
        agreement: agreement.siteready_nmap.agree / agreement.siteready_nmap.total,
        listed,
        met,
      },
      results: {
        ...Object.fromEntries(
          tools.map((t) => [
            t.id,
            {
              medianMs: stats[t.id].median,
              p10Ms: stats[t.id].p10,
              p90Ms: stats[t.id].p90,
              minMs: stats[t.id].min,
              maxMs: stats[t.id].max,
              samplesMs: t.samples.map((s) => s.ms),
            },
          ]),
        ),
        sitereadyTask: { medianMs: taskStats.median, samplesMs: sr.samples.map((s) => s.taskMs) },
        sitereadySweep: { medianMs: sweepStats.median, samplesMs: sr.samples.map((s) => s.sweepMs) },
        sitereadyReport: {
          concurrency: sr.samples[0].concurrency,
          jsonBytes: sr.samples.map((s) => s.jsonBytes),
          listed: sr.samples.map((s) => s.listed),
          retried: sr.samples.map((s) => s.retried),
          recovered: sr.samples.map((s) => s.recovered),
        },
      },
      agreement: Object.fromEntries(
        Object.entries(agreement).map(([k, a]) => [k, { agree: a.agree, total: a.total, firstDisagreements: a.off }]),
      ),
    };
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    w(`\nWrote ${relative(process.cwd(), file) || file}\n`);
  }
}

main()
  .catch((err) => {
    process.stderr.write(`\nsweep: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(cleanup);
