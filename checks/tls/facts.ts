// What the tls check measures, as plain data (facts version 2): the raw-hello scan, the finished
// handshake's certificate and the HSTS answer, exactly as found — no grade, no rule verdicts:
// the judge derives those, so a saved report can be graded again against other rule sets.

import { pathFailureSchema, type Classification, type PathFailure } from '../../src/plugin.js';
import type { TlsScan } from '../../src/tls/types.js';

export type {
  AcceptedSuite,
  CertificateFacts,
  CertificateInChain,
  HandshakeFacts,
  HstsFacts,
  Preference,
  TlsVersionName,
  Tristate,
} from '../../src/tls/types.js';

/** The scan's parts, present once a hello was answered in TLS (`accepted` non-empty). */
export type TlsScanFacts = Pick<
  TlsScan,
  | 'versions'
  | 'accepted'
  | 'preference'
  | 'groups'
  | 'dhMinBits'
  | 'facts'
  | 'tlcp'
  | 'certificate'
  | 'certificateError'
  | 'hsts'
  | 'timings'
>;

/**
 * Why an endpoint was not audited: the proxy refused CONNECT to host:port (connect-refused), wanted
 * credentials it did not get or accept (proxy-auth), could not be reached or did not answer
 * (proxy-unreachable); no proxy could be found for a `via: proxy` endpoint (no-route); or the
 * report predates audits through the proxy (proxy-only).
 */
export type NotAuditedReason = 'connect-refused' | 'proxy-auth' | 'proxy-unreachable' | 'no-route' | 'proxy-only';
export const NOT_AUDITED_REASONS: readonly NotAuditedReason[] = [
  'connect-refused',
  'proxy-auth',
  'proxy-unreachable',
  'no-route',
  'proxy-only',
];

export interface TlsFacts extends Partial<TlsScanFacts> {
  host: string;
  port: number;
  /**
   * ok — hellos were answered and a handshake finished; tls-failure — no hello was answered in
   * TLS, or none could be finished (certificateError); otherwise the path's (dns-failure,
   * refused, filtered …). Absent when the endpoint was not audited (reason).
   */
  classification?: Classification;
  /** direct, or proxy: every connection a CONNECT tunnel through the site's proxy. */
  path: 'direct' | 'proxy';
  /** The proxy audited through, scheme://host:port (never with credentials). */
  proxy?: string;
  /** Where the proxy came from: the site file, its PAC file, or HTTP(S)_PROXY. */
  proxySource?: 'site' | 'pac' | 'env';
  /** Present when nothing could be audited because of the path to the endpoint (failure says how). */
  notAudited?: NotAuditedReason;
  /** Through the proxy: tunnels opened, refused or failed, and the most open at once. */
  tunnels?: { opened: number; failed: number; max: number };
  /**
   * Through the proxy, the chain presented ends at no public root: a proxy that re-signs TLS may
   * be what answered, and then the audit graded the proxy's TLS, not the server's.
   */
  answeredBy?: 'proxy-suspected';
  /** Reports made before proxied endpoints were audited: proxy-only (nothing was measured). */
  reason?: 'proxy-only';
  /** The address audited (the host's first). */
  address?: string;
  /**
   * The server audited: route, address:port and server name ("direct 10.0.0.5:443 chat.example.com").
   * Endpoints with the same one share one audit per run, and the same facts but their own host.
   */
  auditKey?: string;
  /** The endpoint whose result carries this server's audit, when it is another one (version 2). */
  sameServerAs?: string;
  /** SNI sent; absent for IP literals. */
  serverName?: string;
  /** TCP connect deadline of each probe, ms. */
  connectTimeoutMs: number;
  /** Deadline of one raw hello, ms. */
  probeTimeoutMs: number;
  /** Why nothing was audited: the name did not resolve, the path failed, or no hello was answered in TLS. */
  failure?: PathFailure;
  /** protocol-error: the replies were not TLS, or broke its lengths (NOT_TLS, BAD_LENGTH, TRUNCATED …). */
  kind?: 'protocol-error';
  /** Raw hellos sent. */
  probes?: number;
  /** Wall time of the scan, ms. */
  durationMs?: number;
  /** Probes that ended in something other than an answer or an alert. */
  errors?: TlsScan['errors'];
}

const tristate = { anyOf: [{ type: 'boolean' }, { const: 'unknown' }] } as const;
const version = { enum: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] } as const;
const strength = { enum: ['insecure', 'weak', 'secure', 'recommended'] } as const;

