#!/usr/bin/env node
// The fleet report's cost: `siteready merge` over generated site reports (bench/fleet-reports.mjs,
// ~160 KB each, like a real run's), each format on its own and all five at once, with `node -e 0`
// as the anchor measured in the same rounds. Rounds are interleaved so drift hits every case alike.
//
// Usage: node bench/merge.mjs [--sites 200,2000] [--rounds N]
// Needs a built CLI (`npm run build`). Writes its reports under the system temp dir and removes them.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFleetReports } from './fleet-reports.mjs';
import { benchArgs, gitCommit, machineInfo, summarize, table, usageOf } from './lib/common.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const NODE = process.execPath;

const usage = usageOf('merge', 'node bench/merge.mjs [--sites 200,2000] [--rounds N]');

const opts = benchArgs(process.argv.slice(2), usage, {
  sites: {
    default: [200, 2000],
    parse: (raw, fail) => {
      const list = raw.split(',').map(Number);
      if (!list.every((n) => Number.isInteger(n) && n > 0)) fail(`--sites takes whole numbers, got ${raw}`);
      return list;
    },
  },
  rounds: { default: 3, min: 1 },
});

const FORMATS = ['json', 'csv', 'md', 'html', 'terminal'];

function time(args) {
  const t0 = performance.now();
  const r = spawnSync(args[0], args.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const machine = machineInfo();
const rows = [];
for (const sites of opts.sites) {
  const dir = mkdtempSync(join(tmpdir(), 'sr-bench-merge-'));
  try {
    const reports = join(dir, 'reports');
    spawnSync('mkdir', [reports]);
    const files = writeFleetReports(reports, sites);
    const out = (f) => join(dir, `fleet.${f === 'terminal' ? 'txt' : f}`);
    const cases = [
      ['node -e 0 (anchor)', [NODE, '-e', '0']],
      ...FORMATS.map((f) => [
        `-f ${f}`,
        [NODE, 'bin/siteready.js', 'merge', reports, '-q', '-f', f === 'terminal' ? 'terminal' : `${f}=${out(f)}`],
      ]),
      [
        'all five',
        [
          NODE,
          'bin/siteready.js',
          'merge',
          reports,
          '-q',
          '-f',
          `terminal,${FORMATS.filter((f) => f !== 'terminal')
            .map((f) => `${f}=${out(f)}`)
            .join(',')}`,
        ],
      ],
    ];
    const samples = new Map(cases.map(([id]) => [id, []]));
    for (let round = 0; round < opts.rounds; round++) for (const [id, args] of cases) samples.get(id).push(time(args));
    const anchor = summarize(samples.get(cases[0][0])).median;
    for (const [id] of cases) {
      const s = summarize(samples.get(id));
      rows.push([
        String(files.length),
        String(sites),
        id,
        s.median.toFixed(0),
        s.min.toFixed(0),
        s.max.toFixed(0),
        `${(s.median / anchor).toFixed(1)}×`,
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(
  `merge bench: commit ${gitCommit() ?? '?'}, ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadavgStart.map((l) => l.toFixed(2)).join(' ')} → ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${opts.rounds} round(s)\n\n`,
);
process.stdout.write(
  `${table(['reports', 'sites', 'command', 'median ms', 'min', 'max', 'ratio to node -e 0'], ['r', 'r', 'l', 'r', 'r', 'r', 'r'], rows)}\n`,
);
