// scanTls: the whole raw-hello audit of one address, as nmap ssl-enum-ciphers, sslscan and
// testssl do it, in three phases:
//   1. preflight — one ordinary hello: is anything TLS listening? (stall, garbage, refusal stop here)
//   2. suites — every registry suite per version by greedy removal, all versions in parallel
//   3. details — server vs client preference, groups, handshake facts, TLCP — in parallel
// Probes go out at most `concurrency` at a time; each has its own deadline; the signal ends the
// scan early with what was found so far (and an ABORTED error), never with a throw.

import { performance } from 'node:perf_hooks';
import { buildClientHello } from './client-hello.js';
import {
  enumerateSslv2,
  enumerateTlcp,
  enumerateVersion,
  mergeInServerOrder,
  DEFAULT_CHUNK_SIZE,
  type SuitePick,
  type VersionEnumeration,
} from './enumerate-suites.js';
import { enumerateLegacyGroups, enumerateTls13Groups } from './groups.js';
import { collectFacts, unknownFacts, type FactsPlan } from './handshake-facts.js';
import {
  formatCode,
  groupByCode,
  groupName,
  legacyGroups,
  legacySignatureSchemes,
  legacySuites,
  suiteByCode,
  tls13Groups,
  tls13Suites,
} from './registry.js';
import { isProbeError, ScanContext, type ScanTarget } from './scan-context.js';
import {
  TLS_VERSIONS,
  type AcceptedSuite,
  type HandshakeFacts,
  type Preference,
  type TlsScan,
  type TlsVersionName,
  type Tristate,
} from './types.js';

export type { ScanTarget } from './scan-context.js';

export interface ScanTlsOptions {
  /** Ends the scan early; what was found so far is returned. */
  signal?: AbortSignal;
  /** Deadline of each probe: TCP connect, hello, answer. */
  timeoutMs: number;
  /** TCP connect alone (default: timeoutMs). */
  connectTimeoutMs?: number;
  /** Probes in flight to the host at once (default 8). */
  concurrency?: number;
  /** Versions to test (default all six). */
  versions?: readonly TlsVersionName[];
  /** Suites per hello (default 64, as nmap). */
  chunkSize?: number;
  /** Probe TLCP (GB/T 38636) too (default true). */
  tlcp?: boolean;
  /** Phase 3 parts (default true each). */
  preference?: boolean;
  groups?: boolean;
  facts?: boolean;
}

export const DEFAULT_CONCURRENCY = 8;

const LEGACY_ORDER: readonly TlsVersionName[] = ['TLSv1.2', 'TLSv1.1', 'TLSv1.0', 'SSLv3'];
const DESCENDING: readonly TlsVersionName[] = ['TLSv1.3', ...LEGACY_ORDER];

