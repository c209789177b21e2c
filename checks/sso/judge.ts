// The sso check's verdict on its facts, and what it shows of them. Pure: the SAML metadata's
// validUntil is compared with the moment the metadata was read, certificates' days left are those
// counted then.

import type { Block, Cell, Endpoint, Finding, JudgeContext, Judgement, Measurement, Message, Severity } from '../../src/plugin-api.js';
import { unreachableSeverity } from '../../src/net/endpoint-severity.js';
import { addressesItem, connectionBlocks, failureFinding, type Item } from '../../src/integration/findings.js';
import { MIN_RSA_BITS, type DiscoveryProblem, type KeyProblem } from '../../src/integration/oidc.js';
import type { JwksFacts, SamlReach, SsoFacts, UrlProbe } from './facts.js';
import type { Options } from './plan.js';

const SEVERITY_RANK: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function judgeSso(facts: SsoFacts, { options, threshold, target }: JudgeContext<Options>): Judgement {
  const ep = target.endpoint!;
  const severity = unreachableSeverity(ep);
  if (facts.failure) {
    if (facts.failure.classification !== 'server-error')
      return { score: 0, findings: [failureFinding('sso', { ...facts, failure: facts.failure }, ep, severity)] };
    return {
      score: 0,
      findings: [
        {
          id: 'sso.bad-answer',
          severity,
          message: { id: 'sso.bad-answer', params: { endpoint: ep.name, detail: facts.failure.message } },
          remediation: { id: 'sso.bad-answer.fix' },
        },
      ],
    };
  }
  const ttfbId = facts.ssoKind === 'saml' ? 'metadataTtfbMs' : 'discoveryTtfbMs';
  const measurements: Measurement[] =
    facts.ttfbMs !== undefined
      ? [{ id: ttfbId, value: facts.ttfbMs, unit: 'ms', threshold: { max: threshold(ttfbId, options.slowMs) } }]
      : [];
  const findings =
    facts.ssoKind === 'saml'
      ? samlFindings(facts, ep, severity, threshold('certDaysLeft', options.certWarnDays), measurements)
      : oidcFindings(facts, ep, severity);
  return { score: gradeOf(findings), measurements, findings };
}

/** The worst finding decides: high or critical fails, medium 0.6, low 0.85 (a warning), info none. */
function gradeOf(findings: Finding[]): number {
  const worst = findings.reduce((w, f) => Math.max(w, SEVERITY_RANK.indexOf(f.severity)), 0);
  return worst >= 3 ? 0 : worst === 2 ? 0.6 : worst === 1 ? 0.85 : 1;
}

function statusFinding(facts: SsoFacts, ep: Endpoint, severity: Severity, url: string): Finding {
  return {
    id: 'sso.status',
    severity,
    message: { id: 'sso.status', params: { endpoint: ep.name, url, status: facts.status ?? 0, what: { id: `sso.what.${facts.ssoKind}` } } },
    remediation: { id: 'sso.status.fix' },
  };
}

function oidcFindings(facts: SsoFacts, ep: Endpoint, severity: Severity): Finding[] {
  const endpoint = ep.name;
  const url = facts.discoveryUrl ?? ep.url ?? '-';
  if (facts.status !== 200) return [statusFinding(facts, ep, severity, url)];
  const problem = facts.documentProblem;
  if (problem) {
    const truncated: Message | string = problem.reason === 'too-large' ? { id: 'sso.too-large', params: { limit: problem.limit } } : '';
    return [
      {
        id: 'sso.not-json',
        severity,
        message: { id: 'sso.not-json', params: { endpoint, url, truncated } },
        remediation: { id: 'sso.not-json.fix' },
      },
    ];
  }
  const findings = discoveryFindings(endpoint, facts.problems ?? [], facts.idTokenSigningAlgs ?? []);
  const reach = (facts.reachability ?? {}) as Record<string, UrlProbe>;
  for (const [field, p] of Object.entries(reach)) if (p.classification !== 'ok') findings.push(unreachable(endpoint, field, p));
  if (facts.jwks) findings.push(...jwksFindings(endpoint, facts.jwks));
  return findings;
}

