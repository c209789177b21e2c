// Finds the built-in checks (one folder each under checks/) and loads plugins named in the site
// file. Nothing is fetched: a plugin is a path or an installed package.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, errorMessage } from '../errors.js';
import { CATEGORIES, SEVERITIES, type CheckDefinition, type CheckPlanning, type MeasuredCheck } from '../plugin-api.js';
import type { Site } from '../site/types.js';
import { didYouMean } from '../util/suggest.js';
import { usePrecompiled } from '../site/validate.js';
import { builtFile } from '../version.js';
import { BUILTIN_CHECK_MODULES, BUILTIN_CHECK_PLANNING } from './builtin-check-modules.js';

// A registry holds checks of every option and facts type; their own code is typed, the list is not.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCheck = CheckDefinition<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPlanning = CheckPlanning<any>;

export interface LoadedCheck {
  id: string;
  /** What planning needs (meta, options, targets, deadline), when `def` is not loaded: see `planningOf`. */
  planning?: AnyPlanning;
  /**
   * The whole check. Planning loads built-in checks without it (`allChecks`, `builtinCheckPlans`);
   * `withDefinitions` loads it for the checks that have work.
   */
  def?: AnyCheck;
  source: 'builtin' | 'plugin';
  /** Folder, path or package it came from. */
  origin: string;
  /** Set when a plugin threw while loading: its tasks are reported as errors, the run goes on. */
  loadError?: string;
  /** Site-file location of the plugins: entry. */
  location?: Site['platform']['endpoints'][number]['location'];
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const PLUGIN_ID = /^[a-z0-9]+(-[a-z0-9]+)*\/[a-z0-9]+(-[a-z0-9]+)*$/;

let builtinCache: Promise<LoadedCheck[]> | undefined;
let planningCache: Promise<LoadedCheck[]> | undefined;
const oneCache = new Map<string, Promise<LoadedCheck>>();
const onePlanningCache = new Map<string, Promise<LoadedCheck>>();

/** What planning needs of a check: its planning part, or its whole definition; none when it did not load. */
export function planningOf(check: LoadedCheck): AnyPlanning | undefined {
  return check.def ?? check.planning;
}

/** Every built-in check, whole: for listing them (`siteready checks`) and rendering saved reports. */
export function builtinChecks(): Promise<LoadedCheck[]> {
  builtinCache ??= builtinCheckIds().then((ids) => Promise.all(ids.map(builtinCheck)));
  return builtinCache;
}

/**
 * Every built-in check as planning sees it: meta, options and targets, without the code that
 * measures and judges (most of a check, and most of what a short run would load for nothing).
 */
export function builtinCheckPlans(): Promise<LoadedCheck[]> {
  planningCache ??= builtinCheckIds().then((ids) => Promise.all(ids.map(builtinCheckPlanning)));
  return planningCache;
}

/** The ids of the built-in checks, without loading any. */
export async function builtinCheckIds(): Promise<string[]> {
  return Object.keys(BUILTIN_CHECK_MODULES).sort();
}

/**
 * One built-in check, whole. `siteready run <check>` loads only its own: importing all of them (and
 * what they import: the TLS registry, the DSCP module …) is most of a short command's start-up.
 */
export function builtinCheck(id: string): Promise<LoadedCheck> {
  return once(oneCache, id, load);
}

/** One built-in check's planning part. */
export function builtinCheckPlanning(id: string): Promise<LoadedCheck> {
  return once(onePlanningCache, id, loadPlanning);
}

/**
 * The same checks, those named in `ids` whole: built-in ones are loaded now, the others (plugins,
 * compliance) were whole already.
 */
export async function withDefinitions(checks: LoadedCheck[], ids: ReadonlySet<string>): Promise<LoadedCheck[]> {
  return Promise.all(checks.map((c) => (ids.has(c.id) && !c.def && c.source === 'builtin' && !c.loadError ? builtinCheck(c.id) : c)));
}

function once(cache: Map<string, Promise<LoadedCheck>>, id: string, loader: (id: string) => Promise<LoadedCheck>): Promise<LoadedCheck> {
  let loading = cache.get(id);
  if (!loading) {
    loading = loader(id);
    cache.set(id, loading);
  }
  return loading;
}

async function load(folder: string): Promise<LoadedCheck> {
  const importCheck = BUILTIN_CHECK_MODULES[folder];
  if (!importCheck) throw new Error(`no built-in check ${folder}`);
  const def = (await importCheck()).default as AnyCheck | undefined;
  const problem = shapeProblem(def, false);
  if (problem) throw new Error(`built-in check ${folder}: ${problem}`);
  return builtin(folder, def!, def!);
}

async function loadPlanning(folder: string): Promise<LoadedCheck> {
  const importPlanning = BUILTIN_CHECK_PLANNING[folder];
  if (!importPlanning) throw new Error(`no built-in check ${folder}`);
  const planning = (await importPlanning()).default as AnyPlanning | undefined;
  const problem = planningProblem(planning, false);
  if (problem) throw new Error(`built-in check ${folder} (plan.ts): ${problem}`);
  return builtin(folder, planning!);
}

function builtin(folder: string, planning: AnyPlanning, def?: AnyCheck): LoadedCheck {
  if (planning.meta.id !== folder) throw new Error(`built-in check folder ${folder} declares id ${planning.meta.id}`);
  // The build generates each built-in check's option validator (scripts/compile-schemas.mjs).
  if (planning.inputs) usePrecompiled(planning.inputs.schema, builtFile('checks', folder, 'options-validator.cjs'));
  return { id: folder, ...(def ? { def } : { planning }), source: 'builtin', origin: `checks/${folder}` };
}

/** Where each plugin the site names is, or a configuration error for the first that cannot be found. */
function resolvePlugins(site: Site, siteFileDir: string): Array<{ spec: string; index: number; resolved: string }> {
  return site.plugins.map((spec, i) => {
    const location = site.locate(`/plugins/${i}`);
    const resolved = resolvePlugin(spec, siteFileDir);
    if (!resolved) {
      throw new ConfigError(`plugin "${spec}" not found`, [
        {
          file: location.file,
          line: location.line,
          column: location.column,
          path: `/plugins/${i}`,
          message: `plugin "${spec}" not found`,
          hint:
            spec.startsWith('.') || isAbsolute(spec)
              ? `paths are relative to the site file (${siteFileDir}); ${pluginPathHint(spec, siteFileDir) ?? 'check the file exists'}`
              : `install it next to the site file (npm install ${spec}) or give a path starting with ./`,
        },
      ]);
    }
    return { spec, index: i, resolved };
  });
}

export async function loadPlugins(site: Site, siteFileDir: string): Promise<LoadedCheck[]> {
  const out: LoadedCheck[] = [];
  for (const { spec, index: i, resolved } of resolvePlugins(site, siteFileDir)) {
    const location = site.locate(`/plugins/${i}`);
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(resolved).href)) as { default?: unknown };
    } catch (err) {
      out.push({ id: `plugin:${spec}`, source: 'plugin', origin: spec, loadError: errorMessage(err), location });
      continue;
    }
    const defs = Array.isArray(mod.default) ? (mod.default as unknown[]) : [mod.default];
    for (const def of defs) {
      const problem = shapeProblem(def, true);
      if (problem) {
        throw new ConfigError(`plugin "${spec}" is not a siteready check`, [
          {
            file: location.file,
            line: location.line,
            column: location.column,
            path: `/plugins/${i}`,
            message: `plugin "${spec}": ${problem}`,
            hint: "export default defineCheck({...}) from 'siteready/plugin'",
          },
        ]);
      }
      const d = def as AnyCheck;
      out.push({ id: d.meta.id, def: d, source: 'plugin', origin: spec, location });
    }
  }
  return out;
}

