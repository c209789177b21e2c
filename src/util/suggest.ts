// "Did you mean …" for names a user typed: edit distance with a cut-off relative to length.

/**
 * Optimal-string-alignment distance: Levenshtein plus the swap of two neighbouring letters as one
 * edit — the commonest typo ("tpc" for "tcp") must be closer than two substitutions.
 */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let before: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j]!, (before[j - 2] ?? 0) + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[n] ?? 0;
}

/** The closest candidates, best first; none when nothing is close enough to be a likely typo. */
export function suggest(input: string, candidates: Iterable<string>, max = 3): string[] {
  const needle = input.toLowerCase();
  const scored: Array<[string, number]> = [];
  for (const c of candidates) {
    const d = editDistance(needle, c.toLowerCase());
    const limit = Math.max(2, Math.floor(Math.max(needle.length, c.length) / 3));
    // A name typed half-way ("web" for "websocket") is as good a guess as a one-letter slip.
    if (c.toLowerCase().startsWith(needle) || needle.startsWith(c.toLowerCase())) scored.push([c, Math.min(d, 1)]);
    else if (d <= limit) scored.push([c, d]);
  }
  // Only the closest: a one-letter slip should not also suggest every name two edits away.
  const best = Math.min(...scored.map(([, d]) => d));
  return scored
    .filter(([, d]) => d === best)
    .sort((a, b) => a[1] - b[1])
    .slice(0, max)
    .map(([c]) => c);
}

export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const found = suggest(input, candidates);
  return found.length ? `did you mean ${found.map((s) => `"${s}"`).join(' or ')}?` : undefined;
}
