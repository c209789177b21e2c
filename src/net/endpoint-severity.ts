// How severe an unreachable endpoint is for an IM rollout. Apart from shared.ts (DNS, trust stores)
// so that planning, which gives targets their severity, loads no network code.

import type { Endpoint, Severity } from '../plugin-api.js';

const CRITICAL_ROLES = new Set(['signalling', 'api', 'media', 'turn', 'stun', 'sso']);

/** Severity of an endpoint being unusable: explicit, else by what the IM client needs it for. */
export function unreachableSeverity(endpoint: Endpoint): Severity {
  if (endpoint.severity) return endpoint.severity;
  return CRITICAL_ROLES.has(endpoint.role) ? 'critical' : 'high';
}
