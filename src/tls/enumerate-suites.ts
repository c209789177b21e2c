// Which suites a server accepts at one protocol version, by greedy removal: offer every
// candidate, note the one the server picks, remove it, offer the rest again, until the server
// refuses. Candidates go out in chunks (some stacks reject hellos with too many suites, which is
// why nmap and sslscan chunk too); each chunk is its own chain, and chains run in parallel.
// Probes per version = accepted suites + chunks (+ re-splits of chunks a supported version
// refused oddly).
//
// Across a WAN each hello costs a round trip, and a greedy chain is as long as the suites it
// finds. There the chains split instead (splitSearch): the server's pick from a set leaves the
// rest to be asked about in halves, in parallel — about log2(chunk) rounds instead of one round
// per suite, for roughly twice the hellos. Loopback scans stay greedy: there hellos cost CPU,
// not waiting.

import { buildClientHello } from './client-hello.js';
import type { ProbeResult } from './probe.js';
import { formatCode, sslv2Kinds, tlcpSuites } from './registry.js';
import { isProbeError, type ScanContext } from './scan-context.js';
import type { ServerFlight } from './server-flight.js';
import { AlertDescription } from './wire.js';
import { VERSION_CODES, type Tristate, type TlsVersionName } from './types.js';

export interface SuitePick {
  code: number;
  flight: ServerFlight;
}

/** How a chain's first probe ended: it tells whether the version is spoken at all. */
export type FirstOutcome =
  | 'accepted'
  /** A clean refusal: handshake_failure, protocol_version, insufficient_security, or a lower version. */
  | 'refused'
  /** Refused in a way that may be about the hello itself (reset, close, decode_error …). */
  | 'odd'
  /** Timeout, garbage, no connection. */
  | 'error';

export interface VersionEnumeration {
  version: TlsVersionName;
  /** Every accepted suite: chain after chain, each chain in the order the server picked. */
  picks: SuitePick[];
  /** The picks of each chain that found any; each is in the server's order if the server has one. */
  chains: SuitePick[][];
  offered: Tristate;
}

export const DEFAULT_CHUNK_SIZE = 64;

/** How each chunk is searched: one chain, or halves in parallel after every pick. */
export type SearchMode = 'greedy' | 'split';

/** Into how many parts the rest of a set is split after the server's pick from it. */
export const SPLIT_FANOUT = 2;
/** Chunks a supported version refused oddly are halved down to this size. */
const MIN_CHUNK_SIZE = 16;

/** What nearly every TLS ≤ 1.2 server accepts one of: the probe for "is it the hello's size?". */
const COMMON_SUITES: readonly number[] = [
  0xc02f, 0xc02b, 0xc030, 0xc02c, 0xcca8, 0xcca9, 0xc013, 0xc009, 0xc014, 0xc00a, 0x009e, 0x009f, 0x0033, 0x0039, 0x009c, 0x009d, 0x002f,
  0x0035, 0x000a, 0x0005,
];

const CLEAN_REFUSALS = new Set<number>([
  AlertDescription.handshake_failure,
  AlertDescription.protocol_version,
  AlertDescription.insufficient_security,
]);

/** The negotiated version a hello for `version` must get back. */
function expectedVersion(version: TlsVersionName | 'TLCP'): number {
  return version === 'TLCP' ? 0x0101 : VERSION_CODES[version];
}

export function classifyFirst(r: ProbeResult, expected: number): FirstOutcome {
  if (r.status === 'answered') {
    const v = r.flight.serverHello?.version ?? 0;
    return v === expected ? 'accepted' : 'refused';
  }
  if (r.status === 'alert') return r.alert && CLEAN_REFUSALS.has(r.alert.description) ? 'refused' : 'odd';
  if (r.status === 'closed' || r.status === 'reset') return 'odd';
  return 'error';
}

interface Chain {
  picks: SuitePick[];
  first: FirstOutcome;
}

export interface ChainProbeExtra {
  tlcp?: boolean;
  /** Checked when the first hello gets a connection: true means "already known refused", not sent. */
  skip?: () => boolean;
  /** Sees the first hello's result as soon as it is in. */
  seen?: (r: ProbeResult) => void;
}

/** protocol_version, or an answer at another version: no suite would change the server's mind. */
function refusesVersion(r: ProbeResult, expected: number): boolean {
  if (r.status === 'answered') return (r.flight.serverHello?.version ?? expected) !== expected;
  return r.status === 'alert' && r.alert?.description === AlertDescription.protocol_version;
}

/** What the hellos after the first send: `skip` and `seen` are about the first one only. */
function afterFirst({ skip: _skip, seen: _seen, ...rest }: ChainProbeExtra): ChainProbeExtra {
  return rest;
}