export async function scanTls(target: ScanTarget, opts: ScanTlsOptions): Promise<TlsScan> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const ctx = new ScanContext(target, {
    timeoutMs: opts.timeoutMs,
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const tested = TLS_VERSIONS.filter((v) => !opts.versions || opts.versions.includes(v));
  const versions = Object.fromEntries(TLS_VERSIONS.map((v) => [v, 'unknown'])) as Record<TlsVersionName, Tristate>;

  const scan = (parts: Partial<TlsScan>, timings: TlsScan['timings']): TlsScan => {
    if (ctx.aborted && !ctx.errors.some((e) => e.code === 'ABORTED'))
      ctx.note('scan', 'ABORTED', 'the scan was stopped before it finished');
    return {
      host: target.host,
      port: target.port,
      address: target.address,
      ...(target.serverName ? { serverName: target.serverName } : {}),
      versions,
      accepted: [],
      preference: {},
      groups: [],
      facts: unknownFacts(),
      probes: ctx.probes,
      durationMs: ms(),
      errors: ctx.errors,
      ...parts,
      ...(timings ? { timings } : {}),
    };
  };

  // 1. Preflight
  const pre = await ctx.send('preflight', preflightHello(target));
  const preflightMs = ms();
  if (isProbeError(pre)) return scan({}, { preflightMs, suitesMs: 0, detailsMs: 0 });

  // 2. Suites, every version at once
  const runs = await Promise.all(
    tested.map((v): Promise<VersionEnumeration> => {
      if (v === 'SSLv2') return enumerateSslv2(ctx);
      if (v === 'TLSv1.3')
        return enumerateVersion(
          ctx,
          v,
          tls13Suites().map((s) => s.code),
          opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
        );
      return enumerateVersion(
        ctx,
        v,
        legacySuites().map((s) => s.code),
        opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
      );
    }),
  );
  const byVersion = new Map<TlsVersionName, VersionEnumeration>(runs.map((r) => [r.version, r]));
  for (const r of runs) versions[r.version] = r.offered;
  const suitesMs = ms() - preflightMs;
  const codesAt = (v: TlsVersionName) => byVersion.get(v)?.picks.map((p) => p.code) ?? [];

  // 3. Details
  const preference: Partial<Record<TlsVersionName, Preference>> = {};
  const work: Array<Promise<unknown>> = [];
  if (opts.preference !== false) {
    for (const r of runs) {
      if (r.version === 'SSLv2' || r.picks.length < 2) continue;
      work.push(
        preferenceOf(ctx, r.version, codesAt(r.version)).then(async (p) => {
          preference[r.version] = p;
          if (p === 'server' && r.chains.length > 1) r.picks = await mergeInServerOrder(ctx, r.version, r.chains);
        }),
      );
    }
  }
  let tls13GroupNames: string[] = [];
  let legacyGroupNames: string[] = [];
  if (opts.groups !== false) {
    if (codesAt('TLSv1.3').length) work.push(enumerateTls13Groups(ctx, codesAt('TLSv1.3')).then((g) => void (tls13GroupNames = g)));
    const ecdheAt = LEGACY_ORDER.map((v) => ({ v, suites: codesAt(v).filter((c) => /^ECDHE/.test(suiteByCode(c)?.kx ?? '')) })).find(
      (x) => x.suites.length > 0,
    );
    if (ecdheAt) work.push(enumerateLegacyGroups(ctx, ecdheAt.v, ecdheAt.suites).then((g) => void (legacyGroupNames = g)));
  }
  let facts: HandshakeFacts = unknownFacts();
  if (opts.facts !== false) work.push(collectFacts(ctx, factsPlan(byVersion)).then((f) => void (facts = f)));
  let tlcp: TlsScan['tlcp'];
  if (opts.tlcp !== false) {
    work.push(
      enumerateTlcp(ctx).then((t) => {
        tlcp = { offered: t.offered, accepted: t.picks.map((p) => withoutVersion(toAccepted('TLSv1.2', p))) };
      }),
    );
  }
  await Promise.all(work);
  const detailsMs = ms() - preflightMs - suitesMs;

  const accepted = TLS_VERSIONS.flatMap((v) => (byVersion.get(v)?.picks ?? []).map((p) => toAccepted(v, p)));
  const dhFromSuites = accepted.filter((a) => a.kxBits && /^(ffdhe|DH )/.test(a.group ?? '')).map((a) => a.kxBits!);
  const ffdheGroups = [...new Set(accepted.map((a) => a.group).filter((g): g is string => Boolean(g?.startsWith('ffdhe'))))];
  const groups = [...new Set([...tls13GroupNames, ...legacyGroupNames, ...ffdheGroups])];
  const dhFromGroups = groups
    .map((g) => NAMED_BY_NAME.get(g))
    .filter((g) => g?.kind === 'ffdhe')
    .map((g) => g!.bits);
  const dhBits = [...dhFromSuites, ...dhFromGroups];
  return scan(
    {
      accepted,
      preference,
      groups,
      ...(dhBits.length ? { dhMinBits: Math.min(...dhBits) } : {}),
      facts,
      ...(tlcp ? { tlcp } : {}),
    },
    { preflightMs, suitesMs, detailsMs },
  );
}

const NAMED_BY_NAME = new Map([...tls13Groups(), ...legacyGroups()].map((g) => [g.name, g]));

/**
 * An ordinary modern hello (TLS 1.0–1.3 via supported_versions, common suites): whatever the
 * server speaks, a TLS server answers it with a ServerHello or an alert.
 */
function preflightHello(target: ScanTarget): Buffer {
  const common = legacySuites()
    .filter((s) => !s.gm && s.strength !== 'insecure' && ['ECDHE', 'DHE', 'RSA'].includes(s.kx) && ['RSA', 'ECDSA', 'DSS'].includes(s.auth))
    .map((s) => s.code)
    .slice(0, 96);
  return buildClientHello({
    version: 0x0303,
    suites: [
      ...tls13Suites()
        .filter((s) => !s.gm && s.cipher !== 'NULL')
        .map((s) => s.code),
      ...common,
    ],
    ...(target.serverName ? { serverName: target.serverName } : {}),
    supportedVersions: [0x0304, 0x0303, 0x0302, 0x0301],
    groups: [...new Set([...tls13Groups(), ...legacyGroups()].map((g) => g.code))],
    ecPointFormats: [0],
    keyShares: [{ group: 0x001d }],
    signatureAlgorithms: legacySignatureSchemes(),
    renegotiationInfo: true,
    pskModes: true,
  });
}

/** Offer the accepted suites forward and reversed: the same pick both times is the server's order. */
async function preferenceOf(ctx: ScanContext, version: TlsVersionName, codes: number[]): Promise<Preference> {
  const forward = codes;
  const reversed = [...codes].reverse();
  const [a, b] = await Promise.all([
    ctx.send(`${version} preference`, ctx.hello(version, forward)),
    ctx.send(`${version} preference`, ctx.hello(version, reversed)),
  ]);
  const pa = a.status === 'answered' ? a.flight.serverHello?.cipherSuite : undefined;
  const pb = b.status === 'answered' ? b.flight.serverHello?.cipherSuite : undefined;
  if (pa === undefined || pb === undefined) return 'indeterminate';
  if (pa === pb) return 'server';
  if (pa === forward[0] && pb === reversed[0]) return 'client';
  return 'indeterminate';
}

function factsPlan(byVersion: Map<TlsVersionName, VersionEnumeration>): FactsPlan {
  const picks = (v: TlsVersionName) => byVersion.get(v)?.picks.map((p) => p.code) ?? [];
  const spoken = DESCENDING.filter((v) => picks(v).length > 0);
  const legacyVersion = LEGACY_ORDER.find((v) => picks(v).length > 0);
  const lower = spoken[1];
  return {
    ...(legacyVersion
      ? { legacy: { version: legacyVersion, suites: picks(legacyVersion), sessionId: firstSessionId(byVersion.get(legacyVersion)!) } }
      : {}),
    tls13Only: picks('TLSv1.3').length > 0 && LEGACY_ORDER.every((v) => byVersion.get(v)?.offered === false),
    ...(lower ? { fallback: { version: lower, suites: picks(lower) } } : {}),
  };
}

function firstSessionId(run: VersionEnumeration): Buffer {
  return run.picks[0]?.flight.serverHello?.sessionId ?? Buffer.alloc(0);
}

function toAccepted(version: TlsVersionName, pick: SuitePick): AcceptedSuite {
  const s = suiteByCode(pick.code);
  const out: AcceptedSuite = {
    version,
    code: formatCode(pick.code),
    name: s?.name ?? `UNKNOWN_${formatCode(pick.code)}`,
    strength: s?.strength ?? 'insecure',
    kx: s?.kx ?? 'unknown',
    bits: s?.bits ?? 0,
    forwardSecrecy: s?.forwardSecrecy ?? false,
    aead: s?.aead ?? false,
  };
  const sh = pick.flight.serverHello;
  if (version === 'TLSv1.3' && sh?.keyShareGroup !== undefined) {
    out.group = groupName(sh.keyShareGroup);
    const bits = groupByCode(sh.keyShareGroup)?.bits;
    if (bits) out.kxBits = bits;
    return out;
  }
  const ske = pick.flight.serverKeyExchange;
  if (ske?.kind === 'dhe') {
    out.group = ske.group;
    out.kxBits = ske.primeBits;
  } else if (ske?.kind === 'ecdhe') {
    if (ske.group) out.group = ske.group;
    if (ske.bits) out.kxBits = ske.bits;
  } else if (ske?.kind === 'rsa') {
    out.ephemeralRsaBits = ske.modulusBits;
  }
  return out;
}

function withoutVersion(a: AcceptedSuite): Omit<AcceptedSuite, 'version'> {
  const { version: _version, ...rest } = a;
  return rest;
}
