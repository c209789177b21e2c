// `siteready merge <reports…>`: many sites' saved reports as one fleet report — which sites are
// ready, the causes that block the most sites, each platform across the sites. Inputs are report
// files, directories of them, or patterns; each is read as `siteready report` reads one (schema
// checked, older versions migrated) and slimmed at once, so thousands fit in memory. Not a gate: 0.

import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, UsageError, errorMessage } from '../errors.js';
import { buildFleet, slimReport } from '../fleet/model.js';
import { FLEET_FORMATS, renderFleet, type FleetFormat, type FleetRenderContext } from '../fleet/render/index.js';
import type { Catalog } from '../plugin-api.js';
import type { Report } from '../report/model.js';
import { parseFormats } from '../report/render/index.js';
import { outputPathProblem, writeFileAtomic } from '../report/write-file.js';
import { toolVersion } from '../version.js';
import { EXIT, writeStdout } from './lifecycle.js';
import { langOf, type OutputFlags } from './output.js';
import { loadReportFile } from './report-file.js';
import { openForReading, storeLocation, storeSpec, type StoreFlags } from './store.js';
import { colorEnabled } from './terminal.js';

export interface MergeFlags extends Pick<OutputFlags, 'format' | 'out' | 'json' | 'lang' | 'color' | 'quiet' | 'preparedBy'>, StoreFlags {
  /** With --store: only runs that started on or after this date. */
  since?: string;
  title?: string;
}

/** Reports read at once: enough to overlap reading with parsing, few enough to keep memory flat. */
const READ_AT_ONCE = 4;

const GLOB = /[*?]/;

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

async function kind(path: string): Promise<'file' | 'directory' | 'none'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'directory' : 'file';
  } catch {
    return 'none';
  }
}

/**
 * The report files the arguments name: a file as it is; a directory's *.json files (not its
 * subdirectories), in name order; a pattern (`reports/*.json`, quoted so the shell left it) matched
 * in its directory. The same file named twice is read once.
 */
export async function reportFiles(args: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const k = await kind(arg);
    if (k === 'file') files.push(arg);
    else if (k === 'directory') {
      const names = (await readdir(arg, { withFileTypes: true }))
        .filter((e) => e.isFile() && e.name.endsWith('.json'))
        .map((e) => e.name)
        .sort();
      if (!names.length)
        throw new UsageError(`${arg} holds no .json report`, 'give report files, or a directory of reports written by --format json=FILE');
      files.push(...names.map((n) => join(arg, n)));
    } else if (GLOB.test(basename(arg)) && !GLOB.test(dirname(arg))) {
      const dir = dirname(arg);
      const re = globToRegExp(basename(arg));
      let names: string[];
      try {
        names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && re.test(e.name)).map((e) => e.name);
      } catch (err) {
        throw new UsageError(`cannot read the directory of ${arg}: ${errorMessage(err)}`);
      }
      if (!names.length) throw new UsageError(`no file matches ${arg}`);
      files.push(...names.sort().map((n) => join(dir, n)));
    } else {
      throw new ConfigError(`${arg} does not exist`, [
        {
          file: arg,
          message: 'no such file or directory',
          hint: 'give report files (written by --format json=FILE), directories of them, or a pattern such as "reports/*.json"',
        },
      ]);
    }
  }
  const seen = new Set<string>();
  return files.filter((f) => {
    const abs = resolve(f);
    if (seen.has(abs)) return false;
    seen.add(abs);
    return true;
  });
}

/** Every report, slimmed as it is read; the first that is not a report stops the merge (exit 2, naming it). */
async function readReports(files: string[]): Promise<Report[]> {
  const out: Report[] = new Array<Report>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      out[i] = slimReport(await loadReportFile(files[i]!));
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_AT_ONCE, files.length) }, worker));
  return out;
}

/** The built-in checks' catalogs: causes' titles and fixes are their messages. */
async function builtinCatalogs(): Promise<Map<string, Record<string, Catalog>>> {
  const { builtinChecks } = await import('../runner/registry.js');
  return new Map((await builtinChecks()).filter((c) => c.def).map((c) => [c.id, c.def!.messages as Record<string, Catalog>]));
}

