// What every benchmark script shares: summary statistics, Markdown tables and the commit measured.

import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

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
  return [
    `| ${head.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
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

/** A script's usage: the message, if any, then the synopsis on stderr; exits 2 after a mistake, else 0. */
export function usageOf(name, synopsis) {
  return (msg) => {
    if (msg) process.stderr.write(`${name}: ${msg}\n`);
    process.stderr.write(`usage: ${synopsis}\n`);
    process.exit(msg ? 2 : 0);
  };
}

/** An integer option within bounds, or the script's usage message naming the option. */
export function intArg(usage, name, raw, min, max = Infinity) {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    usage(`--${name} must be an integer ${max === Infinity ? `>= ${min}` : `in ${min}..${max}`}, got ${raw}`);
  return n;
}

/**
 * The options of a bench script. `spec` maps an option name (`timeout-ms`) to its default and,
 * for anything but a plain integer ≥ 0, a parser `(raw, usage) => value`; `flags` lists boolean
 * switches (`--no-write` sets `write` false). Values come back under camelCase keys. Unknown
 * arguments, bad values and --help go to `usage`, which exits.
 */
export function benchArgs(argv, usage, spec, flags = {}) {
  const options = { help: { type: 'boolean', short: 'h' } };
  for (const name of Object.keys(spec)) options[name] = { type: 'string' };
  for (const name of Object.keys(flags)) options[name] = { type: 'boolean' };
  let values;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    usage(err.message);
  }
  if (values.help) usage();
  const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  const out = {};
  for (const [name, { default: fallback, min = 0, max, parse }] of Object.entries(spec)) {
    const raw = values[name];
    out[camel(name)] = raw === undefined ? fallback : parse ? parse(raw, usage) : intArg(usage, name, raw, min, max);
  }
  for (const [name, { key, value }] of Object.entries(flags)) {
    const [k, v] = [key ?? camel(name), value ?? true];
    if (!(k in out)) out[k] = !v;
    if (values[name]) out[k] = v;
  }
  return out;
}