const suiteProperties = {
  code: { type: 'string', pattern: '^0x[0-9A-F]{4,6}$' },
  name: { type: 'string' },
  strength,
  kx: { type: 'string' },
  bits: { type: 'number', minimum: 0 },
  forwardSecrecy: { type: 'boolean' },
  aead: { type: 'boolean' },
  group: { type: 'string' },
  kxBits: { type: 'number', minimum: 0 },
  ephemeralRsaBits: { type: 'number', minimum: 0 },
} as const;
const suiteRequired = ['code', 'name', 'strength', 'kx', 'bits', 'forwardSecrecy', 'aead'] as const;

const certificateInChain = {
  type: 'object',
  required: [
    'subject',
    'issuer',
    'serialNumber',
    'notBefore',
    'notAfter',
    'fingerprint256',
    'keyType',
    'keyBits',
    'signatureAlgorithm',
    'selfSigned',
    'isCA',
  ],
  properties: {
    subject: { type: 'string' },
    issuer: { type: 'string' },
    serialNumber: { type: 'string' },
    notBefore: { type: 'string' },
    notAfter: { type: 'string' },
    fingerprint256: { type: 'string' },
    keyType: { type: 'string' },
    keyBits: { type: 'number', minimum: 0 },
    curve: { type: 'string' },
    signatureAlgorithm: { type: 'string' },
    selfSigned: { type: 'boolean' },
    isCA: { type: 'boolean' },
    signatureHash: { type: 'string' },
  },
} as const;

const certificate = {
  type: 'object',
  required: [
    'chain',
    'trusted',
    'hostnameMatch',
    'checkedName',
    'subjectAltNames',
    'notBefore',
    'notAfter',
    'daysLeft',
    'expired',
    'notYetValid',
    'lifetimeDays',
    'ocspStapled',
    'chainComplete',
  ],
  properties: {
    chain: { type: 'array', items: certificateInChain },
    trusted: { type: 'boolean' },
    trustError: { type: 'string' },
    hostnameMatch: { type: 'boolean' },
    checkedName: { type: 'string' },
    subjectAltNames: { type: 'array', items: { type: 'string' } },
    notBefore: { type: 'string' },
    notAfter: { type: 'string' },
    daysLeft: { type: 'number' },
    expired: { type: 'boolean' },
    notYetValid: { type: 'boolean' },
    lifetimeDays: { type: 'number' },
    ocspStapled: { type: 'boolean' },
    chainComplete: { type: 'boolean' },
    publicRoot: { type: 'boolean' },
    chainSource: { enum: ['sent', 'reconstructed'] },
    chainIssues: { type: 'array', items: { enum: ['incomplete', 'misordered', 'extraneous', 'contains-anchor'] } },
    ocspStatus: { enum: ['good', 'revoked', 'unknown', 'unsuccessful', 'unrelated', 'malformed'] },
    ocspNextUpdate: { type: 'string' },
    protocol: { type: 'string' },
  },
} as const;

const handshakeFacts = {
  type: 'object',
  required: [
    'secureRenegotiation',
    'fallbackScsv',
    'compression',
    'extendedMasterSecret',
    'sessionIdResumption',
    'sessionTicket',
    'heartbeat',
    'heartbleed',
    'alpn',
    'ocspStapling',
  ],
  properties: {
    secureRenegotiation: tristate,
    fallbackScsv: { anyOf: [{ type: 'boolean' }, { enum: ['unknown', 'n/a'] }] },
    compression: tristate,
    extendedMasterSecret: tristate,
    sessionIdResumption: tristate,
    sessionTicket: tristate,
    heartbeat: tristate,
    heartbleed: tristate,
    alpn: { type: 'array', items: { type: 'string' } },
    ocspStapling: tristate,
  },
} as const;

const hsts = {
  type: 'object',
  required: ['present'],
  properties: {
    present: { type: 'boolean' },
    maxAgeSeconds: { type: 'number', minimum: 0 },
    includeSubDomains: { type: 'boolean' },
    preload: { type: 'boolean' },
    error: {
      type: 'object',
      required: ['kind', 'message'],
      properties: {
        kind: { enum: ['not-http', 'closed', 'no-http-answer', 'no-connection', 'failed'] },
        message: { type: 'string' },
        timeoutMs: { type: 'number' },
        classification: { type: 'string' },
        tlsKind: { type: 'string' },
      },
    },
    status: { type: 'integer' },
    header: { type: 'string' },
    invalid: {
      type: 'object',
      required: ['problem'],
      properties: {
        problem: { enum: ['no-max-age', 'max-age-not-number', 'no-valid-value', 'repeated', 'include-subdomains-value', 'unexpected'] },
        directive: { type: 'string' },
        found: { type: 'string' },
      },
    },
  },
} as const;

