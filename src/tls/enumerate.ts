// scanTls: the whole raw-hello audit of one address, as nmap ssl-enum-ciphers, sslscan and
// testssl do it:
//   1. preflight — one ordinary hello: is anything TLS listening? (stall, garbage, refusal stop here)
//      A second one beside it, while the first connection is held open, tells a server that
//      serves one connection at a time; the first one's time tells a far server from a near one.
//   2. suites — every registry suite per version, all versions in parallel
//   3. details — server vs client preference, groups, handshake facts, TLCP — each as soon as
//      what it needs is known, not after every version is done: across a WAN the scan's time is
//      the longest chain of round trips, and a detail that waits for an unrelated version adds its
//      whole chain to it.
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
  type SearchMode,
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
import type { ProbeResult } from './probe.js';
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
  /** Suite and group search (default: greedy on a near server, split on a far one). */
  search?: SearchMode;
  /** Dial connections ahead of their hellos (default: on a far server). */
  preconnect?: boolean;
}

export const DEFAULT_CONCURRENCY = 8;

/**
 * A preflight slower than this is a server across a WAN (or a slow one): there every hello is
 * mostly waiting, so the scan trades hellos for rounds. On loopback or a LAN a preflight takes a
 * few milliseconds and the fewest hellos finish first.
 */
export const SLOW_PREFLIGHT_MS = 30;

/**
 * The least the held preflight waits for its twin: on loopback both answers come within a
 * millisecond or two, and every millisecond waited here is added to a one-at-a-time server's scan.
 */
const PREFLIGHT_TWIN_MIN_WAIT_MS = 10;

/** Accepted suites up to which a server's order is read from every pair at once, in one round. */
const PAIRWISE_ORDER_MAX = 8;

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
  const { result: pre, oneAtATime } = await preflight(ctx, preflightHello(target), opts.preconnect !== false);
  const preflightMs = ms();
  const far = pre.ms >= SLOW_PREFLIGHT_MS;
  const preconnect = opts.preconnect ?? far;
  if (isProbeError(pre) || !preconnect) ctx.close();
  if (isProbeError(pre)) return scan({}, { preflightMs, suitesMs: 0, detailsMs: 0 });
  // A one-at-a-time server answers hellos in turn however many are in flight: there the fewest
  // hellos finish first (measured behind a 200 ms relay: greedy 7.6 s, split 8.2 s).
  const mode: SearchMode = opts.search ?? (far && !oneAtATime ? 'split' : 'greedy');
  ctx.link = { preconnect, halfClose: oneAtATime };
  const preTls13Suite = pre.flight.serverHello?.version === 0x0304 ? pre.flight.serverHello.cipherSuite : undefined;

  // 2. Suites, every version at once; 3. details as their inputs arrive
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const enumerations = new Map<TlsVersionName, Promise<VersionEnumeration>>(
    tested.map((v): [TlsVersionName, Promise<VersionEnumeration>] => {
      if (v === 'SSLv2') return [v, enumerateSslv2(ctx)];
      const candidates = (v === 'TLSv1.3' ? tls13Suites() : legacySuites()).map((s) => s.code);
      return [v, enumerateVersion(ctx, v, candidates, chunkSize, mode)];
    }),
  );
  const work: Array<Promise<unknown>> = [];
  let tlcp: TlsScan['tlcp'];
  if (opts.tlcp !== false) {
    work.push(
      enumerateTlcp(ctx).then((t) => {
        tlcp = { offered: t.offered, accepted: t.picks.map((p) => withoutVersion(toAccepted('TLSv1.2', p))) };
      }),
    );
  }
  const preference: Partial<Record<TlsVersionName, Preference>> = {};
  if (opts.preference !== false) {
    for (const [v, enumeration] of enumerations) {
      if (v === 'SSLv2') continue;
      work.push(
        enumeration.then(async (r) => {
          if (r.picks.length < 2) return;
          const p = await preferenceOf(
            ctx,
            r.version,
            r.picks.map((x) => x.code),
          );
          preference[r.version] = p;
          if (p !== 'server') return;
          if (mode === 'split') r.picks = await inServerOrder(ctx, r.version, r.picks);
          else if (r.chains.length > 1) r.picks = await mergeInServerOrder(ctx, r.version, r.chains);
        }),
      );
    }
  }
  let tls13GroupNames: string[] = [];
  let legacyGroupNames: string[] = [];
  if (opts.groups !== false) {
    // Any suite the server takes at TLS 1.3 will do, and the preflight names one.
    const tls13 = enumerations.get('TLSv1.3');
    const tls13Suites =
      preTls13Suite !== undefined && tls13 ? Promise.resolve([preTls13Suite]) : tls13?.then((r) => r.picks.map((p) => p.code));
    if (tls13Suites)
      work.push(
        tls13Suites.then(async (suites) => {
          if (suites?.length) tls13GroupNames = await enumerateTls13Groups(ctx, suites, mode);
        }),
      );
    work.push(
      (async () => {
        // Across a WAN, TLS 1.2 is asked at once with every ECDHE suite: if it takes one, it is the
        // version the groups are read at anyway, and the search no longer waits for its suites.
        if (mode === 'split' && enumerations.has('TLSv1.2')) {
          const ecdhe = legacySuites()
            .filter((s) => /^ECDHE/.test(s.kx))
            .map((s) => s.code)
            .slice(0, chunkSize);
          legacyGroupNames = await enumerateLegacyGroups(ctx, 'TLSv1.2', ecdhe, mode);
          if (legacyGroupNames.length) return;
        }
        // The highest legacy version with an ECDHE suite: TLS 1.2 usually, known before the rest.
        for (const v of LEGACY_ORDER) {
          const r = await enumerations.get(v);
          const suites = (r?.picks ?? []).map((p) => p.code).filter((c) => /^ECDHE/.test(suiteByCode(c)?.kx ?? ''));
          if (suites.length) {
            legacyGroupNames = await enumerateLegacyGroups(ctx, v, suites, mode);
            return;
          }
        }
      })(),
    );
  }
  const runs = await Promise.all(enumerations.values());
  const byVersion = new Map<TlsVersionName, VersionEnumeration>(runs.map((r) => [r.version, r]));
  for (const r of runs) versions[r.version] = r.offered;
  const suitesMs = ms() - preflightMs;
  let facts: HandshakeFacts = unknownFacts();
  if (opts.facts !== false) work.push(collectFacts(ctx, factsPlan(byVersion)).then((f) => void (facts = f)));
  await Promise.all(work);
  ctx.close();
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