/**
 * The built-in checks (their planning part: `withDefinitions` loads the rest) and the site's
 * plugins. With `executePlugins: false` (validating a file that may come from a pull request)
 * plugins are only found, never imported: importing runs their code.
 */
export async function allChecks(site?: Site, siteFileDir?: string, opts: { executePlugins?: boolean } = {}): Promise<LoadedCheck[]> {
  const builtins = await builtinCheckPlans();
  if (site && siteFileDir && opts.executePlugins === false) resolvePlugins(site, siteFileDir);
  const plugins = site && siteFileDir && opts.executePlugins !== false ? await loadPlugins(site, siteFileDir) : [];
  const seen = new Map<string, LoadedCheck>();
  for (const c of [...builtins, ...plugins]) {
    const prior = seen.get(c.id);
    if (prior) {
      throw new ConfigError(`check id "${c.id}" is defined twice`, [
        {
          ...(c.location ?? {}),
          message: `check id "${c.id}" from ${c.origin} is already defined by ${prior.origin}`,
          hint: 'give the plugin check a different namespaced id',
        },
      ]);
    }
    seen.set(c.id, c);
  }
  return [...seen.values()];
}

export function unknownCheckError(
  id: string,
  known: string[],
  where?: { file: string; line: number; column: number; path?: string },
): ConfigError {
  return new ConfigError(`unknown check "${id}"`, [
    { ...(where ?? {}), message: `unknown check "${id}"`, hint: didYouMean(id, known) ?? `known checks: ${known.join(', ')}` },
  ]);
}