const errorItem = {
  type: 'object',
  required: ['what', 'code', 'message'],
  properties: { what: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
} as const;

export const factsSchema = {
  type: 'object',
  required: ['host', 'port', 'path', 'connectTimeoutMs', 'probeTimeoutMs'],
  properties: {
    host: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    classification: { type: 'string' },
    path: { enum: ['direct', 'proxy'] },
    proxy: { type: 'string' },
    proxySource: { enum: ['site', 'pac', 'env'] },
    notAudited: { enum: [...NOT_AUDITED_REASONS] },
    tunnels: {
      type: 'object',
      required: ['opened', 'failed', 'max'],
      properties: {
        opened: { type: 'integer', minimum: 0 },
        failed: { type: 'integer', minimum: 0 },
        max: { type: 'integer', minimum: 1 },
      },
    },
    answeredBy: { const: 'proxy-suspected' },
    reason: { const: 'proxy-only' },
    address: { type: 'string' },
    auditKey: { type: 'string' },
    sameServerAs: { type: 'string' },
    serverName: { type: 'string' },
    connectTimeoutMs: { type: 'number', minimum: 0 },
    probeTimeoutMs: { type: 'number', minimum: 0 },
    failure: pathFailureSchema,
    kind: { const: 'protocol-error' },
    probes: { type: 'integer', minimum: 0 },
    durationMs: { type: 'number', minimum: 0 },
    errors: { type: 'array', items: errorItem },
    versions: {
      type: 'object',
      required: ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
      properties: Object.fromEntries(version.enum.map((v) => [v, tristate])),
      additionalProperties: false,
    },
    accepted: {
      type: 'array',
      items: { type: 'object', required: ['version', ...suiteRequired], properties: { version, ...suiteProperties } },
    },
    preference: { type: 'object', propertyNames: version, additionalProperties: { enum: ['server', 'client', 'indeterminate'] } },
    groups: { type: 'array', items: { type: 'string' } },
    dhMinBits: { type: 'number', minimum: 0 },
    facts: handshakeFacts,
    tlcp: {
      type: 'object',
      required: ['offered', 'accepted'],
      properties: {
        offered: tristate,
        accepted: { type: 'array', items: { type: 'object', required: [...suiteRequired], properties: suiteProperties } },
      },
    },
    certificate,
    certificateError: {
      type: 'object',
      required: ['stage', 'code', 'message'],
      properties: { stage: { enum: ['handshake', 'certificate'] }, code: { type: 'string' }, message: { type: 'string' } },
    },
    hsts,
    timings: {
      type: 'object',
      required: ['preflightMs', 'suitesMs', 'detailsMs'],
      properties: { preflightMs: { type: 'number' }, suitesMs: { type: 'number' }, detailsMs: { type: 'number' } },
    },
  },
  // A scan that found something carries every part the judge reads.
  if: { required: ['accepted'], properties: { accepted: { type: 'array', minItems: 1 } } },
  then: { required: ['classification', 'address', 'versions', 'preference', 'groups', 'facts', 'probes', 'durationMs', 'errors'] },
} as const;

/** The facts as the scan's own type, for grading and the rule sets; undefined when nothing was accepted. */
export function scanOf(f: TlsFacts): TlsScan | undefined {
  if (!f.accepted?.length || !f.versions || !f.facts) return undefined;
  return {
    host: f.host,
    port: f.port,
    address: f.address ?? f.host,
    ...(f.serverName ? { serverName: f.serverName } : {}),
    versions: f.versions,
    accepted: f.accepted,
    preference: f.preference ?? {},
    groups: f.groups ?? [],
    ...(f.dhMinBits !== undefined ? { dhMinBits: f.dhMinBits } : {}),
    facts: f.facts,
    ...(f.tlcp ? { tlcp: f.tlcp } : {}),
    ...(f.certificate ? { certificate: f.certificate } : {}),
    ...(f.certificateError ? { certificateError: f.certificateError } : {}),
    ...(f.hsts ? { hsts: f.hsts } : {}),
    probes: f.probes ?? 0,
    durationMs: f.durationMs ?? 0,
    errors: f.errors ?? [],
  };
}
