// The outcome of a probe check whose reflector could not be used: an error (nothing measured)
// that still carries a finding saying why and what to do.

import type { MeasureContext, CheckOutcome } from '../plugin-api.js';
import { PathError } from '../net/classify.js';
import { DnsLookupError } from '../net/dns.js';
import { DEFAULT_PROBE_PORT, probeName } from './context.js';
import { isProbeProtocolError, probeFailureFinding } from './messages.js';

export function probeFailureOutcome(ctx: MeasureContext<any>, checkId: string, err: unknown): CheckOutcome {
  if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
  const port = ctx.site.probe?.port ?? DEFAULT_PROBE_PORT;
  return {
    status: 'error',
    score: null,
    findings: [probeFailureFinding(checkId, err, probeName(ctx.site), port)],
    details: {
      classification: err instanceof DnsLookupError ? 'dns-failure' : err.classification,
      // As the other checks say it: the peer was reached and broke its protocol.
      ...(isProbeProtocolError(err) ? { kind: 'protocol-error' } : {}),
      expect: 'reachable',
      ...(err instanceof PathError && err.code ? { code: err.code } : {}),
      error: err.message,
    },
  };
}

/** Under the limit → 1 (targets are written "< limit"); up to twice the limit → 0.6 (warn); beyond → 0.2 (fail). */
export function limitScore(value: number, limit: number): number {
  if (value < limit || (limit === 0 && value === 0)) return 1;
  if (value <= 2 * limit) return 0.6;
  return 0.2;
}

/** ≥ floor → 1; down to half of it → 0.6 (warn); below → 0.2 (fail). */
export function floorScore(value: number, floor: number): number {
  if (value >= floor) return 1;
  if (value >= floor / 2) return 0.6;
  return 0.2;
}
