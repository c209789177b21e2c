// Which key-exchange groups a server accepts, by the same greedy removal as the suites.
// TLS 1.3: supported_groups lists the candidates and key_share is empty, so the server must
// answer with a HelloRetryRequest naming the group it wants — no key material needed for any
// group. TLS ≤ 1.2: only ECDHE suites are offered, and the ServerKeyExchange names the curve.

import { groupByCode, groupName, legacyGroups, tls13Groups } from './registry.js';
import type { ScanContext } from './scan-context.js';
import type { TlsVersionName } from './types.js';

const MAX_ROUNDS = 64;

export async function enumerateTls13Groups(ctx: ScanContext, suites: readonly number[]): Promise<string[]> {
  const left = tls13Groups().map((g) => g.code);
  const found: string[] = [];
  for (let round = 0; round < MAX_ROUNDS && left.length > 0 && !ctx.aborted; round++) {
    const r = await ctx.send('TLSv1.3 groups', ctx.hello('TLSv1.3', suites, { groups: left, keyShares: [] }));
    const sh = r.flight.serverHello;
    if (r.status !== 'answered' || !sh || sh.version !== 0x0304 || sh.keyShareGroup === undefined) break;
    const at = left.indexOf(sh.keyShareGroup);
    if (at < 0) {
      ctx.note('TLSv1.3 groups', 'UNOFFERED_GROUP', `the server asked for ${groupName(sh.keyShareGroup)}, which was not offered`);
      break;
    }
    left.splice(at, 1);
    found.push(groupName(sh.keyShareGroup));
  }
  return found;
}

export async function enumerateLegacyGroups(ctx: ScanContext, version: TlsVersionName, ecdheSuites: readonly number[]): Promise<string[]> {
  const left = legacyGroups()
    .filter((g) => g.kind === 'ec' || g.kind === 'ecx')
    .map((g) => g.code);
  const found: string[] = [];
  const label = `${version} ECDHE groups`;
  for (let round = 0; round < MAX_ROUNDS && left.length > 0 && !ctx.aborted; round++) {
    const r = await ctx.send(label, ctx.hello(version, ecdheSuites, { groups: left }));
    const ske = r.flight.serverKeyExchange;
    if (r.status !== 'answered' || ske?.kind !== 'ecdhe' || ske.namedCurve === undefined) break;
    const at = left.indexOf(ske.namedCurve);
    if (at < 0) {
      // RFC 8422 §5.1: a server may use a curve the client did not list only when it listed none.
      ctx.note(label, 'UNOFFERED_GROUP', `the server used ${groupName(ske.namedCurve)}, which was not offered`);
      break;
    }
    left.splice(at, 1);
    found.push(groupByCode(ske.namedCurve)?.name ?? groupName(ske.namedCurve));
  }
  return found;
}
