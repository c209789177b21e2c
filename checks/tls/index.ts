import { isIP } from 'node:net';
import { commonOptions, defineCheck, type Endpoint, type Finding, type Measurement, type Severity } from '../../src/plugin-api.js';
import { PathError, connectFailure } from '../../src/net/classify.js';
import { DnsLookupError } from '../../src/net/dns.js';
import { pathFinding, pathMessages } from '../../src/net/path-messages.js';
import { routeFor } from '../../src/net/proxy.js';
import { extraCaPems, lookupOnce, unreachableSeverity } from '../../src/net/shared.js';
import { CertificateUnreadableError, inspectCertificate } from '../../src/tls/certificate.js';
import { scanTls } from '../../src/tls/enumerate.js';
import { gradeMessages } from '../../src/tls/grade-messages.js';
import { gradeTls } from '../../src/tls/grade.js';
import { fetchHsts } from '../../src/tls/hsts.js';
import { ruleMessages } from '../../src/tls/rule-messages.js';
import { offendingIn } from '../../src/tls/offending-text.js';
import { RULE_SET_IDS, describeTlsRules, evaluateTlsRules } from '../../src/tls/rules.js';
import type { CertificateFacts, Grade, GradeResult, HstsFacts, RuleResult, RuleSetId, TlsScan } from '../../src/tls/types.js';
import { tlsAuditMessages } from './messages.js';

interface Options {
  connectTimeoutMs: number;
  probeTimeoutMs: number;
  concurrency: number;
  ruleSets: RuleSetId[];
  expiryWarningDays: number;
  hsts: boolean;
}

/** Endpoints spoken to over TLS from the first byte (StartTLS services are the directory check's). */
const TLS_PROTOCOLS = new Set(['https', 'wss', 'tls', 'turns', 'ldaps']);
const HTTP_PROTOCOLS = new Set(['https', 'wss']);

/** Grade → score: the SSL Labs letter is the verdict; T and M (trust, name) make the endpoint unusable. */
const GRADE_SCORE: Record<Grade, number> = { 'A+': 1, A: 1, 'A-': 0.95, B: 0.8, C: 0.6, D: 0.4, E: 0.2, F: 0, T: 0, M: 0 };
const CAP_SEVERITY: Record<Grade, Severity> = { 'A+': 'info', A: 'low', 'A-': 'low', B: 'medium', C: 'high', D: 'high', E: 'high', F: 'critical', T: 'critical', M: 'high' };

function prefixed(prefix: string, catalog: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(catalog).map(([k, v]) => [`${prefix}${k}`, v]));
}

const messages = {
  en: { ...pathMessages.en, ...gradeMessages.en, ...prefixed('tls.rule.', ruleMessages.en), ...tlsAuditMessages.en },
  'zh-CN': { ...pathMessages['zh-CN'], ...gradeMessages['zh-CN'], ...prefixed('tls.rule.', ruleMessages['zh-CN']), ...tlsAuditMessages['zh-CN'] },
};

