// What the connection checks share: one DNS answer per host per run and the trust store the site
// asks for (how severe an unreachable endpoint is lives in endpoint-severity.ts).

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SecureContext } from 'node:tls';
import { nodeTls } from '../util/node-builtins.js';
import { defineArtifact, type MeasureContext, type Endpoint } from '../plugin-api.js';
import { resolveHost, type DnsAnswer } from './dns.js';

export const DEFAULT_DNS_TIMEOUT_MS = 3000;

/** One DNS answer per host per run, through the site's resolvers. */
export const dnsAnswer = defineArtifact<string, DnsAnswer>({
  id: 'dns',
  key: (host) => host.toLowerCase(),
  compute: ({ site, signal }, host) => {
    const dns = site.network.dns;
    return resolveHost(host, {
      ...(dns?.servers?.length ? { servers: dns.servers } : {}),
      timeoutMs: dns?.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS,
      signal,
    });
  },
});

/** The PEM text of extra CA files, read once per run. */
const caPems = defineArtifact<string[], string[]>({
  id: 'tls-ca-pem',
  key: (paths) => paths.join('|'),
  compute: (_ctx, paths) => Promise.all(paths.map((p) => readFile(p, 'utf8'))),
});

/** Node's roots plus extra PEMs in one secure context, built once per run. */
const trustContext = defineArtifact<{ paths: string[]; pems: string[] }, SecureContext>({
  id: 'tls-trust',
  key: ({ paths }) => paths.join('|'),
  compute: async (_ctx, { pems }) => nodeTls().createSecureContext({ ca: [...nodeTls().rootCertificates, ...pems] }),
});

/** The run's DNS answer for a host (computed once, shared by dns, tcp, http, websocket, ...). */
export function lookupOnce(ctx: MeasureContext<unknown>, host: string): Promise<DnsAnswer> {
  return ctx.use(dnsAnswer, host);
}

export async function addressesOf(ctx: MeasureContext<unknown>, host: string): Promise<string[]> {
  return (await lookupOnce(ctx, host)).addresses.map((a) => a.address);
}

/** The CA files the site (security.trust.caFile) and the endpoint (tls.ca) add, resolved against the site file. */
function extraCaFiles(ctx: MeasureContext<unknown>, endpoint: Endpoint): string[] {
  const files = [ctx.site.security.trust?.caFile, (endpoint.extra.tls as { ca?: string } | undefined)?.ca].filter(
    (f): f is string => typeof f === 'string' && f.length > 0,
  );
  const base = dirname(resolve(ctx.site.file));
  return files.map((f) => resolve(base, f));
}

/** Which extra CAs an endpoint trusts, as a key for work shared between endpoints that trust the same. */
export function trustKey(ctx: MeasureContext<unknown>, endpoint: Endpoint): string {
  return extraCaFiles(ctx, endpoint).join(',');
}

/** The PEM text of those extra CAs, read once per run. */
export async function extraCaPems(ctx: MeasureContext<unknown>, endpoint: Endpoint): Promise<string[]> {
  const paths = extraCaFiles(ctx, endpoint);
  if (!paths.length) return [];
  return ctx.use(caPems, paths);
}

/**
 * Extra roots from the site (security.trust.caFile) and the endpoint (tls.ca), added to Node's
 * own: passing `ca` to node:tls replaces the defaults, so both are needed. Built once per run:
 * a context with ~150 roots costs tens of milliseconds, which would show up as handshake time.
 */
export async function trustFor(ctx: MeasureContext<unknown>, endpoint: Endpoint): Promise<SecureContext | undefined> {
  const paths = extraCaFiles(ctx, endpoint);
  if (!paths.length) return undefined;
  const extra = await extraCaPems(ctx, endpoint);
  return ctx.use(trustContext, { paths, pems: extra });
}

/**
 * The budget a probe gets: what is left of the task, less a margin, so that a silent peer is
 * classified by the probe's own deadline (a finding with a phase) before the runner's deadline
 * turns the task into an error. The margin grows with the budget: timers fire late on a busy host.
 */
export function probeBudgetMs(ctx: MeasureContext<unknown>): number {
  const left = ctx.remainingMs();
  return Math.max(100, left - Math.min(1000, Math.max(150, left * 0.15)));
}

/** Lower-is-better timing → score: full marks up to `good`, sliding to `floorScore` at `poor`. */
export function timingScore(valueMs: number, good: number, poor: number, floorScore = 0.6): number {
  if (valueMs <= good) return 1;
  if (valueMs >= poor) return floorScore;
  return 1 - ((1 - floorScore) * (valueMs - good)) / (poor - good);
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
