// InSpec-style waivers: an accepted risk with a justification and an optional expiry. A waived
// result stays in the report, marked, and leaves the score, the caps and the gates. An expired
// waiver stops applying on the day after its date, and the report says so.

import type { SourceLocation } from '../plugin-api.js';
import type { TaskResult } from '../runner/run.js';
import type { Waiver } from '../site/types.js';

export interface WaiverState {
  check: string;
  target?: string;
  finding?: string;
  justification: string;
  expires?: string;
  owner?: string;
  status: 'applied' | 'expired' | 'unused';
  /** Keys of the results it applies (or would apply) to. */
  matches: string[];
  location: SourceLocation;
}

export interface AppliedWaiver {
  justification: string;
  expires?: string;
  owner?: string;
  location: SourceLocation;
}

export function isExpired(w: Pick<Waiver, 'expires'>, now: Date): boolean {
  if (!w.expires) return false;
  // Valid through the whole expiry day, UTC.
  return now.getTime() >= Date.parse(`${w.expires}T00:00:00Z`) + 86_400_000;
}

export function applyWaivers(
  results: TaskResult[],
  waivers: Waiver[],
  now: Date,
): { waived: Map<string, AppliedWaiver>; states: WaiverState[] } {
  const waived = new Map<string, AppliedWaiver>();
  const states: WaiverState[] = waivers.map((w) => {
    const matches = results
      .filter((r) => r.check === w.check && (!w.target || w.target === r.target))
      .filter((r) => !w.finding || r.findings.some((f) => f.id === w.finding))
      .filter((r) => r.status === 'fail' || r.status === 'warn' || r.status === 'error')
      .map((r) => r.key);
    const expired = isExpired(w, now);
    if (!expired) {
      for (const key of matches) {
        if (!waived.has(key)) {
          waived.set(key, {
            justification: w.justification,
            ...(w.expires ? { expires: w.expires } : {}),
            ...(w.owner ? { owner: w.owner } : {}),
            location: w.location,
          });
        }
      }
    }
    return {
      check: w.check,
      ...(w.target ? { target: w.target } : {}),
      ...(w.finding ? { finding: w.finding } : {}),
      justification: w.justification,
      ...(w.expires ? { expires: w.expires } : {}),
      ...(w.owner ? { owner: w.owner } : {}),
      status: expired ? 'expired' : matches.length ? 'applied' : 'unused',
      matches,
      location: w.location,
    };
  });
  return { waived, states };
}
