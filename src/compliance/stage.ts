// Rule outcomes → results of a `compliance` pseudo-check, so scoring, grade caps, blockers, the
// verdict, waivers and gates treat them like every other finding (DESIGN §4):
//   pass            status pass, score 1
//   fail            status fail, score 0, one finding `<profile>.<rule>` at the rule's severity
//   not-evaluated   status error (the category is incomplete, gates fail unless --allow-incomplete),
//                   with an info finding so a waiver can still name the rule — except when every
//                   fact it lacked belongs to check results that are errors themselves (a tls
//                   audit that could not run): that gap is already incomplete once, on those
//                   results, whatever the profiles; the rule is then status info (shown as not
//                   evaluated, naming them) so no profile counts the same gap again
//   not-applicable  status skipped
// One result per (profile, rule); its target is the profile id, so a waiver with
// `check: compliance, target: <profile>` covers a whole profile and `finding: <profile>.<rule>` one rule.

import type { Catalog, CheckDefinition, SourceLocation } from '../plugin-api.js';
import type { LoadedCheck } from '../runner/registry.js';
import type { TaskResult } from '../runner/run.js';
import type { Site } from '../site/types.js';
import { BudgetExceeded, Evaluator } from './evaluate.js';
import { buildFacts } from './facts.js';
import { complianceMessages } from './messages.js';
import { translator } from '../i18n/index.js';
import type { Message } from '../i18n/types.js';
import { allOf, why as whyMsg, whyCatalogs } from './why.js';
import { COMPLIANCE_CHECK_ID } from './registry.js';
import type { FactUse, Profile, ReportedFactUse, Rule, RuleOutcome, SiteSize } from './types.js';

export function evaluateProfiles(profiles: Profile[], site: Site, results: TaskResult[]): RuleOutcome[] {
  const facts = buildFacts(site, results);
  const size = site.site.size as SiteSize | undefined;
  const out: RuleOutcome[] = [];
  for (const profile of profiles) {
    for (const rule of profile.rules) {
      const severity = (size && rule.severityBySize?.[size]) || rule.severity;
      const base = { profile, rule, severity };
      // A fresh evaluator per rule: the step budget is per rule.
      const ev = new Evaluator(facts);
      try {
        if (rule.applies) {
          const a = ev.evaluate(rule.applies);
          if (a.value === false) {
            out.push({ ...base, outcome: 'not-applicable', why: allOf(a.why), decidedBy: a.uses });
            continue;
          }
          if (a.value === 'unknown') {
            out.push({ ...base, outcome: 'not-evaluated', why: allOf(a.why), decidedBy: a.uses });
            continue;
          }
        }
        const r = ev.evaluate(rule.assert);
        const outcome = r.value === true ? 'pass' : r.value === false ? 'fail' : 'not-evaluated';
        out.push({ ...base, outcome, why: allOf(r.why), decidedBy: r.uses });
      } catch (err) {
        if (!(err instanceof BudgetExceeded)) throw err;
        out.push({ ...base, outcome: 'not-evaluated', why: whyMsg.budget(err.message), decidedBy: [] });
      }
    }
  }
  return out;
}

export function ruleKey(profile: Profile, rule: Rule): string {
  return `${profile.id}.${rule.id}`;
}

export function outcomesToResults(outcomes: RuleOutcome[], site: Site): TaskResult[] {
  return outcomes.map((o) => {
    const id = ruleKey(o.profile, o.rule);
    const entry = site.compliance.profiles.findIndex(
      (p) => p === o.profile.id || p.endsWith(`/${o.profile.id}`) || p.endsWith(`${o.profile.id}.yaml`),
    );
    const profileLocation = entry >= 0 ? site.locate(`/compliance/profiles/${entry}`) : undefined;
    const location = siteLocationOf(o.decidedBy) ?? profileLocation;
    const facts = {
      profile: o.profile.id,
      profileVersion: o.profile.version,
      rule: o.rule.id,
      title: o.rule.title.en,
      outcome: o.outcome,
      severity: o.severity,
      references: referencesOf(o.profile, o.rule),
      decidedBy: o.decidedBy.map(describeUse),
      basis: basisOf(o.decidedBy),
      ...(o.why.id !== 'why.nothing' ? { why: o.why } : {}),
    };
    const base = {
      key: `${COMPLIANCE_CHECK_ID}:${id}`,
      check: COMPLIANCE_CHECK_ID,
      target: o.profile.id,
      durationMs: 0,
      measurements: [],
      facts,
      ...(location ? { location } : {}),
    };
    switch (o.outcome) {
      case 'pass':
        return { ...base, status: 'pass', score: 1, findings: [] };
      case 'not-applicable':
        return { ...base, status: 'skipped', score: null, findings: [], facts: { ...facts, reason: 'not-applicable' } };
      case 'fail':
        return {
          ...base,
          status: 'fail',
          score: 0,
          findings: [
            {
              id,
              severity: o.severity,
              message: { id, params: { why: o.why.id !== 'why.nothing' ? o.why : { id: `${id}.title` } } },
              remediation: { id: `${id}.fix` },
              evidence: { references: o.rule.references.map((r) => `${r.standard} ${r.clause}`), decidedBy: facts.decidedBy },
              ...(location ? { location } : {}),
            },
          ],
        };
      case 'not-evaluated': {
        const incompleteAt = incompleteResults(o.decidedBy);
        if (incompleteAt)
          return {
            ...base,
            status: 'info',
            score: null,
            facts: { ...facts, incompleteAt },
            findings: [
              { id, severity: 'info', message: { id: `${id}.not-evaluated`, params: { why: o.why } }, ...(location ? { location } : {}) },
            ],
          };
        return {
          ...base,
          status: 'error',
          score: null,
          findings: [
            { id, severity: 'info', message: { id: `${id}.not-evaluated`, params: { why: o.why } }, ...(location ? { location } : {}) },
          ],
          error: { kind: 'not-evaluated', message: `${o.rule.title.en}: not evaluated — ${englishWhy(o.why)}` },
        };
      }
    }
  });
}

