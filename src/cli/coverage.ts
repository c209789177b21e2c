// What a validated site will actually test: the checks planned for each endpoint, and what the
// file declares that no check will look at. A field nothing reads is silently ignored at assess
// time, so a user who wrote it believes something is tested that is not; validate says so.

import type { Site } from '../site/types.js';

/** The part of a planned task this needs (runner Task). */
export interface PlannedTask {
  check: { id: string };
  target: { endpoint?: { name: string } };
}

export interface EndpointPlan {
  endpoint: string;
  checks: string[];
}

export interface Untested {
  kind: 'endpoint' | 'ports' | 'transports' | 'platform';
  /** The endpoint's name, or the platform catalog entry (`<platform>/<entry>`). */
  target: string;
  message: string;
}

// The checks that read these endpoint fields; on an endpoint none of them targets, the field is dead.
const PORT_CHECKS = ['sweep', 'stun'];
const TRANSPORT_CHECKS = ['stun', 'turn'];

export function coverageOf(site: Pick<Site, 'platform'>, tasks: readonly PlannedTask[]): { plan: EndpointPlan[]; untested: Untested[] } {
  const byEndpoint = new Map<string, string[]>();
  for (const task of tasks) {
    const name = task.target.endpoint?.name;
    if (name === undefined) continue;
    const checks = byEndpoint.get(name) ?? [];
    if (!checks.includes(task.check.id)) checks.push(task.check.id);
    byEndpoint.set(name, checks);
  }
  const plan: EndpointPlan[] = [];
  const untested: Untested[] = [];
  for (const ep of site.platform.endpoints) {
    const checks = byEndpoint.get(ep.name) ?? [];
    plan.push({ endpoint: ep.name, checks });
    if (!checks.length) {
      untested.push({
        kind: 'endpoint',
        target: ep.name,
        message: ep.checks?.length
          ? `endpoint ${ep.name}: no check tests it (its checks: [${ep.checks.join(', ')}] name none that apply or run)`
          : `endpoint ${ep.name}: no check tests it`,
      });
      continue;
    }
    if (ep.ports?.length && !checks.some((c) => PORT_CHECKS.includes(c))) {
      untested.push({
        kind: 'ports',
        target: ep.name,
        message:
          `endpoint ${ep.name}: ports [${ep.ports.join(', ')}] are not tested ` +
          '(sweep connects to TCP endpoints only; UDP ports are probed only on stun/turn endpoints)',
      });
    }
    if (ep.transports?.length && !checks.some((c) => TRANSPORT_CHECKS.includes(c))) {
      untested.push({
        kind: 'transports',
        target: ep.name,
        message: `endpoint ${ep.name}: transports [${ep.transports.join(', ')}] are not tested (only stun and turn endpoints use them)`,
      });
    }
  }
  for (const u of site.platform.untested ?? []) {
    untested.push({
      kind: 'platform',
      target: `${u.platform}/${u.entry}`,
      message: `platform ${u.platform}, ${u.entry}: ${u.what} is not testable from the site`,
    });
  }
  return { plan, untested };
}

/** One line per endpoint, names aligned: `  im     → dns, tcp, http, tls`. */
export function formatEndpointPlan(plan: readonly EndpointPlan[]): string {
  // Long generated names (catalog entries) would push every arrow far right: align up to a limit.
  const width = Math.min(40, Math.max(0, ...plan.map((p) => p.endpoint.length)));
  return plan.map((p) => `  ${p.endpoint.padEnd(width)}  → ${p.checks.length ? p.checks.join(', ') : '(nothing)'}\n`).join('');
}