/** The latest run of every site in a history store (started on or after --since, when given). */
async function latestStoredRuns(flags: MergeFlags): Promise<{ reports: Report[]; sources: string[] }> {
  const location = storeLocation(storeSpec(flags));
  if (flags.since !== undefined && Number.isNaN(Date.parse(flags.since)))
    throw new UsageError(`--since "${flags.since}" is not a date`, 'e.g. --since 2026-03-01 or --since 2026-03-01T09:30Z');
  const store = await openForReading(location);
  try {
    const runs = await store.runs({ order: 'newest', ...(flags.since !== undefined ? { since: flags.since } : {}) });
    const latest = new Map<string, number>();
    for (const r of runs) if (!latest.has(r.site)) latest.set(r.site, r.id);
    const reports: Report[] = [];
    const sources: string[] = [];
    for (const id of latest.values()) {
      const report = await store.run(id);
      if (!report) continue;
      reports.push(slimReport(report));
      sources.push(`${location.display}#${id}`);
    }
    if (!reports.length)
      throw new UsageError(`the history store ${location.display} has no runs${flags.since ? ` since ${flags.since}` : ''}`);
    return { reports, sources };
  } finally {
    await store.close();
  }
}

export async function mergeCommand(inputs: string[], flags: MergeFlags): Promise<void> {
  const started = Date.now();
  if (flags.json && flags.format && flags.format !== 'json') throw new UsageError('--json cannot be combined with --format');
  // On a terminal the summary; piped, the JSON model (what a script wants).
  // With --out alone, the file's extension says which format (fleet.html, fleet.csv …), else JSON.
  const byExtension = flags.out
    ? (FLEET_FORMATS.find((f) => f !== 'terminal' && flags.out!.toLowerCase().endsWith(`.${f}`)) ?? 'json')
    : undefined;
  const spec = flags.json ? 'json' : (flags.format ?? byExtension ?? (process.stdout.isTTY ? 'terminal' : 'json'));
  const targets = parseFormats(spec, flags.out, FLEET_FORMATS) as Array<{ format: FleetFormat; path: string }>;
  for (const target of targets) {
    if (target.path === '-') continue;
    const problem = await outputPathProblem(target.path);
    if (problem) throw new UsageError(`cannot write the ${target.format} fleet report to ${target.path}: ${problem}`);
  }
  if (!inputs.length && flags.store === undefined)
    throw new UsageError('no reports to merge', 'name report files or directories, or read the latest run of every site with --store');
  const files = inputs.length ? await reportFiles(inputs) : [];
  const reports = await readReports(files);
  const sources = [...files];
  if (flags.store !== undefined) {
    const stored = await latestStoredRuns(flags);
    reports.push(...stored.reports);
    sources.push(...stored.sources);
  }
  const fleet = buildFleet(reports, { toolVersion: toolVersion(), sources, ...(flags.title ? { title: flags.title } : {}) });

  const ctx: FleetRenderContext = {
    lang: langOf(flags),
    color: colorEnabled(process.stdout, flags.color === false ? false : undefined),
    width: process.stdout.columns || 100,
    ...(flags.preparedBy ? { preparedBy: flags.preparedBy } : {}),
    ...(targets.some((t) => t.format !== 'json') ? { catalogs: await builtinCatalogs() } : {}),
  };
  let code: number = EXIT.OK;
  for (const target of targets) {
    let text: string;
    try {
      text = await renderFleet(fleet, target.format, target.path === '-' ? ctx : { ...ctx, color: false });
    } catch (err) {
      process.stderr.write(
        `siteready: the ${target.format} fleet report could not be rendered (internal error: ${errorMessage(err)}); the other formats were written\n`,
      );
      code = EXIT.INTERNAL;
      continue;
    }
    if (target.path === '-') await writeStdout(text);
    else {
      try {
        await writeFileAtomic(target.path, text);
      } catch (err) {
        process.stderr.write(
          `siteready: the ${target.format} fleet report could not be written to ${target.path} (${errorMessage(err)}); the other formats were written\n`,
        );
        if (code === EXIT.OK) code = EXIT.USAGE;
      }
    }
  }
  if (!flags.quiet) {
    const s = fleet.summary;
    process.stderr.write(
      `siteready: merged ${files.length} report(s) into ${s.sites} site(s) in ${((Date.now() - started) / 1000).toFixed(1)} s${s.superseded ? `; ${s.superseded} earlier run(s) left out (a later run of the same site was given)` : ''}\n`,
    );
  }
  process.exitCode = code;
}
