// The tls check's verdict on its facts: the SSL Labs grade with its caps, the rule sets the site
// asks for, the certificate's expiry and chain. Pure: grading and the rule sets are functions of
// the scan, so the same facts judged against other rule sets (re-judging) need no network.

import {
  pathFailureFinding,
  unreachableSeverity,
  type Endpoint,
  type Finding,
  type JudgeContext,
  type Judgement,
  type Measurement,
  type PathFailure,
  type Severity,
  type Site,
} from '../../src/plugin.js';
import { gradeTls } from '../../src/tls/grade.js';
import { listOf, phrase } from '../../src/tls/phrases.js';
import { RULE_SET_IDS, evaluateTlsRules } from '../../src/tls/rules.js';
import type { Grade, GradeResult, RuleResult, RuleSetId, TlsScan } from '../../src/tls/types.js';
import { scanOf, type NotAuditedReason, type TlsFacts } from './facts.js';

export interface TlsOptions {
  connectTimeoutMs: number;
  probeTimeoutMs: number;
  concurrency: number;
  ruleSets: RuleSetId[];
  expiryWarningDays: number;
  hsts: boolean;
  /** Through a proxy: CONNECT tunnels open at once (hellos and handshakes together). */
  proxyConcurrency: number;
}

/** Only HTTP speaks HSTS: elsewhere "not checked" is no shortcoming of the server. */
export const HTTP_PROTOCOLS: ReadonlySet<string> = new Set(['https', 'wss']);

/** Grade → score: the SSL Labs letter is the verdict; T and M (trust, name) make the endpoint unusable. */
const GRADE_SCORE: Record<Grade, number> = { 'A+': 1, A: 1, 'A-': 0.95, B: 0.8, C: 0.6, D: 0.4, E: 0.2, F: 0, T: 0, M: 0 };
const CAP_SEVERITY: Record<Grade, Severity> = {
  'A+': 'info',
  A: 'low',
  'A-': 'low',
  B: 'medium',
  C: 'high',
  D: 'high',
  E: 'high',
  F: 'critical',
  T: 'critical',
  M: 'high',
};
/** A failed rule is a finding, so never a pass whatever the grade. */
const FAILED_RULE_SCORE = 0.89;
const RULE_SET_DOCUMENTS: Record<RuleSetId, string> = {
  'mozilla-modern': 'Mozilla Server Side TLS 6.0, modern',
  'mozilla-intermediate': 'Mozilla Server Side TLS 6.0, intermediate',
  'nist-800-52r2': 'NIST SP 800-52 Rev. 2',
  'bsi-tr-02102-2': 'BSI TR-02102-2 (2025-01)',
  'pci-dss-4': 'PCI DSS v4.0.1 Req. 4.2.1',
};
/** Offending items a failed rule's finding names before it says how many more there are. */
const OFFENDING_LISTED = 8;

/** What grading and the rule sets make of a scan that found something. */
export interface Assessment {
  scan: TlsScan;
  grade: GradeResult;
  /** The grade's caps that concern this endpoint's protocol. */
  caps: GradeResult['caps'];
  rules: RuleResult[];
}

export function assess(facts: TlsFacts, sets: readonly RuleSetId[], protocol: string | undefined): Assessment | undefined {
  const scan = scanOf(facts);
  if (!scan) return undefined;
  const grade = gradeTls(scan);
  const caps = protocol && HTTP_PROTOCOLS.has(protocol) ? grade.caps : grade.caps.filter((c) => c.id !== 'tls-grade.hsts-not-checked');
  return { scan, grade, caps, rules: evaluateTlsRules(scan, sets) };
}

/** `checks.tls.ruleSets`, else `security.tls.ruleSets`, else Mozilla intermediate. */
export function ruleSetsFor(fromCheck: readonly RuleSetId[], site: Site): RuleSetId[] {
  const fromSite = (site.security.tls as { ruleSets?: string[] } | undefined)?.ruleSets;
  const wanted = fromCheck.length
    ? [...fromCheck]
    : (fromSite ?? []).filter((s): s is RuleSetId => (RULE_SET_IDS as readonly string[]).includes(s));
  return wanted.length ? wanted : ['mozilla-intermediate'];
}

