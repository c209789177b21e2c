// Name resolution with a deadline: the system resolver (getaddrinfo, honours /etc/hosts) or the
// servers the site file names (queried directly, A and AAAA in parallel).

import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

export type DnsFailureKind = 'nxdomain' | 'nodata' | 'servfail' | 'refused' | 'timeout' | 'no-resolver' | 'other';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface DnsAnswer {
  host: string;
  addresses: ResolvedAddress[];
  durationMs: number;
  resolver: 'literal' | 'system' | string[];
}

export class DnsLookupError extends Error {
  constructor(
    readonly host: string,
    readonly kind: DnsFailureKind,
    readonly code: string | undefined,
    readonly durationMs: number,
    readonly resolver: DnsAnswer['resolver'],
  ) {
    super(`${host}: ${describeKind(kind)}${code ? ` (${code})` : ''}`);
    this.name = 'DnsLookupError';
  }
}

function describeKind(kind: DnsFailureKind): string {
  switch (kind) {
    case 'nxdomain':
      return 'no such name (NXDOMAIN)';
    case 'nodata':
      return 'the name exists but has no A/AAAA records';
    case 'servfail':
      return 'the resolver failed (SERVFAIL)';
    case 'refused':
      return 'the resolver refused the query';
    case 'timeout':
      return 'no answer from the resolver in time';
    case 'no-resolver':
      return 'no resolver could be reached';
    default:
      return 'lookup failed';
  }
}

export function dnsFailureKind(code: string | undefined): DnsFailureKind {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return 'nxdomain';
    case 'ENODATA':
    case 'EAI_NODATA':
      return 'nodata';
    case 'ESERVFAIL':
      return 'servfail';
    case 'EREFUSED':
      return 'refused';
    case 'ETIMEOUT':
    case 'EAI_AGAIN':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'no-resolver';
    default:
      return 'other';
  }
}

export interface ResolveOptions {
  servers?: string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function resolveHost(host: string, opts: ResolveOptions): Promise<DnsAnswer> {
  const family = isIP(host);
  if (family) return { host, addresses: [{ address: host, family: family as 4 | 6 }], durationMs: 0, resolver: 'literal' };
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  const resolverName: DnsAnswer['resolver'] = opts.servers?.length ? opts.servers : 'system';
  // Queries still out at the deadline are cancelled, not left to their own retries.
  const stop = new AbortController();
  const work = opts.servers?.length
    ? viaServers(host, opts.servers, opts.timeoutMs, opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal)
    : viaSystem(host);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })), opts.timeoutMs);
    onAbort = () => reject(opts.signal?.reason ?? new Error('aborted'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const addresses = await Promise.race([work, deadline]);
    return { host, addresses, durationMs: elapsed(), resolver: resolverName };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const code = (err as { code?: string }).code;
    throw new DnsLookupError(host, dnsFailureKind(code), code, elapsed(), resolverName);
  } finally {
    clearTimeout(timer);
    stop.abort();
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function viaSystem(host: string): Promise<ResolvedAddress[]> {
  const found = await lookup(host, { all: true, verbatim: true });
  return dedupe(found.map((a) => ({ address: a.address, family: a.family as 4 | 6 })));
}

/**
 * Once one family has answered, how long the other may still take. A resolver or middlebox that
 * drops AAAA queries (or answers them slowly) must not cost the A answer it gave: clients wait for
 * it too, which is why the time measured still includes this wait.
 */
const OTHER_FAMILY_GRACE_MS = 1000;

async function viaServers(host: string, servers: string[], timeoutMs: number, signal?: AbortSignal): Promise<ResolvedAddress[]> {
  const resolver = new Resolver({ timeout: Math.max(50, Math.floor(timeoutMs / 2)), tries: 2 });
  resolver.setServers(servers);
  const cancel = () => resolver.cancel();
  if (signal?.aborted) cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  let grace: NodeJS.Timeout | undefined;
  const answered = () => {
    grace ??= setTimeout(cancel, OTHER_FAMILY_GRACE_MS);
  };
  try {
    const [v4, v6] = await Promise.allSettled([
      resolver.resolve4(host).then((list) => (answered(), list)),
      resolver.resolve6(host).then((list) => (answered(), list)),
    ]);
    const addresses: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (addresses.length) return addresses;
    // Both failed: NXDOMAIN from either is the decisive answer; otherwise report the A query's error.
    const errs = [v4, v6].map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }) : undefined));
    const nx = errs.find((e) => e?.code === 'ENOTFOUND');
    throw nx ?? errs[0] ?? Object.assign(new Error('no addresses'), { code: 'ENODATA' });
  } finally {
    clearTimeout(grace);
    signal?.removeEventListener('abort', cancel);
  }
}

function dedupe(list: ResolvedAddress[]): ResolvedAddress[] {
  const seen = new Set<string>();
  return list.filter((a) => (seen.has(a.address) ? false : (seen.add(a.address), true)));
}
