// The tls check: measure (raw hellos, one finished handshake, one HTTPS request) → facts →
// judge (SSL Labs grade, rule sets) → present (the TLS matrix, caps, certificate, rules).

import { defineCheck } from '../../src/plugin-api.js';
import { pathMessages } from '../../src/net/path-messages.js';
import { gradeMessages } from '../../src/tls/grade-messages.js';
import { phraseMessages } from '../../src/tls/phrase-messages.js';
import { ruleMessages } from '../../src/tls/rule-messages.js';
import { RULE_SET_IDS, describeTlsRules } from '../../src/tls/rules.js';
import { factsSchema, type TlsFacts } from './facts.js';
import { judgeTls, type TlsOptions } from './judge.js';
import { tlsAuditMessages } from './messages.js';
import planning from './plan.js';
import { presentTls } from './present.js';

export type { TlsFacts } from './facts.js';

function prefixed(prefix: string, catalog: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(catalog).map(([k, v]) => [`${prefix}${k}`, v]));
}

const messages = {
  en: { ...pathMessages.en, ...gradeMessages.en, ...phraseMessages.en, ...prefixed('tls.rule.', ruleMessages.en), ...tlsAuditMessages.en },
  'zh-CN': {
    ...pathMessages['zh-CN'],
    ...gradeMessages['zh-CN'],
    ...phraseMessages['zh-CN'],
    ...prefixed('tls.rule.', ruleMessages['zh-CN']),
    ...tlsAuditMessages['zh-CN'],
  },
};

/** TLS audit: versions, every cipher suite, preference, groups, handshake facts, certificate, HSTS, grade and rule sets. */
export default defineCheck<TlsOptions, TlsFacts>({
  ...planning,
  facts: { version: 2, schema: factsSchema },
  messages,
  explain(lang) {
    const l = lang === 'zh-CN' ? 'zh-CN' : 'en';
    const lines = [l === 'zh-CN' ? '规则集（security.tls.ruleSets）：' : 'Rule sets (security.tls.ruleSets):'];
    for (const set of RULE_SET_IDS) {
      lines.push(`  ${set} — ${messages[l][`tls.set.${set}`] ?? set}`);
      for (const r of describeTlsRules([set], l))
        lines.push(
          `    ${r.id.slice(set.length + 1)}: ${r.title}${r.level === 'recommended' ? (l === 'zh-CN' ? '（建议）' : ' (recommended)') : ''}`,
          `      ${r.source}`,
        );
    }
    return lines;
  },
  // The scanner and its network stack load when a task runs, not when a site is validated.
  measure: async (ctx, target) => (await import('./measure.js')).measureTls(ctx, target),
  judge: judgeTls,
  present: presentTls,
});