/** TLS audit: versions, every cipher suite, preference, groups, handshake facts, certificate, HSTS, grade and rule sets. */
export default defineCheck<Options>({
  meta: {
    id: 'tls',
    title: 'TLS is configured well',
    failureTitle: 'TLS is configured badly',
    description:
      'Audits every TLS endpoint (https, wss, turns, ldaps, tls) with raw ClientHello messages, as nmap ' +
      'ssl-enum-ciphers, sslscan and testssl.sh do: SSLv2 to TLS 1.3 (1.3 decided by supported_versions in the answer), ' +
      'every suite of the IANA registry plus the Chinese GM/T and TLCP suites per version by greedy removal, server or ' +
      'client preference, key-exchange groups and the smallest DH group, secure renegotiation, TLS_FALLBACK_SCSV, ' +
      'compression, extended master secret, session resumption, heartbeat and a non-exploiting Heartbleed probe, ALPN ' +
      'and OCSP stapling. A finished handshake (node:tls) gives the certificate chain as the server sent it, its trust, ' +
      'the host-name match, validity, key and signature algorithm; one HTTPS request gives HSTS. The result is graded as ' +
      'the SSL Labs rating guide does (score, letter, caps with their reasons) and checked against the rule sets in ' +
      '`security.tls.ruleSets` (default Mozilla intermediate): Mozilla Server Side TLS 6.0 modern and intermediate, ' +
      'NIST SP 800-52r2, BSI TR-02102-2, PCI DSS 4.0. Every failed rule names the offending versions or suites and the ' +
      'server setting that fixes it. The audit talks to the server directly: an endpoint the site reaches only through ' +
      'a proxy is skipped (audit it from where it is reachable with `siteready run tls host:port`).',
    category: 'security',
    severity: 'high',
    weight: 3,
    timeoutMs: 90_000,
    references: [
      { title: 'Qualys SSL Labs — SSL Server Rating Guide', url: 'https://github.com/ssllabs/research/wiki/SSL-Server-Rating-Guide' },
      { title: 'Mozilla — Server Side TLS 6.0', url: 'https://wiki.mozilla.org/Security/Server_Side_TLS' },
      { title: 'NIST SP 800-52 Rev. 2 — Guidelines for TLS implementations', clause: '§3.1–3.4' },
      { title: 'BSI TR-02102-2 — Use of Transport Layer Security' },
      { title: 'PCI DSS v4.0.1', clause: 'Req. 4.2.1' },
      { title: 'RFC 8446 — TLS 1.3', clause: '§4.1.2–4.1.4, §4.2.1' },
      { title: 'IANA TLS Cipher Suites registry', url: 'https://www.iana.org/assignments/tls-parameters/tls-parameters.xhtml#tls-parameters-4' },
    ],
  },
  inputs: {
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connectTimeoutMs: commonOptions.connectTimeoutMs,
        probeTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, description: 'Deadline of one raw hello: connect, send, answer.' },
        concurrency: { type: 'integer', minimum: 1, maximum: 64, description: 'Hellos in flight to one server at once.' },
        ruleSets: { type: 'array', items: { type: 'string', enum: [...RULE_SET_IDS] }, description: 'Overrides security.tls.ruleSets for this check.' },
        expiryWarningDays: { type: 'integer', minimum: 0, maximum: 365 },
        hsts: { type: 'boolean', description: 'Ask https/wss endpoints for Strict-Transport-Security (one GET /).' },
        timeoutMs: commonOptions.timeoutMs,
      },
    },
    defaults: { connectTimeoutMs: 3000, probeTimeoutMs: 5000, concurrency: 8, ruleSets: [], expiryWarningDays: 30, hsts: true },
  },
  messages,
  explain(lang) {
    const l = lang === 'zh-CN' ? 'zh-CN' : 'en';
    const lines = [l === 'zh-CN' ? '规则集（security.tls.ruleSets）：' : 'Rule sets (security.tls.ruleSets):'];
    for (const set of RULE_SET_IDS) {
      lines.push(`  ${set} — ${messages[l][`tls.set.${set}`] ?? set}`);
      for (const r of describeTlsRules([set], l)) lines.push(`    ${r.id.slice(set.length + 1)}: ${r.title}${r.level === 'recommended' ? (l === 'zh-CN' ? '（建议）' : ' (recommended)') : ''}`, `      ${r.source}`);
    }
    return lines;
  },
  targets(site) {
    return site.platform.endpoints
      .filter((ep) => TLS_PROTOCOLS.has(ep.protocol) && ep.expect === 'reachable')
      .map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  async run(ctx, target) {
    const ep = target.endpoint!;
    const severity = unreachableSeverity(ep);
    const sets = ruleSetsFor(ctx.options.ruleSets, (ctx.site.security.tls as { ruleSets?: string[] } | undefined)?.ruleSets);
    const route = await routeFor(ctx, ep).catch(() => undefined);
    if (route?.path === 'proxy') {
      return {
        status: 'skipped',
        score: null,
        details: { reason: 'proxy-only', path: 'proxy' },
        findings: [{ id: 'tls.proxy-only', severity: 'info', message: { id: 'tls.proxy-only', params: { endpoint: ep.name, host: ep.host, port: ep.port } } }],
      };
    }
    let address: string;
    try {
      const answer = await lookupOnce(ctx, ep.host);
      address = answer.addresses[0]!.address;
    } catch (err) {
      if (err instanceof DnsLookupError) return unreachable(pathFinding('tls', err, ep, severity, ctx.remainingMs()), 'dns-failure');
      throw err;
    }
    const tlsConf = (ep.extra.tls ?? {}) as { serverName?: string };
    const serverName = tlsConf.serverName ?? (isIP(ep.host) ? undefined : ep.host);
    const auditTarget = { host: ep.host, port: ep.port, address, ...(serverName ? { serverName } : {}) };
    const ca = await extraCaPems(ctx, ep);
    // The scan, the finished handshake and the HTTPS request share the deadline; the last two
    // are single connections and run beside the scan's probes.
    const budget = Math.max(500, ctx.remainingMs() - Math.min(2000, ctx.remainingMs() * 0.1));
    // When the scan finds nothing to grade (no answer, not TLS), the other two legs are stopped:
    // their result would be thrown away, and a silent peer would hold the task for their budget.
    const legs = new AbortController();
    const signal = AbortSignal.any([ctx.signal, legs.signal]);
    const scanned = scanTls(auditTarget, { signal: ctx.signal, timeoutMs: ctx.options.probeTimeoutMs, connectTimeoutMs: ctx.options.connectTimeoutMs, concurrency: ctx.options.concurrency }).then((s) => {
      if (!s.accepted.length) legs.abort(new Error('the scan found nothing to grade'));
      return s;
    });
    const [scan, certificate, hsts] = await Promise.all([
      scanned,
      inspectCertificate(auditTarget, { signal, timeoutMs: Math.min(budget, 15_000), connectTimeoutMs: ctx.options.connectTimeoutMs, ca }).catch((err: unknown) => err),
      ctx.options.hsts && HTTP_PROTOCOLS.has(ep.protocol)
        ? fetchHsts(auditTarget, { signal, timeoutMs: Math.min(budget, 10_000), connectTimeoutMs: ctx.options.connectTimeoutMs, ca }).catch(() => undefined)
        : Promise.resolve(undefined),
    ]);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (!scan.accepted.length) {
      const err = noHandshakeError(scan);
      const result = unreachable(pathFinding('tls', err, ep, severity, ctx.options.probeTimeoutMs), err.classification, scan);
      // Bytes came back that no TLS server sends: the peer broke the protocol (not a path failure).
      return WIRE_ERRORS.has(err.code ?? '') ? { ...result, details: { ...result.details, kind: 'protocol-error' } } : result;
    }
    const full: TlsScan = {
      ...scan,
      ...(certificate instanceof Error ? { certificateError: certificateErrorOf(certificate) } : certificate ? { certificate: certificate as CertificateFacts } : {}),
      ...(hsts ? { hsts } : {}),
    };
    const grade = gradeTls(full);
    const rules = evaluateTlsRules(full, sets, 'en');
    // Only HTTP speaks HSTS: elsewhere "not checked" is no shortcoming of the server.
    const caps = HTTP_PROTOCOLS.has(ep.protocol) ? grade.caps : grade.caps.filter((c) => c.id !== 'tls-grade.hsts-not-checked');
    const findings = [
      ...capFindings(ep, caps),
      ...certificateFindings(ep, full.certificate, ctx.options.expiryWarningDays),
      ...(certificate instanceof Error ? [certificateError(ep, certificate)] : []),
      ...ruleFindings(ep, rules),
    ];
    const score = GRADE_SCORE[grade.grade];
    const failedRules = rules.filter((r) => r.evaluated !== false && !r.passed);
    return {
      status: score < 0.5 ? 'fail' : score < 0.95 || failedRules.length ? 'warn' : 'pass',
      score: failedRules.length ? Math.min(score, 0.9) : score,
      measurements: measurementsOf(full, grade),
      findings,
      details: {
        // The raw hellos were answered, yet no client can finish a handshake (or read what it carried).
        classification: full.certificateError ? 'tls-failure' : 'ok',
        path: 'direct',
        address,
        ...(serverName ? { serverName } : {}),
        versions: full.versions,
        accepted: full.accepted,
        preference: full.preference,
        groups: full.groups,
        ...(full.dhMinBits ? { dhMinBits: full.dhMinBits } : {}),
        facts: full.facts,
        ...(full.tlcp ? { tlcp: full.tlcp } : {}),
        ...(full.certificate ? { certificate: full.certificate } : {}),
        ...(full.certificateError ? { certificateError: full.certificateError } : {}),
        ...(hsts ? { hsts: hsts as HstsFacts } : {}),
        grade: { grade: grade.grade, score: grade.score, subscores: grade.subscores, caps: grade.caps, ...(grade.gradeIgnoringTrust ? { gradeIgnoringTrust: grade.gradeIgnoringTrust } : {}) },
        ruleSets: sets,
        rules,
        probes: full.probes,
        durationMs: full.durationMs,
        ...(full.errors.length ? { errors: full.errors } : {}),
      },
    };
  },
});

