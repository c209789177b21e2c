// "Did you mean …" for names a user typed: edit distance with a cut-off relative to length.

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
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
    if (d <= limit || c.toLowerCase().startsWith(needle) || needle.startsWith(c.toLowerCase())) scored.push([c, d]);
  }
  return scored.sort((a, b) => a[1] - b[1]).slice(0, max).map(([c]) => c);
}

export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const found = suggest(input, candidates);
  return found.length ? `did you mean ${found.map((s) => `"${s}"`).join(' or ')}?` : undefined;
}
