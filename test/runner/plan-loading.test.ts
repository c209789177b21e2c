// Planning loads each built-in check's plan.ts only; the measuring and judging code of a check
// loads when the plan has tasks of it (or a saved report has results of it).

import { describe, expect, it } from 'vitest';
import { planAssessment, withTaskChecks } from '../../src/runner/plan.js';
import { allChecks } from '../../src/runner/registry.js';
import { runPlan } from '../../src/runner/run.js';
import { parseSiteText } from '../../src/site/load.js';

const SITE = 'version: 1\nsite: {name: t}\nplatform:\n  name: IM\n  endpoints:\n    - {name: web, url: "https://127.0.0.1:1/"}\n';

async function planned() {
  const { site } = parseSiteText(SITE, 'site.yaml');
  return planAssessment(site, await allChecks(site));
}

describe('planning without the checks’ measuring code', () => {
  it('plans from the planning parts alone: no whole definition is loaded', async () => {
    const plan = await planned();
    expect(plan.tasks.map((t) => t.check.id)).toEqual(expect.arrayContaining(['tcp', 'http', 'tls']));
    expect(plan.checks.filter((c) => c.def).map((c) => c.id)).toEqual([]);
    expect(plan.unplanned.find((u) => u.check.id === 'sweep')?.reason).toBe('not-applicable');
  });

  it('withTaskChecks loads the whole definition of exactly the checks that have tasks', async () => {
    const plan = await withTaskChecks(await planned());
    const withTasks = new Set(plan.tasks.map((t) => t.check.id));
    for (const c of plan.checks) expect(Boolean(c.def), c.id).toBe(withTasks.has(c.id));
    for (const t of plan.tasks) expect(t.check.def?.meta.id).toBe(t.check.id);
    // The unplanned keep their planning part: the report still names and describes them.
    for (const u of plan.unplanned) expect(u.check.planning?.meta.id ?? u.check.def?.meta.id).toBe(u.check.id);
  });

  it('…and of the checks asked for besides (a saved report’s results)', async () => {
    const plan = await withTaskChecks(await planned(), ['sweep']);
    expect(plan.checks.find((c) => c.id === 'sweep')?.def?.meta.id).toBe('sweep');
  });

  it('runPlan refuses a plan whose checks were not loaded, rather than judging with nothing', async () => {
    await expect(runPlan(await planned())).rejects.toThrow(/not loaded \(.*tcp.*\): pass it through withTaskChecks\(\) first/);
  });
});
