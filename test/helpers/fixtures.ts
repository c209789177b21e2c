// Small builders for unit tests of the pure stages (scoring, gating, scheduling).

import type { CheckDefinition, CheckMeta } from '../../src/plugin-api.js';
import type { LoadedCheck } from '../../src/runner/registry.js';
import type { TaskResult } from '../../src/runner/run.js';
import { parseSiteText } from '../../src/site/load.js';
import type { ReportPlatform } from '../../src/report/model.js';

export function meta(id: string, over: Partial<CheckMeta> = {}): CheckMeta {
  return {
    id,
    title: id,
    failureTitle: `${id} failed`,
    description: '',
    category: 'network',
    severity: 'high',
    weight: 1,
    references: [],
    ...over,
  };
}

export function result(check: string, target: string, over: Partial<TaskResult> = {}): TaskResult {
  return {
    key: `${check}:${target}`,
    check,
    target,
    status: 'pass',
    score: 1,
    durationMs: 1,
    measurements: [],
    findings: [],
    facts: {},
    ...over,
  };
}

export function failing(check: string, target: string, severity: TaskResult['findings'][number]['severity'], score = 0): TaskResult {
  return result(check, target, {
    status: 'fail',
    score,
    findings: [{ id: `${check}.broken`, severity, message: { id: 'm' } }],
  });
}

export function siteYaml(extra = ''): string {
  return `version: 1
site: { name: Unit }
platform:
  endpoints:
    - { name: a, host: 127.0.0.1, port: 1 }
    - { name: b, host: 127.0.0.1, port: 2 }
${extra}`;
}

export function loadSite(extra = '') {
  return parseSiteText(siteYaml(extra), 'unit.yaml', { env: {} });
}

export function loaded(def: CheckDefinition<any>): LoadedCheck {
  return { id: def.meta.id, def, source: 'plugin', origin: 'test' };
}

/** A platform's verdict as report.platforms[] holds it. */
export function platformVerdict(over: Partial<ReportPlatform> = {}): ReportPlatform {
  return {
    id: 'zoom',
    name: 'Zoom',
    vendor: 'Zoom',
    kind: 'saas',
    version: '2026-12-01',
    sources: [],
    unconfirmed: [],
    endpoints: 4,
    untested: [],
    score: 74,
    grade: 'C',
    verdict: 'NOT READY',
    complete: true,
    blockerCount: 2,
    ownBlockerCount: 1,
    blockers: [],
    ...over,
  };
}