/**
 * The preflight hello, twice at once; the first connection stays open after its answer until the
 * second is answered, or for as long again as the first took. A server that serves one
 * connection at a time cannot answer the second meanwhile: it is told by that, and its hellos then
 * go out with our FIN, so it moves to the next connection without waiting a round trip for us to
 * hang up.
 */
async function preflight(ctx: ScanContext, hello: Buffer, prewarm: boolean): Promise<{ result: ProbeResult; oneAtATime: boolean }> {
  if (ctx.target.connect || ctx.opts.concurrency < 2) return { result: await ctx.send('preflight', hello), oneAtATime: false };
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  // Dialled in this order, so a one-at-a-time server accepts the two preflights first. The
  // connections dialled ahead for the scan pay their round trip while the preflight runs; on a
  // near server they are closed unused.
  const [a, b] = [ctx.dialAhead(), ctx.dialAhead()];
  if (prewarm) ctx.prewarm();
  const first = ctx.send('preflight', hello, { hold, preDialed: a });
  const second = ctx.send('preflight', hello, { quiet: true, preDialed: b });
  const result = await first;
  if (isProbeError(result)) {
    release();
    await second;
    return { result, oneAtATime: false };
  }
  let timer: NodeJS.Timeout | undefined;
  const waited = await Promise.race([
    second.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(result.ms, PREFLIGHT_TWIN_MIN_WAIT_MS)))),
  ]);
  clearTimeout(timer);
  release();
  const other = await second;
  return { result, oneAtATime: waited && (other.status === 'answered' || other.status === 'alert') };
}

/**
 * The server's order of what a split search found. A few suites: every pair offered at once, the
 * order is who beat how many. More: greedy removal over the found set, one round each.
 */
async function inServerOrder(ctx: ScanContext, version: TlsVersionName, picks: SuitePick[]): Promise<SuitePick[]> {
  if (picks.length > PAIRWISE_ORDER_MAX)
    return mergeInServerOrder(
      ctx,
      version,
      picks.map((p) => [p]),
    );
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < picks.length; i++) for (let j = i + 1; j < picks.length; j++) pairs.push([i, j]);
  const winners = await Promise.all(
    pairs.map(async ([i, j]) => {
      const offered = [picks[i]!.code, picks[j]!.code];
      const r = await ctx.send(`${version} server order`, ctx.hello(version, offered));
      const chosen = r.status === 'answered' ? r.flight.serverHello?.cipherSuite : undefined;
      return chosen === offered[0] ? i : chosen === offered[1] ? j : undefined;
    }),
  );
  if (winners.some((w) => w === undefined))
    return mergeInServerOrder(
      ctx,
      version,
      picks.map((p) => [p]),
    );
  const wins = picks.map(() => 0);
  for (const w of winners) wins[w!]!++;
  return picks
    .map((p, i) => ({ p, i }))
    .sort((a, b) => wins[b.i]! - wins[a.i]! || a.i - b.i)
    .map((x) => x.p);
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
