// The compliance rule sets a TLS scan is checked against. Each set lives in rulesets/; this module
// names the results and says pass or fail. A rule's title and fix are messages of rule-messages.ts
// keyed by its id, looked up only where text is wanted (`siteready checks tls`).

import type { Lang } from '../i18n/index.js';
import { ruleText } from './rule-messages.js';
import { bsiRules } from './rulesets/bsi.js';
import type { RuleOutcome } from './rulesets/common.js';
import { MOZILLA_INTERMEDIATE, MOZILLA_MODERN, mozillaRules } from './rulesets/mozilla.js';
import { nistRules } from './rulesets/nist.js';
import { pciRules } from './rulesets/pci.js';
import { RULE_SET_IDS, type RuleResult, type RuleSetId, type TlsScan } from './types.js';

export const RULE_SETS: Readonly<Record<RuleSetId, (scan: TlsScan) => RuleOutcome[]>> = {
  'mozilla-modern': (scan) => mozillaRules(scan, MOZILLA_MODERN),
  'mozilla-intermediate': (scan) => mozillaRules(scan, MOZILLA_INTERMEDIATE),
  'nist-800-52r2': nistRules,
  'bsi-tr-02102-2': bsiRules,
  'pci-dss-4': pciRules,
};

export { RULE_SET_IDS };

export function evaluateTlsRules(scan: TlsScan, sets: readonly RuleSetId[]): RuleResult[] {
  return sets.flatMap((set) =>
    RULE_SETS[set](scan).map((r): RuleResult => {
      const offending = r.offending;
      const evaluated = offending !== undefined;
      return {
        ruleSet: set,
        id: `${set}.${r.key}`,
        passed: evaluated && offending.length === 0,
        offending: offending ?? [],
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

export interface RuleDescription extends Pick<RuleResult, 'ruleSet' | 'id' | 'source' | 'level'> {
  title: string;
  fix: string;
}

/** Every rule of the given sets — id, title, fix, source, level — for `siteready checks tls`. */
export function describeTlsRules(sets: readonly RuleSetId[] = RULE_SET_IDS, lang: Lang = 'en'): RuleDescription[] {
  return evaluateTlsRules(emptyScan(), sets).map(({ ruleSet, id, source, level }) => ({
    ruleSet,
    id,
    title: ruleText(id, lang),
    fix: ruleText(`${id}.fix`, lang),
    source,
    level,
  }));
}
