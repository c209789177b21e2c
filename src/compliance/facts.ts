// The facts document a profile's rules address: the site description as loaded (secrets left as
// their ${VAR} references) plus every check's results, and a joined view of the endpoints with the
// results that concern each. Every object that starts a new provenance (a site section, an
// endpoint, a check result, a resolved address) is remembered, so the evaluator can say for any
// fact it used whether it came from a YAML line or from a check's measurement.

import { isIP } from 'node:net';
import type { TaskResult } from '../runner/run.js';
import { escapePointer } from '../site/positions.js';
import type { Site } from '../site/types.js';
import type { FactSource } from './types.js';

export type Origin =
  { kind: 'site'; pointer: string } | { kind: 'result'; check: string; target: string; status: string; field: string; note?: string };

export interface Facts {
  root: Record<string, unknown>;
  origins: WeakMap<object, Origin>;
  site: Site;
}

/**
 * Result fields as rules see them: measurements keyed by id, finding ids, the check's facts.
 * `details` is the same object under the name reports used before facts were typed, so profiles
 * written for those reports keep working.
 */
export interface ResultFacts {
  check: string;
  target: string;
  status: string;
  score: number | null;
  measurements: Record<string, unknown>;
  facts: Record<string, unknown>;
  details: Record<string, unknown>;
  /** How the path behaved, as the check judged it (may say more than the facts: intercepted). */
  classification?: string;
  findings: string[];
  error?: string;
}

export function buildFacts(site: Site, results: TaskResult[]): Facts {
  const origins = new WeakMap<object, Origin>();
  const redacted = (site.redacted ?? {}) as Record<string, unknown>;
  const root: Record<string, unknown> = {};
  for (const [section, value] of Object.entries(redacted)) {
    if (section === 'checks') continue; // per-check options; `results` holds what checks found
    root[section] = value;
    if (value && typeof value === 'object') origins.set(value, { kind: 'site', pointer: `/${escapePointer(section)}` });
  }

  const byCheck: Record<string, ResultFacts[]> = {};
  const facts = new Map<TaskResult, ResultFacts>();
  for (const r of results) {
    if (r.check === 'compliance') continue;
    const f: ResultFacts = {
      check: r.check,
      target: r.target,
      status: r.status,
      score: r.score,
      measurements: Object.fromEntries(r.measurements.map((m) => [m.id, m.value])),
      facts: r.facts,
      details: r.facts,
      ...(r.classification ? { classification: r.classification } : {}),
      findings: r.findings.map((x) => x.id),
      ...(r.error ? { error: r.error.message } : {}),
    };
    // Why a result has no facts (an error, a skip reason) explains a rule that could not be evaluated.
    const note = r.error?.message ?? (typeof r.facts.reason === 'string' ? r.facts.reason : undefined);
    origins.set(f, { kind: 'result', check: r.check, target: r.target, status: r.status, field: '', ...(note ? { note } : {}) });
    facts.set(r, f);
    (byCheck[r.check] ??= []).push(f);
  }
  root.results = byCheck;

  const rawEndpoints = ((redacted.platform as { endpoints?: unknown[] } | undefined)?.endpoints ?? []) as Array<Record<string, unknown>>;
  root.endpoints = site.platform.endpoints.map((ep, i) => {
    const raw = rawEndpoints[i] ?? {};
    const mine: Record<string, ResultFacts> = {};
    for (const [r, f] of facts) {
      const names = Array.isArray(r.facts.endpoints) ? (r.facts.endpoints as unknown[]) : [];
      if (r.target === ep.name || names.includes(ep.name)) {
        // One result per check per endpoint; a result named after the endpoint wins over a shared one.
        if (!mine[r.check] || r.target === ep.name) mine[r.check] = f;
      }
    }
    const view: Record<string, unknown> = {
      ...raw,
      name: ep.name,
      role: ep.role,
      protocol: ep.protocol,
      host: ep.host,
      port: ep.port,
      ...(ep.url ? { url: ep.url } : {}),
      via: ep.via,
      expect: ep.expect,
      results: mine,
    };
    const resolved = resolvedAddresses(ep.host, mine.dns, origins, ep.location.path ?? `/platform/endpoints/${i}`);
    if (resolved) view.resolved = resolved;
    origins.set(view, { kind: 'site', pointer: ep.location.path ?? `/platform/endpoints/${i}` });
    return view;
  });
  return { root, origins, site };
}

/**
 * The addresses clients reach an endpoint at: the host itself when it is an IP literal, else the
 * dns check's answer. Absent when there is no answer (the rule then cannot be evaluated).
 */
function resolvedAddresses(
  host: string,
  dns: ResultFacts | undefined,
  origins: WeakMap<object, Origin>,
  pointer: string,
): Array<{ address: string; family: number }> | undefined {
  const family = isIP(host);
  if (family) {
    const literal = { address: host, family };
    origins.set(literal, { kind: 'site', pointer: `${pointer}/host` });
    return [literal];
  }
  const addresses = dns?.facts.addresses;
  if (!dns || !Array.isArray(addresses)) return undefined;
  return addresses.map((a: { address?: unknown; family?: unknown }, k) => {
    const entry = { address: String(a.address), family: Number(a.family) };
    origins.set(entry, { kind: 'result', check: dns.check, target: dns.target, status: dns.status, field: `facts.addresses[${k}]` });
    return entry;
  });
}

/** Turns the last origin passed on the way to a fact, plus the path walked since, into a source. */
export function sourceOf(facts: Facts, origin: Origin | undefined, rest: Array<string | number>): FactSource | undefined {
  if (!origin) return undefined;
  if (origin.kind === 'site') {
    const pointer = `${origin.pointer}${rest.map((s) => `/${escapePointer(s)}`).join('')}`;
    const location = facts.site.locate(pointer);
    return { kind: 'site', path: pointerToPath(pointer), pointer, location };
  }
  const restText = rest.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
  const field = `${origin.field}${restText}`.replace(/^\./, '');
  const measurement = rest[0] === 'measurements' && typeof rest[1] === 'string' ? rest[1] : undefined;
  return {
    kind: 'result',
    check: origin.check,
    target: origin.target,
    field,
    ...(measurement ? { measurement } : {}),
    status: origin.status,
  };
}

/** /security/auditLog/retentionDays → security.auditLog.retentionDays; list indices as [n]. */
export function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}
