// The checks a saved report names, loaded again for their message catalogs and descriptions so a
// re-rendered report reads in any language: the built-in checks, and the compliance profiles the
// report evaluated when they ship with siteready. A plugin's findings keep the English text saved
// in the report.

import { complianceCheck } from '../compliance/stage.js';
import { loadProfileRef, shippedProfileIds } from '../compliance/registry.js';
import type { Profile } from '../compliance/types.js';
import type { Report } from '../report/model.js';
import { builtinChecks, type LoadedCheck } from '../runner/registry.js';

export async function knownChecks(report: Report): Promise<LoadedCheck[]> {
  const builtin = (await builtinChecks()).filter((c) => report.checks.some((x) => x.id === c.id));
  const shipped = new Set(shippedProfileIds());
  const profiles: Profile[] = [];
  for (const p of report.compliance ?? []) {
    if (!shipped.has(p.id)) continue;
    try {
      profiles.push(loadProfileRef(p.id, process.cwd()));
    } catch {
      // A profile that no longer loads leaves its rules in the report's English.
    }
  }
  return profiles.length ? [...builtin, complianceCheck(profiles)] : builtin;
}
