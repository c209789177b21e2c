#!/usr/bin/env node
// What --otlp costs over writing the prom file: `siteready report` of a report with 1,000 results
// (the test fixture's results repeated on more targets), writing -f prom alone, then also sending
// the same metrics to a receiver on loopback — protobuf, JSON, and protobuf gzipped — with
// `node -e 0` as the anchor measured in the same rounds. The receiver (in this process) answers
// 200 at once and counts the bytes it was sent. Rounds are interleaved so drift hits every case.
//
// Usage: node bench/otlp.mjs [--results N] [--rounds N] [--warmup N]
// Needs a built CLI (`npm run build`). Writes under the system temp dir and removes it.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, gitCommit, machineInfo, summarize, table, usageOf } from './lib/common.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE = process.execPath;

const usage = usageOf('otlp', 'node bench/otlp.mjs [--results N] [--rounds N] [--warmup N]');

const opts = benchArgs(process.argv.slice(2), usage, {
  results: { default: 1000, min: 1 },
  rounds: { default: 10, min: 1 },
  warmup: { default: 2 },
});

/** The fixture with `count` results: its own, then copies on targets named `<target>-<n>`. */
function bigReport(count) {
  const base = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'report-every-status.json'), 'utf8'));
  const results = [];
  for (let i = 0; results.length < count; i++)
    for (const r of base.results) if (results.length < count) results.push(i ? { ...r, target: `${r.target}-${i}` } : r);
  return { ...base, results };
}

const received = [];
const server = createServer((req, res) => {
  let bytes = 0;
  req.on('error', () => undefined);
  req.on('data', (c) => (bytes += c.length));
  req.on('end', () => {
    received.push(bytes);
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.on('connection', (s) => s.on('error', () => undefined));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const receiver = `http://127.0.0.1:${server.address().port}`;

function time(args, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(args[0], args.slice(1), {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0 || stderr) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(ms);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sr-bench-otlp-'));
const machine = machineInfo();
const rows = [];
try {
  const report = join(dir, 'report.json');
  writeFileSync(report, JSON.stringify(bigReport(opts.results)));
  const prom = join(dir, 'siteready.prom');
  const cli = [NODE, 'bin/siteready.js', 'report', report, '-q', '-f', `prom=${prom}`];
  const cases = [
    ['node -e 0 (anchor)', [NODE, '-e', '0'], {}, false],
    ['-f prom', cli, {}, false],
    ['-f prom --otlp (http/protobuf)', [...cli, '--otlp', receiver], {}, true],
    ['-f prom --otlp (http/json)', [...cli, '--otlp', receiver], { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, true],
    ['-f prom --otlp (http/protobuf, gzip)', [...cli, '--otlp', receiver], { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, true],
  ];
  const samples = new Map(cases.map(([id]) => [id, []]));
  const sent = new Map();
  for (let round = 0; round < opts.warmup + opts.rounds; round++)
    for (const [id, args, env, sends] of cases) {
      const before = received.length;
      const ms = await time(args, env);
      if (sends && received.length !== before + 1) throw new Error(`${id}: the receiver got ${received.length - before} requests`);
      if (sends) sent.set(id, received.at(-1));
      if (round >= opts.warmup) samples.get(id).push(ms);
    }
  sent.set('-f prom', statSync(prom).size);
  const anchor = summarize(samples.get(cases[0][0])).median;
  for (const [id] of cases) {
    const s = summarize(samples.get(id));
    const bytes = sent.get(id);
    rows.push([
      id,
      s.median.toFixed(0),
      s.p10.toFixed(0),
      s.p90.toFixed(0),
      `${(s.median / anchor).toFixed(2)}×`,
      bytes === undefined ? '—' : `${Math.round(bytes / 1024)} KiB`,
    ]);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  server.close();
}
process.stdout.write(
  `otlp bench: ${opts.results} results, commit ${gitCommit() ?? '?'}, ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadavgStart
    .map((l) => l.toFixed(2))
    .join(' ')} → ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${opts.rounds} round(s)\n\n`,
);
process.stdout.write(
  `${table(['command', 'median ms', 'p10', 'p90', 'ratio to node -e 0', 'file / request body'], ['l', 'r', 'r', 'r', 'r', 'r'], rows)}\n`,
);