export const isFailed = (r: RuleResult): boolean => r.evaluated !== false && !r.passed;

/** `rules.<set>.failed`: how the rule sets' outcomes reach compliance profiles (profiles/tls-*.yaml). */
export const ruleSetMeasurement = (set: RuleSetId): string => `rules.${set}.failed`;

export function judgeTls(facts: TlsFacts, { options, target, site }: JudgeContext<TlsOptions>): Judgement {
  const ep = target.endpoint!;
  const notAudited = facts.notAudited ?? facts.reason;
  if (notAudited) return notAuditedJudgement(facts, ep, notAudited);
  const sets = ruleSetsFor(options.ruleSets, site);
  const a = assess(facts, sets, ep.protocol);
  if (!a) return { score: 0, findings: [unreachable(facts, ep)] };

  const failedRules = a.rules.filter(isFailed);
  const score = GRADE_SCORE[a.grade.grade];
  return {
    score: failedRules.length ? Math.min(score, FAILED_RULE_SCORE) : score,
    measurements: measurementsOf(a, sets),
    findings: [
      ...proxyFindings(ep, facts),
      ...capFindings(ep, a.caps),
      ...certificateFindings(ep, facts, options.expiryWarningDays),
      ...failedRules.map((r) => ruleFinding(ep, r)),
    ],
  };
}

/**
 * NOT AUDITED: the path to the endpoint let no audit through (the proxy refused CONNECT, wanted
 * credentials, was down; no proxy for a `via: proxy` endpoint). Nothing is known about the
 * server's TLS, so the result is an error — incomplete, never a pass or a quiet skip — and the
 * same whichever compliance profiles the site names.
 */
function notAuditedJudgement(facts: TlsFacts, ep: Endpoint, reason: NotAuditedReason): Judgement {
  const proxy = facts.proxy ?? '';
  const detail = facts.failure?.message ?? '';
  const params = { endpoint: ep.name, host: ep.host, port: ep.port, proxy, detail };
  return {
    score: null,
    error: `not audited (${reason})${detail ? `: ${detail}` : ''}`,
    findings: [
      {
        id: 'tls.not-audited',
        severity: 'medium',
        message: { id: 'tls.not-audited', params: { ...params, reason: { id: `tls.not-audited.${reason}`, params } } },
        remediation: { id: `tls.not-audited.${reason}.fix`, params },
        evidence: { reason, ...(facts.proxy ? { proxy: facts.proxy } : {}), ...(facts.failure ? { failure: facts.failure } : {}) },
      },
    ],
  };
}

/** Through the proxy, a chain that ends at no public root: the grade may be the proxy's. */
function proxyFindings(ep: Endpoint, facts: TlsFacts): Finding[] {
  if (facts.path !== 'proxy' || facts.answeredBy !== 'proxy-suspected') return [];
  const issuer = facts.certificate?.chain[0]?.issuer ?? '';
  return [
    {
      id: 'tls.proxy-answered',
      severity: 'low',
      message: { id: 'tls.proxy-answered', params: { endpoint: ep.name, host: ep.host, proxy: facts.proxy ?? '', issuer } },
      remediation: { id: 'tls.proxy-answered.fix', params: { host: ep.host } },
      evidence: { proxy: facts.proxy ?? '', issuer, publicRoot: false },
    },
  ];
}

/** Nothing to grade: the name, the path, or a port that does not answer in TLS. */
function unreachable(facts: TlsFacts, ep: Endpoint): Finding {
  const failure: PathFailure = facts.failure ?? {
    classification: facts.classification ?? 'tls-failure',
    message: 'no hello was answered in TLS',
  };
  // A connect that timed out waited for the connect deadline, not for the hello's.
  const timeoutMs = failure.code === 'CONNECT_TIMEOUT' ? facts.connectTimeoutMs : facts.probeTimeoutMs;
  return pathFailureFinding('tls', failure, ep, unreachableSeverity(ep), timeoutMs);
}

