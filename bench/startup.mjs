#!/usr/bin/env node
// Startup and validation benchmark: wall time of short CLI invocations, each reported as a ratio
// to the anchor `node -e 0` (bare node start) measured in the same run. This machine is noisy,
// so absolute milliseconds drift between runs; ratios against the anchor are what we record.
//
// Commands are interleaved round-robin (a b c d a b c d ...) so drift hits all of them alike,
// after warm-up rounds that are not recorded. Each sample is one spawnSync with stdio ignored.
//
// Usage: node bench/startup.mjs [--rounds N] [--warmup N] [--endpoints N] [--no-write]
// Needs a built CLI (`npx tsc -p .`). Exits non-zero if any command exits non-zero.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSite } from './gen-site.mjs';
import { benchArgs, gitCommit, summarize } from './lib/common.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE = process.execPath;
const CLI = 'bin/siteready.js';

// ---- arguments ---------------------------------------------------------------------------------

function usage(msg) {
  if (msg) process.stderr.write(`startup: ${msg}\n`);
  process.stderr.write(
    'usage: node bench/startup.mjs [--rounds N] [--warmup N] [--endpoints N] [--no-write]\n' +
      '  --rounds N     recorded rounds (default 20)\n' +
      '  --warmup N     unrecorded warm-up rounds first (default 3)\n' +
      '  --endpoints N  endpoints in the generated site for the validate case (default 1000)\n' +
      '  --no-write     do not write bench/results/startup-<timestamp>.json\n',
  );
  process.exit(msg ? 2 : 0);
}

function parseOptions(argv) {
  return benchArgs(
    argv,
    usage,
    { rounds: { default: 20, min: 1 }, warmup: { default: 3 }, endpoints: { default: 1000, min: 1 } },
    { 'no-write': { key: 'write', value: false } },
  );
}

// ---- running -----------------------------------------------------------------------------------