function ruleSetsFor(fromCheck: RuleSetId[], fromSite: string[] | undefined): RuleSetId[] {
  const wanted = fromCheck.length ? fromCheck : (fromSite ?? []).filter((s): s is RuleSetId => (RULE_SET_IDS as string[]).includes(s));
  return wanted.length ? wanted : ['mozilla-intermediate'];
}

function unreachable(finding: Finding, classification: string, scan?: TlsScan) {
  return {
    status: 'fail' as const,
    score: 0,
    findings: [finding],
    details: { classification, path: 'direct', ...(scan ? { probes: scan.probes, durationMs: scan.durationMs, errors: scan.errors } : {}) },
  };
}

/** Codes of replies that are not TLS, or TLS that breaks its own lengths and rules (TlsWireError, probe.ts). */
const WIRE_ERRORS = new Set(['TRUNCATED', 'BAD_LENGTH', 'NOT_TLS', 'UNEXPECTED_MESSAGE', 'BAD_VALUE', 'PARSE_ERROR']);

/** Why no hello got an answer, from the preflight probe: the path, silence, or something that is not TLS. */
function noHandshakeError(scan: TlsScan): PathError {
  const pre = scan.errors.find((e) => e.what === 'preflight') ?? scan.errors[0];
  const code = pre?.code ?? 'NO_COMMON_SUITE';
  const message = pre?.message ?? 'the server accepted none of the versions and suites offered';
  if (['ECONNREFUSED', 'CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNCLOSED'].includes(code)) return new PathError(connectFailure(code), 'connect', message, code);
  if (code === 'TIMEOUT') return new PathError('tls-failure', 'tls', `no answer to a ClientHello: ${message}`, 'TLS_TIMEOUT', 'handshake-timeout');
  if (code === 'ECONNRESET' || code === 'RESET') return new PathError('tls-failure', 'tls', message, code, 'reset-during-handshake');
  if (code === 'CLOSED') return new PathError('tls-failure', 'tls', message, code, 'closed-during-handshake');
  if (code === 'NO_COMMON_SUITE' || /ALERT/i.test(code)) return new PathError('tls-failure', 'tls', message, code, 'handshake-failure');
  return new PathError('tls-failure', 'tls', message, code, 'not-tls');
}

