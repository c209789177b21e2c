// The fixture report (a real demo run with every status and severity) and the catalogs a
// renderer needs to translate it: the built-in checks' and the compliance profiles' it names.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../../src/plugin-api.js';
import { loadProfileRef } from '../../src/compliance/registry.js';
import { complianceCheck } from '../../src/compliance/stage.js';
import type { Report } from '../../src/report/model.js';
import { builtinChecks } from '../../src/runner/registry.js';

export const FIXTURE = fileURLToPath(new URL('../fixtures/report-every-status.json', import.meta.url));

export function fixtureReport(): Report {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Report;
}

export async function fixtureCatalogs(report: Report = fixtureReport()): Promise<Map<string, Record<string, Catalog>>> {
  const checks = (await builtinChecks()).filter((c) => c.def);
  const map = new Map(checks.map((c) => [c.id, c.def!.messages as Record<string, Catalog>]));
  const profiles = (report.compliance ?? []).map((p) => loadProfileRef(p.id, process.cwd()));
  if (profiles.length) map.set('compliance', complianceCheck(profiles).def!.messages as Record<string, Catalog>);
  return map;
}