function unreachable(endpoint: string, field: string, p: UrlProbe): Finding {
  return {
    id: 'sso.endpoint-unreachable',
    severity: 'high',
    message: {
      id: 'sso.endpoint-unreachable',
      params: {
        endpoint,
        field,
        url: p.url,
        classification: p.classification,
        status: p.status ? { id: 'sso.http-status', params: { status: p.status } } : '',
      },
    },
    remediation: { id: 'sso.endpoint-unreachable.fix' },
    ...(p.error ? { evidence: { error: p.error } } : {}),
  };
}

function discoveryFindings(endpoint: string, problems: DiscoveryProblem[], algs: string[]): Finding[] {
  const out: Finding[] = [];
  const missing = problems.filter((p) => p.kind === 'missing').map((p) => (p as { field: string }).field);
  if (missing.length)
    out.push({
      id: 'sso.missing',
      severity: 'high',
      message: { id: 'sso.missing', params: { endpoint, fields: missing.join(', ') } },
      remediation: { id: 'sso.missing.fix' },
    });
  for (const p of problems) {
    if (p.kind === 'issuer-mismatch')
      out.push({
        id: 'sso.issuer-mismatch',
        severity: 'high',
        message: { id: 'sso.issuer-mismatch', params: { endpoint, issuer: p.issuer, expected: p.expected } },
        remediation: { id: 'sso.issuer-mismatch.fix' },
      });
    if (p.kind === 'not-https' || p.kind === 'bad-url')
      out.push({
        id: 'sso.not-https',
        severity: 'high',
        message: { id: 'sso.not-https', params: { endpoint, field: p.field, value: p.value } },
        remediation: { id: 'sso.not-https.fix' },
      });
    if (p.kind === 'alg-none')
      out.push({
        id: 'sso.alg-none',
        severity: 'medium',
        message: { id: 'sso.alg-none', params: { endpoint } },
        remediation: { id: 'sso.alg-none.fix' },
      });
    if (p.kind === 'wrong-type')
      out.push({
        id: 'sso.wrong-type',
        severity: 'high',
        message: { id: 'sso.wrong-type', params: { endpoint, field: p.field, expected: { id: `sso.type.${p.expected}` } } },
        remediation: { id: 'sso.missing.fix' },
      });
    if (p.kind === 'no-rs256')
      out.push({ id: 'sso.no-rs256', severity: 'low', message: { id: 'sso.no-rs256', params: { endpoint, algs: algs.join(', ') } } });
  }
  return out;
}

function jwksFindings(endpoint: string, jwks: JwksFacts): Finding[] {
  const url = jwks.url;
  if (jwks.classification)
    return [unreachable(endpoint, 'jwks_uri', { url, classification: jwks.classification, ...(jwks.error ? { error: jwks.error } : {}) })];
  if (jwks.invalid) {
    const why: Message =
      jwks.invalid === 'status'
        ? { id: 'sso.jwks.status', params: { status: jwks.status ?? 0 } }
        : jwks.invalid === 'too-large'
          ? { id: 'sso.jwks.too-large', params: { limit: jwks.limit ?? 0 } }
          : { id: `sso.jwks.${jwks.invalid}` };
    return [
      {
        id: 'sso.jwks-invalid',
        severity: 'high',
        message: { id: 'sso.jwks-invalid', params: { endpoint, url, why } },
        remediation: { id: 'sso.jwks-invalid.fix' },
      },
    ];
  }
  return (jwks.problems ?? []).map((p) => keyFinding(endpoint, p));
}

function keyFinding(endpoint: string, p: KeyProblem): Finding {
  const kid: Message | string = p.kid ?? { id: 'sso.no-kid' };
  switch (p.kind) {
    case 'symmetric':
      return {
        id: 'sso.symmetric-key',
        severity: 'high',
        message: { id: 'sso.symmetric-key', params: { endpoint, kid } },
        remediation: { id: 'sso.symmetric-key.fix' },
      };
    case 'alg-none':
      return {
        id: 'sso.key-alg-none',
        severity: 'high',
        message: { id: 'sso.key-alg-none', params: { endpoint, kid } },
        remediation: { id: 'sso.key-alg-none.fix' },
      };
    case 'weak-rsa':
      return {
        id: 'sso.weak-key',
        severity: 'high',
        message: { id: 'sso.weak-key', params: { endpoint, kid, bits: p.bits, min: MIN_RSA_BITS } },
        remediation: { id: 'sso.weak-key.fix' },
      };
    default:
      return {
        id: 'sso.bad-key',
        severity: 'medium',
        message: { id: 'sso.bad-key', params: { endpoint, kid, why: { id: `sso.key.${p.why}` } } },
        remediation: { id: 'sso.jwks-invalid.fix' },
      };
  }
}