/** One hello offering `set`: how the server answered, and the suite it picked when it picked one of them. */
async function pickOf(
  ctx: ScanContext,
  label: string,
  expected: number,
  hello: Buffer,
  set: readonly number[],
  extra: ChainProbeExtra,
): Promise<{ outcome: FirstOutcome; pick?: SuitePick }> {
  const r = await ctx.send(label, hello, extra);
  const outcome = classifyFirst(r, expected);
  if (outcome !== 'accepted') return { outcome };
  const chosen = r.flight.serverHello!.cipherSuite;
  if (!set.includes(chosen)) {
    ctx.note(label, 'UNOFFERED_SUITE', `the server chose ${formatCode(chosen)}, which was not offered`);
    return { outcome };
  }
  return { outcome, pick: { code: chosen, flight: r.flight } };
}

/** One greedy chain over `candidates`; `hello` builds the hello for what is left. */
export async function greedyChain(
  ctx: ScanContext,
  label: string,
  version: TlsVersionName | 'TLCP',
  candidates: readonly number[],
  hello: (suites: number[]) => Buffer,
  probeExtra: ChainProbeExtra = {},
): Promise<Chain> {
  const left = [...candidates];
  const picks: SuitePick[] = [];
  const expected = expectedVersion(version);
  const later = afterFirst(probeExtra);
  let first: FirstOutcome | undefined;
  while (left.length > 0 && !ctx.aborted) {
    const { outcome, pick } = await pickOf(ctx, label, expected, hello(left), left, first === undefined ? probeExtra : later);
    first ??= outcome;
    if (!pick) break;
    left.splice(left.indexOf(pick.code), 1);
    picks.push(pick);
  }
  return { picks, first: first ?? (ctx.aborted ? 'error' : 'refused') };
}

/**
 * Every candidate the server accepts, by parallel splitting: ask about a set, take the server's
 * pick out, ask about the parts of what is left at once; a refused part is done. `ask` returns the
 * pick, or undefined for anything but an acceptance. Each pick comes back with the depth at which
 * it was found (the rounds it waited for). Picks are in no particular order.
 */
export async function splitSearch<T>(
  candidates: readonly number[],
  ask: (set: number[], depth: number) => Promise<{ code: number; value: T } | undefined>,
  fanout = SPLIT_FANOUT,
): Promise<Array<{ code: number; value: T; depth: number }>> {
  const found: Array<{ code: number; value: T; depth: number }> = [];
  const node = async (set: number[], depth: number): Promise<void> => {
    if (set.length === 0) return;
    const got = await ask(set, depth);
    if (!got) return;
    const at = set.indexOf(got.code);
    if (at < 0) return;
    found.push({ ...got, depth });
    const rest = set.filter((_, i) => i !== at);
    const per = Math.ceil(rest.length / Math.max(2, fanout));
    const parts: number[][] = [];
    for (let i = 0; i < rest.length; i += per) parts.push(rest.slice(i, i + per));
    await Promise.all(parts.map((p) => node(p, depth + 1)));
  };
  await node([...candidates], 0);
  return found;
}

/** One chunk searched by splitSearch: the same picks a greedy chain finds, in candidate order. */
export async function splitChain(
  ctx: ScanContext,
  label: string,
  version: TlsVersionName | 'TLCP',
  candidates: readonly number[],
  hello: (suites: number[]) => Buffer,
  probeExtra: ChainProbeExtra = {},
): Promise<Chain> {
  const expected = expectedVersion(version);
  const later = afterFirst(probeExtra);
  let first: FirstOutcome | undefined;
  const found = await splitSearch(candidates, async (set, depth) => {
    if (ctx.aborted) return undefined;
    const { outcome, pick } = await pickOf(ctx, label, expected, hello(set), set, depth === 0 ? probeExtra : later);
    if (depth === 0) first = outcome;
    return pick ? { code: pick.code, value: pick.flight } : undefined;
  });
  const rank = new Map(candidates.map((c, i) => [c, i]));
  const picks = found.sort((a, b) => rank.get(a.code)! - rank.get(b.code)!).map((f) => ({ code: f.code, flight: f.value }));
  return { picks, first: first ?? (ctx.aborted ? 'error' : 'refused') };
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const n = Math.max(1, Math.ceil(items.length / Math.max(1, size)));
  const per = Math.ceil(items.length / n);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += per) out.push(items.slice(i, i + per));
  return out;
}

function offeredFrom(chains: readonly Chain[]): Tristate {
  if (chains.some((c) => c.picks.length > 0)) return true;
  if (chains.some((c) => c.first === 'error')) return 'unknown';
  return false;
}

