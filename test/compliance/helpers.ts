import { translator } from '../../src/i18n/index.js';
import { whyCatalogs } from '../../src/compliance/why.js';
// Builders for compliance tests: a site from YAML text or an object, results from short specs.

import { stringify } from 'yaml';
import type { TaskResult } from '../../src/runner/run.js';
import { parseSiteText } from '../../src/site/load.js';
import type { Site } from '../../src/site/types.js';

export interface ResultSpec {
  check: string;
  target: string;
  status?: TaskResult['status'];
  facts?: Record<string, unknown>;
  measurements?: Record<string, number | string | boolean>;
}

export function results(specs: ResultSpec[] = []): TaskResult[] {
  return specs.map((s) => ({
    key: `${s.check}:${s.target}`,
    check: s.check,
    target: s.target,
    status: s.status ?? 'pass',
    score: s.status === 'error' || s.status === 'skipped' ? null : 1,
    durationMs: 1,
    measurements: Object.entries(s.measurements ?? {}).map(([id, value]) => ({ id, value })),
    findings: [],
    facts: s.facts ?? {},
  }));
}

export function siteFrom(doc: Record<string, unknown>, name = 'fixture.yaml'): Site {
  return parseSiteText(stringify(doc), name, { env: {} }).site;
}

export function siteText(text: string, name = 'fixture.yaml'): Site {
  return parseSiteText(text, name, { env: {} }).site;
}

/** Objects merge key by key; lists and scalars from `over` replace those of `base`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isObject(base) && isObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
    return out;
  }
  return over;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** An outcome's explanation as a reader gets it (English by default). */
export function whyText(why: import('../../src/plugin-api.js').Message | undefined, lang: 'en' | 'zh-CN' = 'en'): string {
  if (!why) return '';
  return translator(lang).check({ en: whyCatalogs.en, 'zh-CN': whyCatalogs['zh-CN'] }, why);
}