function resolvePlugin(spec: string, baseDir: string): string | undefined {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const full = resolve(baseDir, spec);
    return existsSync(full) ? full : undefined;
  }
  try {
    return createRequire(join(baseDir, 'noop.js')).resolve(spec);
  } catch {
    return undefined;
  }
}

function pluginPathHint(spec: string, baseDir: string): string | undefined {
  const full = resolve(baseDir, spec);
  for (const ext of ['.js', '.mjs']) if (existsSync(full + ext)) return `did you mean "${spec}${ext}"?`;
  return existsSync(dirname(full)) ? undefined : `folder ${dirname(full)} does not exist`;
}

function planningProblem(planning: unknown, plugin: boolean): string | undefined {
  if (!planning || typeof planning !== 'object') return 'the default export is not a check definition';
  const d = planning as Partial<AnyPlanning>;
  const m = d.meta;
  if (!m || typeof m !== 'object') return 'missing meta';
  if (typeof m.id !== 'string' || !(plugin ? PLUGIN_ID : ID).test(m.id)) {
    return plugin
      ? `meta.id "${String(m.id)}" must be namespaced, e.g. "acme/sip-options"`
      : `meta.id "${String(m.id)}" must be kebab-case`;
  }
  if (typeof m.title !== 'string' || typeof m.failureTitle !== 'string') return 'meta.title and meta.failureTitle are required';
  if (!CATEGORIES.includes(m.category)) return `meta.category must be one of ${CATEGORIES.join(', ')}`;
  if (!SEVERITIES.includes(m.severity)) return `meta.severity must be one of ${SEVERITIES.join(', ')}`;
  if (typeof m.weight !== 'number' || m.weight < 0) return 'meta.weight must be a number ≥ 0';
  if (typeof d.targets !== 'function') return 'targets() is required';
  return undefined;
}

function shapeProblem(def: unknown, plugin: boolean): string | undefined {
  const problem = planningProblem(def, plugin);
  if (problem) return problem;
  const d = def as Partial<CheckDefinition<unknown>>;
  const measured = d as Partial<MeasuredCheck<unknown>>;
  if (typeof measured.measure === 'function') {
    if (typeof measured.judge !== 'function') return 'a check with measure() needs judge() too';
    const f = measured.facts;
    if (!f || typeof f !== 'object' || !Number.isInteger(f.version) || f.version < 1 || !f.schema || typeof f.schema !== 'object') {
      return 'facts: { version (an integer ≥ 1), schema (a JSON Schema) } is required with measure()';
    }
  } else if (typeof (d as { run?: unknown }).run !== 'function') return 'measure() and judge() (or run()) are required';
  if (!d.messages || typeof d.messages.en !== 'object') return 'messages.en is required';
  return undefined;
}
