// Site + checks → Plan: the (check × target) tasks to run, each with its options and deadline.
// Everything that can be wrong with the configuration is found here, before any traffic.

import { ConfigError, errorMessage, type Diagnostic } from '../errors.js';
import type { Target } from '../plugin-api.js';
import type { Site } from '../site/types.js';
import { validateAgainst } from '../site/validate.js';
import { planningOf, unknownCheckError, withDefinitions, type LoadedCheck } from './registry.js';

export const DEFAULT_TASK_TIMEOUT_MS = 15_000;

export interface Task {
  key: string;
  check: LoadedCheck;
  target: Target;
  options: Record<string, unknown>;
  timeoutMs: number;
}

/** A check that produced no tasks, and why: shown in the report, never counted as a pass. */
export interface Unplanned {
  check: LoadedCheck;
  reason: 'not-applicable' | 'disabled' | 'opt-in' | 'load-error' | 'targets-error';
  message?: string;
}

export interface Plan {
  site: Site;
  checks: LoadedCheck[];
  tasks: Task[];
  unplanned: Unplanned[];
}

export interface PlanOptions {
  /** Run only these checks (`siteready run <check>`). */
  only?: string[];
  taskTimeoutMs?: number;
  /** Plugins were named but not loaded (`validate` without --load-plugins): their namespaced ids are not unknown. */
  pluginsNotLoaded?: boolean;
}

export function planAssessment(site: Site, checks: LoadedCheck[], opts: PlanOptions = {}): Plan {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const known = [...byId.keys()];
  const problems: Diagnostic[] = [];
  const unknownCheckProblems = (id: string, where?: Parameters<typeof unknownCheckError>[2]) =>
    opts.pluginsNotLoaded && id.includes('/') ? [] : unknownCheckError(id, known, where).diagnostics;

  for (const id of Object.keys(site.checks)) {
    if (!byId.has(id)) problems.push(...unknownCheckProblems(id, site.locate(`/checks/${id}`)));
  }
  for (const ep of site.platform.endpoints) {
    for (const [i, id] of (ep.checks ?? []).entries()) {
      if (!byId.has(id)) {
        const ptr = `${ep.location.path}/checks/${i}`;
        problems.push(...unknownCheckProblems(id, site.locate(ptr)));
      }
    }
  }
  for (const [i, w] of site.compliance.waivers.entries()) {
    // Waivers of compliance rules are checked against the loaded profiles (src/compliance/registry.ts).
    if (w.check === 'compliance' && site.compliance.profiles.length) continue;
    if (!byId.has(w.check)) problems.push(...unknownCheckProblems(w.check, site.locate(`/compliance/waivers/${i}/check`)));
  }
  for (const key of Object.keys(site.thresholds)) {
    const id = key.slice(0, key.indexOf('.'));
    if (!byId.has(id)) problems.push(...unknownCheckProblems(id, site.locate(`/thresholds/${key.replace(/\//g, '~1')}`)));
  }
  if (opts.only) for (const id of opts.only) if (!byId.has(id)) problems.push(...unknownCheckProblems(id));

  const optionsById = new Map<string, Record<string, unknown>>();
  for (const c of checks) {
    const planning = planningOf(c);
    const section = site.checks[c.id] ?? {};
    const { enabled: _enabled, ...rest } = section;
    // A check the site says nothing about runs on its defaults: nothing to validate, and no
    // schema to compile (each costs a few milliseconds of every start).
    if (planning?.inputs && Object.keys(rest).length > 0) {
      const found = validateAgainst(planning.inputs.schema, rest, `/checks/${c.id}`);
      for (const p of found) {
        const loc = site.locate(p.path ?? '');
        problems.push({
          file: loc.file,
          line: loc.line,
          column: loc.column,
          path: p.path,
          message: p.message,
          ...(p.hint ? { hint: p.hint } : {}),
        });
      }
    }
    optionsById.set(c.id, { ...(planning?.inputs?.defaults as Record<string, unknown> | undefined), ...rest });
  }
  if (problems.length) throw new ConfigError(`${problems.length} problem(s) in the site's checks`, problems);

  const tasks: Task[] = [];
  const unplanned: Unplanned[] = [];
  const selected = opts.only ? checks.filter((c) => opts.only!.includes(c.id)) : checks;
  for (const check of selected) {
    const planning = planningOf(check);
    if (site.checks[check.id]?.enabled === false) {
      unplanned.push({ check, reason: 'disabled' });
      continue;
    }
    if (planning?.meta.optIn && !site.checks[check.id] && !opts.only?.includes(check.id)) {
      unplanned.push({ check, reason: 'opt-in' });
      continue;
    }
    if (!planning) {
      unplanned.push({ check, reason: 'load-error', ...(check.loadError ? { message: check.loadError } : {}) });
      continue;
    }
    const options = optionsById.get(check.id) ?? {};
    let targets: Target[];
    try {
      targets = planning.targets(site, options).filter((t) => !t.endpoint?.checks || t.endpoint.checks.includes(check.id));
    } catch (err) {
      unplanned.push({ check, reason: 'targets-error', message: errorMessage(err) });
      continue;
    }
    if (targets.length === 0) {
      unplanned.push({ check, reason: 'not-applicable' });
      continue;
    }
    // The site's own setting wins, then the command line, then the check's default.
    const timeoutMs = numberOr(
      options.timeoutMs,
      opts.taskTimeoutMs ?? planning.deadlineMs?.(options) ?? planning.meta.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
    );
    for (const target of targets) {
      tasks.push({ key: `${check.id}:${target.id}`, check, target, options, timeoutMs });
    }
  }
  return { site, checks, tasks, unplanned };
}

/**
 * The plan with the whole definition of every check it has tasks of, and of the checks in `also`:
 * planning loads only what it needs, measuring and judging need the rest.
 */
export async function withTaskChecks<P extends Plan>(plan: P, also: Iterable<string> = []): Promise<P> {
  const checks = await withDefinitions(plan.checks, new Set([...plan.tasks.map((t) => t.check.id), ...also]));
  const byId = new Map(checks.map((c) => [c.id, c]));
  const whole = (c: LoadedCheck) => byId.get(c.id) ?? c;
  return {
    ...plan,
    checks,
    tasks: plan.tasks.map((t) => ({ ...t, check: whole(t.check) })),
    unplanned: plan.unplanned.map((u) => ({ ...u, check: whole(u.check) })),
  };
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}
