// What every benchmark script shares: summary statistics, Markdown tables and the commit measured.

import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Percentile with linear interpolation between closest ranks (R type 7 / numpy default). */
export function percentile(sorted, p) {
  if (sorted.length === 1) return sorted[0];
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
}

export function summarize(samples) {
  const s = [...samples].sort((x, y) => x - y);
  return { median: percentile(s, 0.5), p10: percentile(s, 0.1), p90: percentile(s, 0.9), min: s[0], max: s[s.length - 1] };
}

/** A GitHub-flavoured Markdown table; `align` holds 'r' for right-aligned columns. */
export function table(head, align, rows) {
  return [`| ${head.join(' | ')} |`, `|${align.map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function gitCommit() {
  // Read-only; absent git is fine.
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The machine a result was measured on, recorded next to it (ratios still drift with load). */
export function machineInfo(extra = {}) {
  const cpuList = cpus();
  return {
    node: process.version,
    ...extra,
    kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(),
    platform: `${process.platform}-${process.arch}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadavgStart: loadavg(),
  };
}
