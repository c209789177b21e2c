// Compliance rule results go through the same waiver matching as every other result.

import { describe, expect, it } from 'vitest';
import { loadProfileRef } from '../../src/compliance/registry.js';
import { evaluateProfiles, outcomesToResults } from '../../src/compliance/stage.js';
import { applyWaivers } from '../../src/scoring/waivers.js';
import { siteText } from './helpers.js';

const site = (waiver: string) =>
  siteText(`version: 1
site: { name: w }
platform:
  endpoints:
    - { name: legacy, url: "http://legacy.example.test/" }
compliance:
  profiles: [baseline]
  waivers:
    - ${waiver}
`);

function waived(waiver: string) {
  const s = site(waiver);
  const results = outcomesToResults(evaluateProfiles([loadProfileRef('baseline', process.cwd())], s, []), s);
  const { waived: map, states } = applyWaivers(results, s.compliance.waivers, new Date('2026-06-01T00:00:00Z'));
  return { keys: [...map.keys()].sort(), states, results };
}

describe('waivers of compliance rules', () => {
  it('finding: <profile>.<rule> waives that rule only', () => {
    const w = waived('{ check: compliance, finding: baseline.admin-mfa, justification: "MFA tokens arrive next month." }');
    expect(w.keys).toEqual(['compliance:baseline.admin-mfa']);
    expect(w.states[0]!.status).toBe('applied');
  });

  it('target: <profile> waives every failing or unevaluated rule of the profile', () => {
    const w = waived('{ check: compliance, target: baseline, justification: "Pilot site, baseline applies from go-live." }');
    const failing = w.results
      .filter((r) => r.status === 'fail' || r.status === 'error')
      .map((r) => r.key)
      .sort();
    expect(failing.length).toBeGreaterThan(2);
    expect(w.keys).toEqual(failing);
  });

  it('an expired waiver stops applying', () => {
    const w = waived(
      '{ check: compliance, finding: baseline.admin-mfa, justification: "MFA tokens arrive next month.", expires: "2026-01-31" }',
    );
    expect(w.keys).toEqual([]);
    expect(w.states[0]!.status).toBe('expired');
  });
});