function capFindings(ep: Endpoint, caps: GradeResult['caps']): Finding[] {
  return caps.map((cap) => ({
    id: `tls.cap.${(cap.id ?? 'other').replace(/^tls-grade\./, '')}`,
    severity: CAP_SEVERITY[cap.cap],
    message: { id: 'tls.grade-cap', params: { ...cap.params, endpoint: ep.name, cap: cap.cap, reason: cap.id ? `@${cap.id}` : cap.reason } },
    remediation: { id: 'tls.grade-cap.fix', params: { host: ep.host } },
    evidence: { cap: cap.cap, reason: cap.reason, ...(cap.source ? { source: cap.source } : {}) },
  }));
}

function certificateFindings(ep: Endpoint, cert: CertificateFacts | undefined, warnDays: number): Finding[] {
  if (!cert) return [];
  const out: Finding[] = [];
  const base = { endpoint: ep.name, host: ep.host, notAfter: cert.notAfter, days: cert.daysLeft };
  if (!cert.expired && !cert.notYetValid && cert.daysLeft <= warnDays) {
    out.push({ id: 'tls.cert-expiring', severity: cert.daysLeft <= 7 ? 'high' : 'medium', message: { id: 'tls.cert-expiring', params: base }, remediation: { id: 'tls.cert-expiring.fix' } });
  }
  if (!cert.chainComplete && cert.trusted) {
    out.push({ id: 'tls.chain-incomplete', severity: 'medium', message: { id: 'tls.chain-incomplete', params: base }, remediation: { id: 'tls.chain-incomplete.fix' } });
  }
  return out;
}

