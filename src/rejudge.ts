// Judge the facts a saved report holds again, with the thresholds, check options, waivers and
// compliance profiles of a (possibly edited) site file — Lighthouse's `-A`: measure once at the
// branch, judge anywhere, with no network at all. A result whose facts cannot be judged again (a
// check that measured and judged in one step, an older facts version, a target the site no longer
// has) says so as an error result; it never keeps its old verdict silently.

import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { stringify } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { complianceCheck, evaluateProfiles, outcomesToResults } from './compliance/stage.js';
import { loadSiteProfiles } from './compliance/registry.js';
import { isMeasuredCheck, type MeasuredCheck } from './plugin-api.js';
import { buildReport, type Report, type ReportResult } from './report/model.js';
import { planAssessment, withTaskChecks } from './runner/plan.js';
import { platformVerdicts } from './platform-verdicts.js';
import { judgeFacts, withVerdict } from './runner/judge.js';
import { allChecks } from './runner/registry.js';
import type { TaskResult } from './runner/run.js';
import { evaluateGate, hasGate, type GateOptions } from './report/gate.js';
import { loadSiteFile, parseSiteText } from './site/load.js';
import { Redactor } from './site/secrets.js';
import type { Site } from './site/types.js';
import { toolVersion } from './version.js';

export interface RejudgeOptions {
  /** The site file whose thresholds, options, waivers and profiles judge; default: the site the report describes. */
  siteFile?: string;
  /** Compliance profiles (ids or paths) instead of the site's own. */
  profiles?: string[];
  gate?: GateOptions;
  now?: Date;
}

export interface NotRejudged {
  check: string;
  target: string;
  reason: string;
}

const require = createRequire(import.meta.url);
const factValidators = new WeakMap<object, ValidateFunction>();

function factsProblem(def: MeasuredCheck<unknown, unknown>, facts: unknown): string | undefined {
  let validate = factValidators.get(def.facts.schema);
  if (!validate) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(def.facts.schema);
    factValidators.set(def.facts.schema, validate);
  }
  if (validate(facts)) return undefined;
  return (validate.errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(facts)'} ${e.message ?? e.keyword}`)
    .join('; ');
}

async function siteFor(report: Report, opts: RejudgeOptions): Promise<{ site: Site; dir: string }> {
  // Secrets are never needed to judge: unset ones are left empty rather than refused.
  if (opts.siteFile) {
    const { site } = await loadSiteFile(opts.siteFile, { secrets: 'placeholder' });
    return { site, dir: dirname(resolve(opts.siteFile)) };
  }
  const { site } = parseSiteText(stringify(report.siteDescription ?? {}), report.site.file, { env: {}, secrets: 'placeholder' });
  return { site, dir: process.cwd() };
}

function asTaskResult(r: ReportResult): TaskResult {
  return {
    key: `${r.check}:${r.target}`,
    check: r.check,
    target: r.target,
    status: r.status,
    score: r.score,
    durationMs: r.durationMs,
    measurements: r.measurements,
    findings: r.findings,
    facts: r.facts,
    ...(r.factsVersion !== undefined ? { factsVersion: r.factsVersion } : {}),
    ...(r.blocks ? { blocks: r.blocks } : {}),
    ...(r.classification ? { classification: r.classification } : {}),
    ...(r.path ? { path: r.path } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.location ? { location: r.location } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

/** The saved report judged again; `rejudged` in it says with what, and what could not be. */
export async function rejudgeReport(
  saved: Report,
  opts: RejudgeOptions = {},
): Promise<Report & { rejudged: NonNullable<Report['rejudged']> }> {
  const { site, dir } = await siteFor(saved, opts);
  if (opts.profiles) site.compliance.profiles = opts.profiles;
  // Whole: the checks with tasks, and those the saved report has results of.
  const plan = await withTaskChecks(
    planAssessment(site, await allChecks(site, dir)),
    saved.results.map((r) => r.check),
  );
  const checks = plan.checks;
  const tasks = new Map(plan.tasks.map((t) => [t.key, t]));
  const notRejudged: NotRejudged[] = [];

  const results: TaskResult[] = [];
  for (const old of saved.results) {
    if (old.check === 'compliance') continue; // evaluated again below, from the re-judged results
    const kept = asTaskResult(old);
    // Nothing was measured (a task that failed or was not run): nothing to judge, and no verdict to keep.
    if ((old.status === 'error' || old.status === 'skipped') && old.factsVersion === undefined) {
      results.push(kept);
      continue;
    }
    const refuse = (reason: string) => {
      notRejudged.push({ check: old.check, target: old.target, reason });
      results.push({
        ...kept,
        status: 'error',
        score: null,
        measurements: [],
        findings: [],
        error: { kind: 'not-rejudged', message: reason },
      });
    };
    const task = tasks.get(kept.key);
    const def = task?.check.def ?? checks.find((c) => c.id === old.check)?.def;
    if (!def) {
      refuse(`the ${old.check} check is not available here`);
      continue;
    }
    if (!isMeasuredCheck(def) || old.factsVersion === undefined) {
      refuse(`the ${old.check} check's results in this report carry no versioned facts: measure again to judge them`);
      continue;
    }
    if (old.factsVersion !== def.facts.version) {
      refuse(`the facts are version ${old.factsVersion}; this ${old.check} check judges version ${def.facts.version}: measure again`);
      continue;
    }
    if (!task) {
      refuse(`the site no longer gives the ${old.check} check the target ${old.target}`);
      continue;
    }
    const problem = factsProblem(def, old.facts);
    if (problem) {
      refuse(`the saved facts do not match the ${old.check} facts schema: ${problem}`);
      continue;
    }
    const verdict = judgeFacts(def, structuredClone(old.facts), { options: task.options, site, target: task.target });
    results.push(withVerdict(kept, verdict));
  }

  const profiles = site.compliance.profiles.length ? loadSiteProfiles(site, dir) : [];
  const all = profiles.length ? [...results, ...outcomesToResults(evaluateProfiles(profiles, site, results), site)] : results;
  const used = [...plan.checks, ...(profiles.length ? [complianceCheck(profiles)] : [])].filter((c) => all.some((r) => r.check === c.id));
  const report = buildReport({
    site,
    checks: used,
    results: all,
    startedAt: new Date(saved.startedAt),
    finishedAt: new Date(saved.finishedAt),
    toolVersion: toolVersion(),
    redactor: new Redactor(),
    // Where it was measured from does not change with the judging.
    ...(saved.vantage ? { vantage: saved.vantage } : {}),
    ...(profiles.length ? { profiles } : {}),
    ...(site.platform.catalogs?.length
      ? {
          platforms: platformVerdicts(
            site,
            [...plan.checks, ...(profiles.length ? [complianceCheck(profiles)] : [])],
            plan.tasks,
            all,
            opts.now ?? new Date(),
          ),
        }
      : {}),
    ...(saved.interruption ? { interruption: saved.interruption } : {}),
    now: opts.now ?? new Date(),
  });
  const gate = { ...site.gate, ...opts.gate } as GateOptions;
  if (hasGate(gate)) report.gate = evaluateGate(report, gate);
  return {
    ...report,
    rejudged: {
      at: (opts.now ?? new Date()).toISOString(),
      site: { file: site.file, sha256: site.sha256 },
      measuredWith: saved.tool.version,
      notRejudged,
    },
  };
}