function samlFindings(facts: SsoFacts, ep: Endpoint, severity: Severity, warnDays: number, measurements: Measurement[]): Finding[] {
  const endpoint = ep.name;
  const url = facts.metadataUrl ?? ep.url ?? '-';
  if (facts.status !== 200) return [statusFinding(facts, ep, severity, url)];
  const problem = facts.documentProblem;
  if (problem) {
    const why = problem.reason === 'xml' ? `${problem.xmlKind}: ${problem.message}` : problem.reason;
    return [
      {
        id: 'sso.metadata-invalid',
        severity,
        message: { id: 'sso.metadata-invalid', params: { endpoint, url, why } },
        remediation: { id: 'sso.metadata-invalid.fix' },
        evidence: { kind: problem.reason === 'xml' ? problem.xmlKind : problem.reason },
      },
    ];
  }
  if (!facts.idp)
    return [
      { id: 'sso.not-idp', severity, message: { id: 'sso.not-idp', params: { endpoint, url } }, remediation: { id: 'sso.not-idp.fix' } },
    ];
  const findings: Finding[] = [];
  if (facts.validUntil && Date.parse(facts.validUntil) < Date.parse(facts.measuredAt)) {
    findings.push({
      id: 'sso.metadata-expired',
      severity: 'medium',
      message: { id: 'sso.metadata-expired', params: { endpoint, validUntil: facts.validUntil } },
      remediation: { id: 'sso.metadata-expired.fix' },
    });
  }
  const signing = facts.signing ?? [];
  if (!signing.length)
    findings.push({
      id: 'sso.no-signing-cert',
      severity: 'high',
      message: { id: 'sso.no-signing-cert', params: { endpoint } },
      remediation: { id: 'sso.no-signing-cert.fix' },
      ...(facts.unreadableCerts?.length ? { evidence: { unreadable: facts.unreadableCerts } } : {}),
    });
  // During a rollover the metadata holds the old and the new certificate: one current certificate is enough.
  const current = signing.filter((c) => c.daysLeft >= 0);
  for (const c of signing) {
    const params = {
      endpoint,
      subject: c.subject,
      validTo: c.validTo.slice(0, 10),
      days: c.daysLeft,
      bits: c.bits ?? 0,
      min: MIN_RSA_BITS,
    };
    if (c.daysLeft < 0)
      findings.push({
        id: 'sso.cert-expired',
        severity: current.length ? 'medium' : 'high',
        message: { id: 'sso.cert-expired', params },
        remediation: { id: 'sso.cert-expired.fix' },
        evidence: { fingerprint256: c.fingerprint256 },
      });
    else if (c.daysLeft < warnDays)
      findings.push({
        id: 'sso.cert-expiring',
        severity: 'medium',
        message: { id: 'sso.cert-expiring', params },
        remediation: { id: 'sso.cert-expiring.fix' },
      });
    if (c.bits !== undefined && c.bits < MIN_RSA_BITS)
      findings.push({
        id: 'sso.cert-weak',
        severity: 'high',
        message: { id: 'sso.cert-weak', params },
        remediation: { id: 'sso.cert-weak.fix' },
      });
  }
  if (signing.length)
    measurements.push({
      id: 'certDaysLeft',
      value: Math.max(...signing.map((c) => c.daysLeft)),
      unit: 'days',
      threshold: { min: warnDays },
    });
  if (!facts.samlEndpoints?.some((e) => e.kind === 'sso'))
    findings.push({
      id: 'sso.no-sso-endpoint',
      severity: 'high',
      message: { id: 'sso.no-sso-endpoint', params: { endpoint } },
      remediation: { id: 'sso.no-sso-endpoint.fix' },
    });
  for (const p of (facts.reachability ?? []) as SamlReach[]) {
    if (p.classification !== 'ok')
      findings.push(unreachable(endpoint, p.endpoint.startsWith('sso') ? 'SingleSignOnService' : 'SingleLogoutService', p));
  }
  return findings;
}

