// Which results stand for others: a check that shares per-server work (one TLS audit, one chain
// fetch) gives each result the server as `facts.auditKey`, and the results that reused another's
// work name it in `facts.sameServerAs`. The result that did the work lists the targets it covers,
// so a report shows the audit once, with the endpoints it speaks for.

interface Shared {
  check: string;
  target: string;
  facts: Record<string, unknown>;
}

const sharedKey = (r: Shared): string | undefined =>
  typeof r.facts.auditKey === 'string' ? `${r.check}\u0000${r.facts.auditKey}` : undefined;

/** Per result index: the targets whose results reuse its work (absent: none). */
export function coveredTargets(results: readonly Shared[]): Map<number, string[]> {
  const users = new Map<string, string[]>();
  for (const r of results) {
    const key = sharedKey(r);
    if (key && typeof r.facts.sameServerAs === 'string') users.set(key, [...(users.get(key) ?? []), r.target]);
  }
  const out = new Map<number, string[]>();
  results.forEach((r, i) => {
    const key = sharedKey(r);
    const covered = key && r.facts.sameServerAs === undefined ? users.get(key) : undefined;
    if (covered?.length) out.set(i, covered);
  });
  return out;
}