function capFindings(ep: Endpoint, caps: GradeResult['caps']): Finding[] {
  return caps.map((cap) => ({
    id: `tls.cap.${cap.id.replace(/^tls-grade\./, '')}`,
    severity: CAP_SEVERITY[cap.cap],
    message: { id: 'tls.grade-cap', params: { endpoint: ep.name, cap: cap.cap, reason: phrase(cap.id, cap.params) } },
    remediation: { id: 'tls.grade-cap.fix', params: { host: ep.host } },
    evidence: { cap: cap.cap, source: cap.source, ...(cap.params ? { params: cap.params } : {}) },
  }));
}

function certificateFindings(ep: Endpoint, facts: TlsFacts, warnDays: number): Finding[] {
  const out: Finding[] = [];
  const cert = facts.certificate;
  if (cert) {
    const base = { endpoint: ep.name, host: ep.host, notAfter: cert.notAfter, days: cert.daysLeft };
    if (!cert.expired && !cert.notYetValid && cert.daysLeft <= warnDays) {
      out.push({
        id: 'tls.cert-expiring',
        severity: cert.daysLeft <= 7 ? 'high' : 'medium',
        message: { id: 'tls.cert-expiring', params: base },
        remediation: { id: 'tls.cert-expiring.fix' },
      });
    }
    if (!cert.chainComplete && cert.trusted) {
      out.push({
        id: 'tls.chain-incomplete',
        severity: 'medium',
        message: { id: 'tls.chain-incomplete', params: base },
        remediation: { id: 'tls.chain-incomplete.fix' },
      });
    }
  }
  const e = facts.certificateError;
  if (e) {
    const id = e.stage === 'certificate' ? 'tls.certificate-unreadable' : 'tls.certificate-unavailable';
    out.push({
      id,
      severity: 'medium',
      message: { id, params: { endpoint: ep.name, host: ep.host, error: e.message } },
      evidence: { error: e.message, code: e.code },
    });
  }
  return out;
}

function ruleFinding(ep: Endpoint, r: RuleResult): Finding {
  return {
    id: `tls.rule.${r.id}`,
    severity: r.level === 'recommended' ? 'low' : 'medium',
    message: {
      id: 'tls.rule-failed',
      params: {
        endpoint: ep.name,
        rule: phrase(`tls.rule.${r.id}`),
        ruleSet: phrase(`tls.set.${r.ruleSet}`),
        offending: listOf(r.offending, OFFENDING_LISTED),
      },
    },
    remediation: { id: `tls.rule.${r.id}.fix` },
    evidence: { ruleSet: r.ruleSet, source: r.source, level: r.level, offending: r.offending },
  };
}

function measurementsOf(a: Assessment, sets: readonly RuleSetId[]): Measurement[] {
  const { scan, grade } = a;
  const out: Measurement[] = [
    { id: 'grade', value: grade.grade },
    { id: 'gradeScore', value: grade.score, unit: 'points' },
    { id: 'acceptedSuites', value: scan.accepted.length, unit: 'count' },
    { id: 'weakSuites', value: scan.accepted.filter((s) => s.strength === 'weak' || s.strength === 'insecure').length, unit: 'count' },
    { id: 'probes', value: scan.probes, unit: 'count' },
    { id: 'scanMs', value: scan.durationMs, unit: 'ms' },
  ];
  if (scan.certificate) out.push({ id: 'certDaysLeft', value: scan.certificate.daysLeft, unit: 'days' });
  for (const set of sets) {
    const mine = a.rules.filter((r) => r.ruleSet === set);
    out.push({
      id: ruleSetMeasurement(set),
      value: mine.filter(isFailed).length,
      unit: 'count',
      threshold: { max: 0, source: RULE_SET_DOCUMENTS[set] },
    });
  }
  return out;
}