function certificateErrorOf(err: Error): NonNullable<TlsScan['certificateError']> {
  return { stage: err instanceof CertificateUnreadableError ? 'certificate' : 'handshake', code: (err instanceof PathError && err.code) || 'TLS_FAILED', message: err.message };
}

function certificateError(ep: Endpoint, err: Error): Finding {
  const id = err instanceof CertificateUnreadableError ? 'tls.certificate-unreadable' : 'tls.certificate-unavailable';
  return {
    id,
    severity: 'medium',
    message: { id, params: { endpoint: ep.name, host: ep.host, error: err.message } },
    evidence: { error: err.message, ...(err instanceof PathError && err.code ? { code: err.code } : {}) },
  };
}

function ruleFindings(ep: Endpoint, rules: RuleResult[]): Finding[] {
  return rules
    .filter((r) => r.evaluated !== false && !r.passed)
    .map((r) => ({
      id: `tls.rule.${r.id}`,
      severity: r.level === 'recommended' ? 'low' : 'medium',
      message: {
        id: 'tls.rule-failed',
        params: {
          endpoint: ep.name,
          rule: `@tls.rule.${r.id}`,
          ruleSet: `@tls.set.${r.ruleSet}`,
          // The Chinese catalog shows offendingZh: the same items with their English phrases translated.
          offending: r.offending.slice(0, 8).join('; ') || '-',
          offendingZh: r.offending.slice(0, 8).map((o) => offendingIn('zh-CN', o)).join('；') || '-',
          more: Math.max(0, r.offending.length - 8),
        },
      },
      remediation: { id: `tls.rule.${r.id}.fix` },
      evidence: { ruleSet: r.ruleSet, source: r.source, offending: r.offending },
    }));
}

function measurementsOf(scan: TlsScan, grade: GradeResult): Measurement[] {
  const out: Measurement[] = [
    { id: 'grade', value: grade.grade },
    { id: 'gradeScore', value: grade.score, unit: 'points' },
    { id: 'acceptedSuites', value: scan.accepted.length, unit: 'count' },
    { id: 'weakSuites', value: scan.accepted.filter((a) => a.strength === 'weak' || a.strength === 'insecure').length, unit: 'count' },
    { id: 'probes', value: scan.probes, unit: 'count' },
    { id: 'scanMs', value: scan.durationMs, unit: 'ms' },
  ];
  if (scan.certificate) out.push({ id: 'certDaysLeft', value: scan.certificate.daysLeft, unit: 'days' });
  return out;
}
