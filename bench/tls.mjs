#!/usr/bin/env node
// TLS audit benchmark: `siteready run tls` against nmap's ssl-enum-ciphers, sslscan and
// testssl.sh, on the same loopback server, in the same run.
//
// Two servers, both offering every suite their OpenSSL builds over TLS 1.0–1.3, with an RSA and
// an ECDSA certificate:
//   s_server   openssl s_server -cipher 'ALL:@SECLEVEL=0' -cert … -dcert … (the issue's setup).
//              It serves one connection at a time, so a tool that leaves a connection open would
//              stall the next tool: every tool run gets a freshly started s_server.
//   nginx      ssl_ciphers ALL:@SECLEVEL=0, both certificates: a server that accepts connections
//              concurrently, as production ones do. Started once.
//   nginx-intermediate
//              the same nginx with Mozilla's intermediate configuration (TLS 1.2 and 1.3, its
//              cipher list): what a production server looks like.
// --rtt 50,200 puts every tool behind a relay (bench/lib/delay-relay.mjs) that delays each chunk
// by RTT/2 per direction and models the TCP connect's round trip: the audit as seen across a WAN.
// 0 in the list means loopback without the relay.
// Each tool does its full audit of it:
//   siteready  node bin/siteready.js run tls 127.0.0.1:PORT --json (versions, every suite per
//              version, preference, groups, handshake facts, certificate, grade, rule sets)
//   nmap       nmap -Pn -n -p PORT --script ssl-enum-ciphers 127.0.0.1 -oX -
//   sslscan    sslscan --no-colour --xml=- 127.0.0.1:PORT
//   testssl    testssl.sh -p -E -S --quiet --color 0 --warnings off --jsonfile F 127.0.0.1:PORT
//              (protocols, ciphers per protocol, server defaults: the part comparable to the
//              others; its full default run also tests vulnerabilities and takes longer)
// Rounds interleave the tools (the order rotates each round); testssl runs in the first
// --testssl-rounds rounds only (default 1), since one of its runs takes minutes. Reported: median
// wall time per tool (spawn to exit), the ratio siteready / each, and whether each tool's set of
// accepted (version, suite) pairs equals siteready's, with the differences listed.
//
// Usage: node bench/tls.mjs [--rounds N] [--testssl-rounds N] [--servers s_server,nginx] [--rtt 0,50,200] [--no-write]
// Needs a built CLI (`npx tsc -p .`), openssl, nmap, sslscan and testssl.sh on PATH.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchArgs, gitCommit, machineInfo, summarize, table } from './lib/common.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CLI = join(ROOT, 'bin', 'siteready.js');
const TOOLS = ['siteready', 'nmap', 'sslscan', 'testssl'];

function usage(msg) {
  if (msg) process.stderr.write(`tls: ${msg}\n`);
  process.stderr.write(
    'usage: node bench/tls.mjs [options]\n' +
      '  --rounds N           rounds, each runs siteready, nmap and sslscan once (default 5)\n' +
      '  --testssl-rounds N   rounds that also run testssl.sh (default 1; 0 skips it; never behind the relay)\n' +
      '  --sslscan-rounds N   rounds that also run sslscan (default all; behind a relay one run takes ~40 s)\n' +
      '  --servers LIST       any of s_server,nginx,nginx-intermediate (default s_server,nginx)\n' +
      '  --rtt LIST           round trips in ms to put between the tools and the server (default 0: none)\n' +
      '  --no-write           do not write bench/results/tls-<timestamp>.json\n',
  );
  process.exit(msg ? 2 : 0);
}

const SERVERS = ['s_server', 'nginx', 'nginx-intermediate'];
const serverList = (raw, fail) => {
  const list = String(raw).split(',');
  for (const x of list) if (!SERVERS.includes(x)) fail(`unknown server ${x} (use ${SERVERS.join(',')})`);
  return list;
};
const rttList = (raw, fail) =>
  String(raw)
    .split(',')
    .map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 0 || n > 5000) fail(`--rtt takes round trips in ms (0..5000), got ${x}`);
      return n;
    });
