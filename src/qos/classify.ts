// What happened to one class's marks in one direction, from how many packets arrived with which
// DSCP. Pure: the counts come from the reflector (forward) and the client (return).

export type MarkOutcome = 'preserved' | 'bleached' | 'remarked' | 'mixed' | 'unknown' | 'unsupported';

export interface DirectionVerdict {
  outcome: MarkOutcome;
  /** Distinct DSCP values seen, most frequent first. */
  dscpSeen: number[];
  /** Packets whose mark was read. */
  packets: number;
  /** Packets per DSCP value seen. */
  counts: Record<string, number>;
  /** Packets that arrived with another mark than the one sent. */
  changed: number;
}

export function unsupportedDirection(): DirectionVerdict {
  return { outcome: 'unsupported', dscpSeen: [], packets: 0, counts: {}, changed: 0 };
}

/**
 * preserved: every packet kept its mark. bleached: every packet arrived as 0 (from a nonzero mark).
 * remarked: every packet arrived with the same other mark. mixed: not all alike — some packets
 * were changed (a policer re-marking what exceeds its rate, paths with different policies).
 * unknown: no packet arrived, so nothing can be said.
 */
export function classifyDirection(sentDscp: number, counts: ReadonlyMap<number, number>): DirectionVerdict {
  const seen = [...counts.entries()].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const packets = seen.reduce((a, [, n]) => a + n, 0);
  const changed = packets - (counts.get(sentDscp) ?? 0);
  const verdict = (outcome: MarkOutcome): DirectionVerdict => ({
    outcome,
    dscpSeen: seen.map(([d]) => d),
    packets,
    counts: Object.fromEntries(seen.map(([d, n]) => [String(d), n])),
    changed,
  });
  if (packets === 0) return verdict('unknown');
  if (seen.length > 1) return verdict('mixed');
  const only = seen[0]![0];
  if (only === sentDscp) return verdict('preserved');
  return verdict(only === 0 ? 'bleached' : 'remarked');
}