/**
 * The results (`check:target`) that made a rule not evaluated, when every fact it lacked is missing
 * from a result whose own status is error: the incompleteness is those results', counted there.
 * Undefined when any missing fact has another cause (a check that did not run, a skipped result).
 */
function incompleteResults(uses: FactUse[]): string[] | undefined {
  const missing = uses.filter((u) => u.missing);
  if (!missing.length) return undefined;
  const keys = new Set<string>();
  for (const u of missing) {
    const s = u.source;
    if (s?.kind !== 'result' || s.status !== 'error') return undefined;
    keys.add(`${s.check}:${s.target}`);
  }
  return [...keys];
}

/** An explanation in English, for the one place text is stored as such: an error's message. */
function englishWhy(why: Message): string {
  return translator('en').check({ en: whyCatalogs.en }, why);
}

/** A rule's references with the profile source they name filled in (full title, edition, URL). */
export function referencesOf(profile: Profile, rule: Rule): Array<Rule['references'][number] & { sourceTitle?: string; edition?: string }> {
  return rule.references.map((ref) => {
    const src = profile.sources.find((x) => x.id === ref.standard);
    if (!src) return ref;
    return {
      ...ref,
      sourceTitle: src.title,
      ...(src.edition ? { edition: src.edition } : {}),
      ...(!ref.url && src.url ? { url: src.url } : {}),
    };
  });
}

/** What decided an outcome, in the report: the YAML path and line, or the check, target and field. */
/**
 * What a rule's outcome rests on: only what the site file declares, only what was measured, or
 * both. A declared pass is the user's word, not evidence, and reports say which is which.
 */
export function basisOf(uses: FactUse[]): 'declared' | 'measured' | 'mixed' {
  const kinds = new Set(uses.map((u) => (u.source?.kind === 'site' || !u.source ? 'declared' : 'measured')));
  return kinds.size > 1 ? 'mixed' : kinds.has('measured') ? 'measured' : 'declared';
}

export function describeUse(u: FactUse): ReportedFactUse {
  const s = u.source;
  const base: ReportedFactUse = { fact: u.path, ...(u.missing ? { missing: true } : { value: u.value }) };
  if (!s) return base;
  if (s.kind === 'site') return { ...base, source: 'site', yamlPath: s.path || '/', location: s.location };
  return {
    ...base,
    source: 'check',
    check: s.check,
    target: s.target,
    field: s.field,
    ...(s.measurement ? { measurement: s.measurement } : {}),
    status: s.status,
  };
}

function siteLocationOf(uses: FactUse[]): SourceLocation | undefined {
  for (const u of uses) if (u.source?.kind === 'site') return u.source.location;
  return undefined;
}

/**
 * The pseudo-check that carries the rules' messages and the category: it plans no tasks (rules are
 * evaluated after the run, over what the run found), but the report lists it like a check.
 */
export function complianceCheck(profiles: Profile[]): LoadedCheck {
  const def: CheckDefinition = {
    meta: {
      id: COMPLIANCE_CHECK_ID,
      title: 'Compliance profiles',
      failureTitle: 'Compliance rules are not met',
      description: `Rules of the profiles ${profiles.map((p) => p.id).join(', ')} evaluated over the site description and what the checks measured.`,
      category: 'compliance',
      severity: 'high',
      weight: 1,
      references: profiles.flatMap((p) =>
        p.sources.map((s) => ({ title: s.title, ...(s.url ? { url: s.url } : {}), ...(s.edition ? { clause: s.edition } : {}) })),
      ),
    },
    messages: complianceCatalogs(profiles),
    targets: () => [],
    run: () => Promise.reject(new Error('compliance rules are evaluated after the run, not as tasks')),
  };
  return { id: COMPLIANCE_CHECK_ID, def, source: 'builtin', origin: 'profiles' };
}

export function complianceCatalogs(profiles: Profile[]): { en: Catalog } & Record<string, Catalog> {
  // The engine's explanations are phrases of the same catalog (nested in the rules' messages).
  const en: Catalog = { ...whyCatalogs.en };
  const zh: Catalog = { ...whyCatalogs['zh-CN'] };
  const m = complianceMessages;
  for (const p of profiles) {
    en[`profile:${p.id}`] = p.title.en;
    zh[`profile:${p.id}`] = p.title['zh-CN'] ?? p.title.en;
    for (const r of p.rules) {
      const id = ruleKey(p, r);
      const zhTitle = r.title['zh-CN'] ?? r.title.en;
      en[id] = m.en.ruleFailed.replace('{title}', r.title.en);
      zh[id] = m['zh-CN'].ruleFailed.replace('{title}', zhTitle);
      en[`${id}.not-evaluated`] = m.en.ruleNotEvaluated.replace('{title}', r.title.en);
      zh[`${id}.not-evaluated`] = m['zh-CN'].ruleNotEvaluated.replace('{title}', zhTitle);
      en[`${id}.fix`] = r.remediation.en;
      zh[`${id}.fix`] = r.remediation['zh-CN'] ?? r.remediation.en;
      en[`${id}.title`] = r.title.en;
      zh[`${id}.title`] = zhTitle;
    }
  }
  return { en, 'zh-CN': zh };
}