/** The provider at a glance; its endpoints and what they answered; its keys or certificates. */
export function presentSso(facts: SsoFacts): Block[] {
  const items: Array<Item | false> = [
    { label: { id: 'sso.item.kind' }, value: facts.ssoKind === 'saml' ? 'SAML 2.0' : 'OpenID Connect' },
    facts.issuer !== undefined && { label: { id: 'sso.item.issuer' }, value: facts.issuer },
    Boolean(facts.idTokenSigningAlgs?.length) && { label: { id: 'sso.item.algs' }, value: facts.idTokenSigningAlgs!.join(', ') },
    facts.entityId !== undefined && { label: { id: 'sso.item.entity' }, value: facts.entityId },
    facts.validUntil !== undefined && { label: { id: 'sso.item.valid-until' }, value: facts.validUntil },
    addressesItem(facts),
  ];
  const blocks: Block[] = [{ kind: 'key-value', title: { id: 'sso.block.provider' }, items: items.filter((i): i is Item => Boolean(i)) }];
  const reach: Array<[string, UrlProbe]> = Array.isArray(facts.reachability)
    ? facts.reachability.map((r) => [r.endpoint, r])
    : Object.entries(facts.reachability ?? {});
  if (facts.jwks)
    reach.push([
      'jwks_uri',
      {
        url: facts.jwks.url,
        classification: facts.jwks.classification ?? 'ok',
        ...(facts.jwks.status !== undefined ? { status: facts.jwks.status } : {}),
      },
    ]);
  if (reach.length) {
    blocks.push({
      kind: 'table',
      title: { id: 'sso.block.endpoints' },
      columns: [
        { key: 'endpoint', label: { id: 'sso.col.endpoint' } },
        { key: 'url', label: { id: 'sso.col.url' } },
        { key: 'result', label: { id: 'sso.col.result' } },
        { key: 'status', label: { id: 'sso.col.status' }, numeric: true },
        { key: 'ttfb', label: { id: 'sso.col.ttfb' }, numeric: true },
      ],
      rows: reach.map(([name, p]) => ({
        endpoint: name,
        url: p.url,
        result: p.classification,
        status: p.status ?? null,
        ttfb: p.ttfbMs ?? null,
      })),
    });
  }
  const keys = facts.jwks?.keys ?? [];
  if (keys.length) {
    blocks.push({
      kind: 'table',
      title: { id: 'sso.block.keys' },
      columns: [
        { key: 'kid', label: { id: 'sso.col.kid' } },
        { key: 'kty', label: { id: 'sso.col.kty' } },
        { key: 'alg', label: { id: 'sso.col.alg' } },
        { key: 'use', label: { id: 'sso.col.use' } },
        { key: 'size', label: { id: 'sso.col.size' } },
      ],
      rows: keys.map((k) => ({ kid: k.kid ?? null, kty: k.kty, alg: k.alg ?? null, use: k.use ?? null, size: keySize(k.bits, k.crv) })),
    });
  }
  const certs = facts.signing ?? [];
  if (certs.length) {
    blocks.push({
      kind: 'table',
      title: { id: 'sso.block.certs' },
      columns: [
        { key: 'subject', label: { id: 'sso.col.subject' } },
        { key: 'validTo', label: { id: 'sso.col.valid-to' } },
        { key: 'daysLeft', label: { id: 'sso.col.days-left' }, numeric: true },
        { key: 'key', label: { id: 'sso.col.key' } },
        { key: 'size', label: { id: 'sso.col.size' } },
      ],
      rows: certs.map((c) => ({
        subject: c.subject,
        validTo: c.validTo.slice(0, 10),
        daysLeft: c.daysLeft,
        key: c.keyType ?? null,
        size: keySize(c.bits, c.namedCurve),
      })),
    });
  }
  return [...blocks, ...connectionBlocks(facts)];
}

/** An RSA modulus in bits, else the curve's name. */
function keySize(bits: number | undefined, curve: string | undefined): Cell {
  return bits !== undefined ? { value: bits, unit: 'bit' } : (curve ?? null);
}
