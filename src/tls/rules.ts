// The compliance rule sets a TLS scan is checked against. Each set lives in rulesets/; this module
// names the results, looks up their title and fix in the chosen language and says pass or fail.

import type { Lang } from '../i18n/index.js';
import { ruleText } from './rule-messages.js';
import { bsiRules } from './rulesets/bsi.js';
import type { RuleOutcome } from './rulesets/common.js';
import { MOZILLA_INTERMEDIATE, MOZILLA_MODERN, mozillaRules } from './rulesets/mozilla.js';
import { nistRules } from './rulesets/nist.js';
import { pciRules } from './rulesets/pci.js';
import type { RuleResult, RuleSetId, TlsScan } from './types.js';

export const RULE_SETS: Readonly<Record<RuleSetId, (scan: TlsScan) => RuleOutcome[]>> = {
  'mozilla-modern': (scan) => mozillaRules(scan, MOZILLA_MODERN),
  'mozilla-intermediate': (scan) => mozillaRules(scan, MOZILLA_INTERMEDIATE),
  'nist-800-52r2': nistRules,
  'bsi-tr-02102-2': bsiRules,
  'pci-dss-4': pciRules,
};

export const RULE_SET_IDS = Object.keys(RULE_SETS) as RuleSetId[];

export function evaluateTlsRules(scan: TlsScan, sets: RuleSetId[], lang: Lang = 'en'): RuleResult[] {
  return sets.flatMap((set) =>
    RULE_SETS[set](scan).map((r): RuleResult => {
      const id = `${set}.${r.key}`;
      const offending = r.offending;
      const evaluated = offending !== undefined;
      return {
        ruleSet: set,
        id,
        title: ruleText(id, lang),
        passed: evaluated && offending.length === 0,
        offending: offending ?? [],
        fix: ruleText(`${id}.fix`, lang),
        source: r.source,
        level: r.level,
        ...(evaluated ? {} : { evaluated: false as const }),
      };
    }),
  );
}

/** A scan that shows nothing: evaluating it lists every rule of a set with its source. */
function emptyScan(): TlsScan {
  const unknown = 'unknown' as const;
  return {
    host: '-',
    port: 0,
    address: '-',
    versions: { SSLv2: unknown, SSLv3: unknown, 'TLSv1.0': unknown, 'TLSv1.1': unknown, 'TLSv1.2': unknown, 'TLSv1.3': unknown },
    accepted: [],
    preference: {},
    groups: [],
    facts: {
      secureRenegotiation: unknown,
      fallbackScsv: unknown,
      compression: unknown,
      extendedMasterSecret: unknown,
      sessionIdResumption: unknown,
      sessionTicket: unknown,
      heartbeat: unknown,
      heartbleed: unknown,
      alpn: [],
      ocspStapling: unknown,
    },
    probes: 0,
    durationMs: 0,
    errors: [],
  };
}

/** Every rule of the given sets — id, title, fix, source, level — for `siteready checks tls`. */
export function describeTlsRules(sets: readonly RuleSetId[] = RULE_SET_IDS, lang: Lang = 'en'): Array<Pick<RuleResult, 'ruleSet' | 'id' | 'title' | 'fix' | 'source' | 'level'>> {
  return evaluateTlsRules(emptyScan(), [...sets], lang).map(({ ruleSet, id, title, fix, source, level }) => ({ ruleSet, id, title, fix, source, ...(level ? { level } : {}) }));
}