/** Suites accepted at one TLS/SSLv3 version, chunked, chains in parallel. */
export async function enumerateVersion(
  ctx: ScanContext,
  version: Exclude<TlsVersionName, 'SSLv2'>,
  candidates: readonly number[],
  chunkSize = DEFAULT_CHUNK_SIZE,
  mode: SearchMode = 'greedy',
): Promise<VersionEnumeration> {
  const label = `${version} suites`;
  const search = mode === 'split' ? splitChain : greedyChain;
  // A version the server does not speak is refused whatever the suites: once one chunk says so,
  // the chunks still waiting for a connection are not sent.
  let notSpoken = false;
  const hello = (left: number[]) => ctx.hello(version, left);
  const expected = expectedVersion(version);
  const first: ChainProbeExtra = {
    skip: () => notSpoken,
    seen: (r) => void (notSpoken ||= refusesVersion(r, expected)),
  };
  const run = (suites: readonly number[]) => search(ctx, label, version, suites, hello, first);
  const chunks = chunked(candidates, chunkSize);
  // The first chunk of every version goes out before the rest of any, so the versions a server
  // does not speak are known before their other chunks get a connection.
  const head = chunks.length ? [run(chunks[0]!)] : [];
  await Promise.resolve();
  const chains = await Promise.all([...head, ...chunks.slice(1).map(run)]);
  // Every chunk refused oddly (a reset, a close, decode_error): the version may be fine and the
  // hello too big for the server. One small hello of common suites tells the two apart.
  if (
    chunks.length > 0 &&
    chains.every((c) => c.picks.length === 0) &&
    chains.some((c) => c.first === 'odd') &&
    !chains.some((c) => c.first === 'error')
  ) {
    const common = COMMON_SUITES.filter((c) => candidates.includes(c));
    if (common.length > 0 && common.length < candidates.length) {
      const small = await run(common);
      chains.push(small);
      if (small.picks.length > 0) {
        const found = new Set(small.picks.map((p) => p.code));
        chunks.forEach((chunk, i) => (chunks[i] = chunk.filter((c) => !found.has(c))));
      }
    }
  }
  // A version that works elsewhere but refused a whole chunk oddly may be choking on the hello's size.
  if (chains.some((c) => c.picks.length > 0)) {
    const retry = async (suites: readonly number[]): Promise<Chain[]> => {
      if (suites.length <= MIN_CHUNK_SIZE) return [];
      const halves = chunked(suites, Math.ceil(suites.length / 2));
      const out: Chain[] = [];
      for (const half of halves) {
        const c = await run(half);
        out.push(c);
        if (c.first === 'odd') out.push(...(await retry(half)));
      }
      return out;
    };
    const extra = await Promise.all(chunks.map((chunk, i) => (chains[i]!.first === 'odd' ? retry(chunk) : Promise.resolve([]))));
    chains.push(...extra.flat());
  }
  return {
    version,
    picks: chains.flatMap((c) => c.picks),
    chains: chains.map((c) => c.picks).filter((p) => p.length > 0),
    offered: offeredFrom(chains),
  };
}

/** SSLv2: one CLIENT-HELLO with every kind; the SERVER-HELLO lists the ones the server shares. */
export async function enumerateSslv2(ctx: ScanContext): Promise<VersionEnumeration> {
  const kinds = sslv2Kinds().map((s) => s.code);
  const r = await ctx.send('SSLv2 hello', ctx.hello('SSLv2', kinds), { sslv2: true });
  const hello = r.flight.sslv2;
  if (hello) {
    const offered = new Set(kinds);
    const picks = hello.cipherKinds.filter((k) => offered.has(k)).map((code) => ({ code, flight: r.flight }));
    return { version: 'SSLv2', picks, chains: [picks], offered: true };
  }
  return { version: 'SSLv2', picks: [], chains: [], offered: isProbeError(r) ? 'unknown' : false };
}

/**
 * TLCP (GB/T 38636, "GMSSL 1.1"): version 0x0101 in the record and the hello, the GM suites,
 * no extensions but SNI — what TLCP clients send. A TLS-only server refuses or closes.
 */
export async function enumerateTlcp(ctx: ScanContext): Promise<{ offered: Tristate; picks: SuitePick[] }> {
  const sni = ctx.target.serverName ? { serverName: ctx.target.serverName } : {};
  const hello = (left: number[]) => buildClientHello({ version: 0x0101, recordVersion: 0x0101, suites: left, ...sni, padding: false });
  const chain = await greedyChain(
    ctx,
    'TLCP suites',
    'TLCP',
    tlcpSuites().map((s) => s.code),
    hello,
    { tlcp: true },
  );
  return { offered: offeredFrom([chain]), picks: chain.picks };
}

/**
 * Chunked chains each find their suites in the server's order, but not relative to each other.
 * For a server with its own order, merge them: offer the head of every chain (a handful of
 * suites), take the server's pick, advance that chain — one probe per suite until one chain is left.
 */
export async function mergeInServerOrder(ctx: ScanContext, version: TlsVersionName, chains: readonly SuitePick[][]): Promise<SuitePick[]> {
  const lists = chains.filter((c) => c.length > 0).map((c) => [...c]);
  const out: SuitePick[] = [];
  while (lists.length > 1 && !ctx.aborted) {
    const heads = lists.map((l) => l[0]!.code);
    const r = await ctx.send(`${version} server order`, ctx.hello(version, heads));
    const i = r.status === 'answered' ? heads.indexOf(r.flight.serverHello?.cipherSuite ?? -1) : -1;
    if (i < 0) break;
    out.push(lists[i]!.shift()!);
    if (lists[i]!.length === 0) lists.splice(i, 1);
  }
  for (const l of lists) out.push(...l);
  return out;
}