const opts = benchArgs(
  process.argv.slice(2),
  usage,
  {
    rounds: { default: 5, min: 1 },
    'testssl-rounds': { default: 1 },
    servers: { default: ['s_server', 'nginx'], parse: serverList },
    rtt: { default: [0], parse: rttList },
    'sslscan-rounds': { default: Infinity },
  },
  { 'no-write': { key: 'write', value: false } },
);

const work = mkdtempSync(join(tmpdir(), 'sr-bench-tls-'));
const children = new Set();
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

function sh(cmd, args, opt = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opt });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r;
}

function version(cmd, args, pattern) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return pattern.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?';
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function makeCerts() {
  for (const [name, alg] of [
    ['rsa', ['-newkey', 'rsa:2048']],
    ['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']],
  ]) {
    sh('openssl', [
      'req',
      '-x509',
      '-nodes',
      ...alg,
      '-keyout',
      join(work, `${name}.key`),
      '-out',
      join(work, `${name}.crt`),
      '-days',
      '30',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
  }
}

async function accepting(port, child) {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((resolve) => {
      const s = createConnection(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the server on ${port} did not start`);
}

function stopper(child) {
  return () =>
    new Promise((resolve) => {
      children.delete(child);
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
}

const MOZ_INTERMEDIATE = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');

async function startNginx(kind) {
  const tls =
    kind === 'nginx-intermediate'
      ? `ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers ${MOZ_INTERMEDIATE};\n    ssl_prefer_server_ciphers off;`
      : 'ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n    ssl_ciphers ALL:@SECLEVEL=0;';
  const port = await freePort();
  const conf = join(work, `${kind}.conf`);
  writeFileSync(
    conf,
    `daemon off;
master_process off;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${work}/body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${work}/rsa.crt;
    ssl_certificate_key ${work}/rsa.key;
    ssl_certificate ${work}/ec.crt;
    ssl_certificate_key ${work}/ec.key;
    ${tls}
    location / { return 200 "ok"; }
  }
}
`,
  );
  const child = spawn('nginx', ['-p', work, '-e', join(work, 'error.log'), '-c', conf], { stdio: 'ignore' });
  children.add(child);
  await accepting(port, child);
  return { port, stop: stopper(child) };
}

async function startSServer() {
  const port = await freePort();
  const child = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      `127.0.0.1:${port}`,
      '-www',
      '-cipher',
      'ALL:@SECLEVEL=0',
      '-cert',
      join(work, 'rsa.crt'),
      '-key',
      join(work, 'rsa.key'),
      '-dcert',
      join(work, 'ec.crt'),
      '-dkey',
      join(work, 'ec.key'),
    ],
    { stdio: 'ignore' },
  );
  children.add(child);
  await accepting(port, child);
  return { port, stop: stopper(child) };
}

/** The relay that puts `rtt` ms between a tool and the server on `port`. */
function startRelay(port, rtt) {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bench', 'lib', 'delay-relay.mjs'), '--target', `127.0.0.1:${port}`, '--rtt', String(rtt)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ port: Number(m[1]), stop: stopper(child) });
    });
    child.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
  });
}

/** Runs one tool's audit; returns wall time and its accepted set (`TLSv1.2 0xC02F`). */
function runTool(tool, port) {
  const t0 = performance.now();
  let set;
  if (tool === 'siteready') {
    const r = sh(process.execPath, [CLI, 'run', 'tls', `127.0.0.1:${port}`, '--json'], { env: { ...process.env, NO_COLOR: '1' } });
    const ms = performance.now() - t0;
    const res = JSON.parse(r.stdout).results.find((x) => x.check === 'tls');
    if (!res?.facts?.accepted) throw new Error(`siteready gave no TLS result: ${r.stderr}`);
    set = res.facts.accepted.map((a) => `${a.version} ${a.code}`);
    // The report names every code, so nmap's suite names can be compared through it.
    const nameOf = new Map(res.facts.accepted.map((a) => [`${a.version} ${a.code}`, `${a.version} ${a.name}`]));
    return { ms, set, probes: res.facts.probes, nameOf };
  }
  if (tool === 'nmap') {
    const r = sh('nmap', ['-Pn', '-n', '-p', String(port), '--script', 'ssl-enum-ciphers', '127.0.0.1', '-oX', '-']);
    const ms = performance.now() - t0;
    set = [];
    let current;
    for (const m of r.stdout.matchAll(/<table key="((?:TLSv1\.[0-3])|SSLv3)">|<elem key="name">([^<]+)<\/elem>/g)) {
      if (m[1]) current = m[1];
      // nmap names TLS 1.3 suites TLS_AKE_WITH_…, after an early draft of RFC 8446.
      else if (current && /^TLS_/.test(m[2])) set.push(`${current} ${m[2].replace(/^TLS_AKE_WITH_/, 'TLS_')}`);
    }
    return { ms, set, names: true };
  }
  if (tool === 'sslscan') {
    const r = sh('sslscan', ['--no-colour', '--xml=-', `127.0.0.1:${port}`]);
    const ms = performance.now() - t0;
    set = [...r.stdout.matchAll(/<cipher status="(?:accepted|preferred)" sslversion="([^"]+)"[^>]* id="0x([0-9a-fA-F]+)"/g)].map(
      (m) => `${m[1]} 0x${m[2].toUpperCase().padStart(4, '0')}`,
    );
    return { ms, set };
  }
  const json = join(work, `testssl-${Date.now()}.json`);
  sh('testssl', ['-p', '-E', '-S', '--quiet', '--color', '0', '--warnings', 'off', '--jsonfile', json, `127.0.0.1:${port}`], {
    timeout: 900_000,
  });
  const ms = performance.now() - t0;
  const VERSIONS = { ssl3: 'SSLv3', tls1: 'TLSv1.0', tls1_1: 'TLSv1.1', tls1_2: 'TLSv1.2', tls1_3: 'TLSv1.3' };
  set = JSON.parse(readFileSync(json, 'utf8'))
    .map((e) => /^cipher-(ssl3|tls1(?:_[123])?)_x([0-9a-f]+)$/.exec(e.id))
    .filter(Boolean)
    .map((m) => `${VERSIONS[m[1]]} 0x${m[2].toUpperCase().padStart(4, '0')}`);
  return { ms, set };
}

/** nmap names suites; the same names through siteready's own report (IANA name per code). */
function compare(ours, theirs, nameOf) {
  const mine = new Set(ours.map((x) => (nameOf ? nameOf.get(x) : x)));
  const other = new Set(theirs);
  return { onlyOurs: [...mine].filter((x) => !other.has(x)).sort(), onlyTheirs: [...other].filter((x) => !mine.has(x)).sort() };
}

makeCerts();
const machine = machineInfo({
  openssl: version('openssl', ['version'], /OpenSSL (\S+)/),
  nginx: version('nginx', ['-v'], /nginx\/(\S+)/),
  nmap: version('nmap', ['--version'], /Nmap version (\S+)/),
  sslscan: version('sslscan', ['--version'], /(\d+\.\d+\.\d+)/),
  testssl: version('testssl', ['--version'], /testssl\S*\s+(\d\S*)/),
});

/** Every tool against one server kind, rounds interleaved; returns a row per tool. */
async function benchServer(kind, rtt) {
  const shared = kind.startsWith('nginx') ? await startNginx(kind) : undefined;
  const fresh = async () => shared ?? (await startSServer());
  const times = Object.fromEntries(TOOLS.map((t) => [t, []]));
  const sets = {};
  let probes;
  let nameOf;
  const label = rtt ? `${kind} @${rtt} ms` : kind;
  process.stderr.write(`tls: ${label}, ${opts.rounds} rounds\n`);
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const order = [
        'siteready',
        'nmap',
        ...(round < opts.sslscanRounds ? ['sslscan'] : []),
        ...(round < opts.testsslRounds && !rtt ? ['testssl'] : []),
      ];
      for (let i = 0; i < round % order.length; i++) order.push(order.shift());
      for (const tool of order) {
        const server = await fresh();
        const relay = rtt ? await startRelay(server.port, rtt) : undefined;
        try {
          const r = runTool(tool, relay?.port ?? server.port);
          times[tool].push(r.ms);
          sets[tool] ??= r.set;
          if (tool === 'siteready') {
            probes = r.probes;
            nameOf ??= r.nameOf;
          }
          process.stderr.write(`  ${label} round ${round + 1}/${opts.rounds} ${tool}: ${Math.round(r.ms)} ms, ${r.set.length} accepted\n`);
        } finally {
          await relay?.stop();
          if (!shared) await server.stop();
        }
      }
    }
  } finally {
    await shared?.stop();
  }
  const med = (t) => summarize(times[t]).median;
  const rows = TOOLS.filter((t) => times[t].length).map((t) => {
    const diff = t === 'siteready' ? { onlyOurs: [], onlyTheirs: [] } : compare(sets.siteready, sets[t], t === 'nmap' ? nameOf : undefined);
    return {
      server: label,
      rttMs: rtt,
      tool: t,
      runs: times[t].length,
      medianMs: Math.round(med(t)),
      min: Math.round(Math.min(...times[t])),
      max: Math.round(Math.max(...times[t])),
      ratio: t === 'siteready' ? 1 : Math.round((med('siteready') / med(t)) * 1000) / 1000,
      accepted: sets[t].length,
      same: diff.onlyOurs.length === 0 && diff.onlyTheirs.length === 0,
      diff,
    };
  });
  return { kind, rttMs: rtt, probes, rows, times };
}

const results = [];
for (const rtt of opts.rtt) for (const kind of opts.servers) results.push(await benchServer(kind, rtt));
machine.loadavgEnd = loadavg();

const md = [
  `${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, OpenSSL ${machine.openssl}, nginx ${machine.nginx}, nmap ${machine.nmap}, sslscan ${machine.sslscan}, testssl.sh ${machine.testssl}; load average ${machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${machine.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at end.`,
  '',
  table(
    ['server', 'tool', 'runs', 'wall ms (median)', 'min–max', 'siteready / tool', 'accepted pairs', 'same set as siteready'],
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'],
    results.flatMap((x) =>
      x.rows.map((r) => [
        r.server,
        r.tool === 'siteready' ? `siteready (${x.probes} hellos)` : r.tool,
        r.runs,
        r.medianMs.toLocaleString('en'),
        `${r.min.toLocaleString('en')}–${r.max.toLocaleString('en')}`,
        r.tool === 'siteready' ? '—' : `${r.ratio.toFixed(3)}×`,
        r.accepted,
        r.tool === 'siteready'
          ? '—'
          : r.same
            ? 'yes'
            : `no (only siteready: ${r.diff.onlyOurs.join(', ') || '—'}; only ${r.tool}: ${r.diff.onlyTheirs.join(', ') || '—'})`,
      ]),
    ),
  ),
].join('\n');
process.stdout.write(`${md}\n`);

if (opts.write) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `tls-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ benchmark: 'tls', date: new Date().toISOString(), command: `node bench/tls.mjs ${process.argv.slice(2).join(' ')}`.trim(), commit: gitCommit(), machine, results }, null, 2)}\n`,
  );
  process.stderr.write(`Wrote ${relative(ROOT, file)}\n`);
}
