// Site → plan: which checks run on which targets, with the compliance profiles loaded and validated.
// Its own module so that `validate` plans without loading the runner, scoring and reports.

import { allChecks } from './runner/registry.js';
import { planAssessment, withTaskChecks, type Plan } from './runner/plan.js';
import type { Profile } from './compliance/types.js';
import type { Site } from './site/types.js';

/** A plan plus the compliance profiles the site names, loaded and validated before anything runs. */
export type AssessmentPlan = Plan & { profiles?: Profile[] };

export interface PlanSiteOptions {
  only?: string[];
  taskTimeoutMs?: number;
  /** false: find the site's plugins but do not import (run) them — validating an untrusted file. */
  executePlugins?: boolean;
  /** false: plan only, the compliance stage (its evaluator and texts) is not loaded — validating. */
  complianceStage?: boolean;
  /** false: plan only, the checks' measuring and judging code is not loaded — validating. */
  loadChecks?: boolean;
}

export async function planSite(site: Site, siteDir: string, opts: PlanSiteOptions = {}): Promise<AssessmentPlan> {
  // The rule engine (and its pattern engine) loads only for sites that name profiles.
  let profiles: Profile[] = [];
  if (site.compliance.profiles.length) {
    const { assertProfilesExist, loadSiteProfiles } = await import('./compliance/registry.js');
    assertProfilesExist(site, siteDir);
    profiles = loadSiteProfiles(site, siteDir);
  }
  const executePlugins = opts.executePlugins !== false;
  const checks = await allChecks(site, siteDir, { executePlugins });
  let plan: AssessmentPlan = planAssessment(site, checks, {
    ...(opts.only ? { only: opts.only } : {}),
    ...(opts.taskTimeoutMs ? { taskTimeoutMs: opts.taskTimeoutMs } : {}),
    ...(!executePlugins && site.plugins.length ? { pluginsNotLoaded: true } : {}),
  });
  if (opts.loadChecks !== false) plan = await withTaskChecks(plan);
  // `siteready run <check>` measures one check; rules over a whole site make no sense there.
  if (profiles.length && !opts.only) {
    plan.profiles = profiles;
    if (opts.complianceStage !== false) {
      const { complianceCheck } = await import('./compliance/stage.js');
      plan.checks = [...plan.checks, complianceCheck(profiles)];
    }
  }
  return plan;
}