function runOnce(cmd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(NODE, cmd.args, { cwd: ROOT, env: cmd.env, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || !(cmd.okStatus ?? [0]).includes(r.status)) {
    // Run it once more with output captured so the failure can be read, then stop: a broken
    // CLI must not produce numbers.
    const again = spawnSync(NODE, cmd.args, { cwd: ROOT, env: cmd.env, encoding: 'utf8' });
    const how = r.error ? `error ${r.error.message}` : r.signal ? `signal ${r.signal}` : `exit code ${r.status}`;
    const out = `${again.stdout ?? ''}${again.stderr ?? ''}`.trim();
    throw new Error(`command failed (${how}): ${cmd.display}${out ? `\n${out.replace(/^/gm, '  | ')}` : ''}`);
  }
  return ms;
}

function fmt(ms) {
  return ms.toFixed(1);
}

function markdownTable(rows) {
  const head = ['command', 'median ms', 'p10 ms', 'p90 ms', 'ratio (median / `node -e 0`)'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) {
    lines.push(`| \`${r.display}\` | ${fmt(r.stats.median)} | ${fmt(r.stats.p10)} | ${fmt(r.stats.p90)} | ${r.ratio.toFixed(2)}× |`);
  }
  return lines.join('\n');
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const tmp = mkdtempSync(join(tmpdir(), 'siteready-bench-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  try {
    const sitePath = writeSite(join(tmp, `site-${opts.endpoints}.yaml`), opts.endpoints);
    const baseEnv = { ...process.env };
    const labEnv = {
      ...baseEnv,
      SITEREADY_LAB_HTTPS_PORT: '1',
      SITEREADY_LAB_TCP_PORT: '2',
      SITEREADY_LAB_CLOSED_PORT: '3',
      SITEREADY_LAB_DNS: '127.0.0.1:53',
      SITEREADY_LAB_CA: '/dev/null',
      SITEREADY_LAB_PROBE_PORT: '4',
      SITEREADY_LAB_TOKEN: 'bench-token-not-used',
      SITEREADY_LAB_FIREWALL_PORT: '5',
      SITEREADY_LAB_PROXY_PORT: '6',
      SITEREADY_LAB_PROXY_PASSWORD: 'bench-password',
      SITEREADY_LAB_TURN_PORT: '7',
      SITEREADY_LAB_TURN_PASSWORD: 'bench-turn-password',
      SITEREADY_LAB_LEGACY_TLS_PORT: '8',
    };
    const commands = [
      { id: 'node-e-0', display: 'node -e 0', args: ['-e', '0'], env: baseEnv, anchor: true },
      { id: 'help', display: `node ${CLI} --help`, args: [CLI, '--help'], env: baseEnv },
      {
        id: `validate-${opts.endpoints}`,
        display: `node ${CLI} validate <generated ${opts.endpoints}-endpoint site>`,
        args: [CLI, 'validate', sitePath],
        env: baseEnv,
      },
      {
        id: 'validate-demo',
        display: `node ${CLI} validate examples/demo-site.yaml`,
        args: [CLI, 'validate', 'examples/demo-site.yaml'],
        env: labEnv,
        envNote:
          'SITEREADY_LAB_HTTPS_PORT=1 SITEREADY_LAB_TCP_PORT=2 SITEREADY_LAB_CLOSED_PORT=3 SITEREADY_LAB_DNS=127.0.0.1:53 SITEREADY_LAB_CA=/dev/null SITEREADY_LAB_PROBE_PORT=4 SITEREADY_LAB_TOKEN=…',
      },
    ];
    // Start-up of the commands that measure: the work itself is one refused loopback connect per
    // check (port 1), so what is timed is loading, planning, judging and writing the report.
    // Exit 1 is their gate failing on that refusal, as it should.
    const minSite = join(tmp, 'one-endpoint.yaml');
    writeFileSync(
      minSite,
      'version: 1\nsite: {name: Start-up}\nplatform:\n  name: IM\n  endpoints:\n    - {name: web, url: "https://127.0.0.1:1/"}\n',
    );
    commands.push(
      {
        id: 'run-tcp',
        display: `node ${CLI} run tcp 127.0.0.1:1 --json`,
        args: [CLI, 'run', 'tcp', '127.0.0.1:1', '--json'],
        env: baseEnv,
        okStatus: [0, 1],
      },
      {
        id: 'assess-1',
        display: `node ${CLI} assess <one https endpoint on a closed loopback port> --format json --quiet`,
        args: [CLI, 'assess', minSite, '--format', 'json', '--quiet', '--out', join(tmp, 'assess.json')],
        env: baseEnv,
        okStatus: [0, 1],
      },
      {
        id: 'floor',
        display: 'node bench/lib/startup-floor.mjs <the same site> (yaml + commander + the site validator, nothing of ours)',
        args: ['bench/lib/startup-floor.mjs', minSite],
        env: baseEnv,
      },
    );
    for (const c of commands) c.samples = [];

    const total = opts.warmup + opts.rounds;
    process.stderr.write(`startup: ${commands.length} commands, ${opts.warmup} warm-up + ${opts.rounds} rounds, round-robin\n`);
    for (let round = 0; round < total; round++) {
      const warm = round < opts.warmup;
      for (const c of commands) {
        const ms = runOnce(c);
        if (!warm) c.samples.push(ms);
      }
      if (process.stderr.isTTY) process.stderr.write(`\r  round ${round + 1}/${total}${warm ? ' (warm-up)' : ''}   `);
    }
    if (process.stderr.isTTY) process.stderr.write('\n');

    const anchor = commands.find((c) => c.anchor);
    const anchorStats = summarize(anchor.samples);
    const rows = commands.map((c) => {
      const stats = summarize(c.samples);
      return { id: c.id, display: c.display, env: c.envNote, stats, ratio: stats.median / anchorStats.median, samples: c.samples };
    });

    const help = rows.find((r) => r.id === 'help');
    const target = 3;
    const verdict = help.ratio <= target ? 'meets' : 'misses';
    const cpuList = cpus();
    const machine = {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model,
      memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    };

    const table = markdownTable(rows);
    process.stdout.write(`\n${table}\n\n`);
    process.stdout.write(
      `Anchor: \`node -e 0\` (bare node start). ${opts.rounds} rounds after ${opts.warmup} warm-up; ${machine.cpus} CPUs, Node ${machine.node}.\n`,
    );
    process.stdout.write(`\`validate examples/demo-site.yaml\` runs with ${rows[3].env}.\n`);
    process.stdout.write(`Target: \`--help\` within ${target}× bare node start — ${verdict} it (${help.ratio.toFixed(2)}×).\n`);

    if (opts.write) {
      const now = new Date();
      const stamp = now.toISOString().replace(/[:.]/g, '-');
      const dir = join(ROOT, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `startup-${stamp}.json`);
      const result = {
        benchmark: 'startup',
        date: now.toISOString(),
        command: `node bench/startup.mjs ${process.argv.slice(2).join(' ')}`.trim(),
        commit: gitCommit(),
        machine,
        rounds: opts.rounds,
        warmup: opts.warmup,
        endpoints: opts.endpoints,
        anchor: anchor.id,
        target: { command: 'help', maxRatio: target, ratio: help.ratio, met: help.ratio <= target },
        results: rows.map((r) => ({
          id: r.id,
          command: r.display,
          ...(r.env ? { env: r.env } : {}),
          medianMs: r.stats.median,
          p10Ms: r.stats.p10,
          p90Ms: r.stats.p90,
          minMs: r.stats.min,
          maxMs: r.stats.max,
          ratio: r.ratio,
          samplesMs: r.samples,
        })),
      };
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      process.stdout.write(`\nWrote ${relative(process.cwd(), file) || file}\n`);
    }
  } finally {
    cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`\nstartup: ${err.message}\n`);
  process.exitCode = 1;
});
