// Which key-exchange groups a server accepts, by the same search as the suites (greedy removal,
// or parallel splitting across a WAN). TLS 1.3: supported_groups lists the candidates and
// key_share is empty, so the server must answer with a HelloRetryRequest naming the group it
// wants — no key material needed for any group. TLS ≤ 1.2: only ECDHE suites are offered, and
// the ServerKeyExchange names the curve.

import { splitSearch, type SearchMode } from './enumerate-suites.js';
import { groupByCode, groupName, legacyGroups, tls13Groups } from './registry.js';
import type { ScanContext } from './scan-context.js';
import type { TlsVersionName } from './types.js';

const MAX_ROUNDS = 64;

/** The server's choice among `left`, undefined when it chose none (or one it was not offered, noted). */
type Ask = (left: number[]) => Promise<number | undefined>;

async function search(candidates: number[], ask: Ask, mode: SearchMode): Promise<number[]> {
  if (mode === 'split') {
    // Found in parallel, reported in the order the greedy chain would have found them.
    const found = await splitSearch(candidates, async (set) => {
      const code = await ask(set);
      return code === undefined ? undefined : { code, value: undefined };
    });
    const rank = new Map(candidates.map((c, i) => [c, i]));
    return found.map((f) => f.code).sort((a, b) => rank.get(a)! - rank.get(b)!);
  }
  const left = [...candidates];
  const found: number[] = [];
  for (let round = 0; round < MAX_ROUNDS && left.length > 0; round++) {
    const code = await ask(left);
    if (code === undefined) break;
    left.splice(left.indexOf(code), 1);
    found.push(code);
  }
  return found;
}

export async function enumerateTls13Groups(ctx: ScanContext, suites: readonly number[], mode: SearchMode = 'greedy'): Promise<string[]> {
  const found = await search(
    tls13Groups().map((g) => g.code),
    async (left) => {
      if (ctx.aborted) return undefined;
      const r = await ctx.send('TLSv1.3 groups', ctx.hello('TLSv1.3', suites, { groups: left, keyShares: [] }));
      const sh = r.flight.serverHello;
      if (r.status !== 'answered' || !sh || sh.version !== 0x0304 || sh.keyShareGroup === undefined) return undefined;
      if (!left.includes(sh.keyShareGroup)) {
        ctx.note('TLSv1.3 groups', 'UNOFFERED_GROUP', `the server asked for ${groupName(sh.keyShareGroup)}, which was not offered`);
        return undefined;
      }
      return sh.keyShareGroup;
    },
    mode,
  );
  return found.map((c) => groupName(c));
}

export async function enumerateLegacyGroups(
  ctx: ScanContext,
  version: TlsVersionName,
  ecdheSuites: readonly number[],
  mode: SearchMode = 'greedy',
): Promise<string[]> {
  const label = `${version} ECDHE groups`;
  const found = await search(
    legacyGroups()
      .filter((g) => g.kind === 'ec' || g.kind === 'ecx')
      .map((g) => g.code),
    async (left) => {
      if (ctx.aborted) return undefined;
      const r = await ctx.send(label, ctx.hello(version, ecdheSuites, { groups: left }));
      const ske = r.flight.serverKeyExchange;
      if (r.status !== 'answered' || ske?.kind !== 'ecdhe' || ske.namedCurve === undefined) return undefined;
      if (!left.includes(ske.namedCurve)) {
        // RFC 8422 §5.1: a server may use a curve the client did not list only when it listed none.
        ctx.note(label, 'UNOFFERED_GROUP', `the server used ${groupName(ske.namedCurve)}, which was not offered`);
        return undefined;
      }
      return ske.namedCurve;
    },
    mode,
  );
  return found.map((c) => groupByCode(c)?.name ?? groupName(c));
}
