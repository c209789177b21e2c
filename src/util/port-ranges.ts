// Port lists of the site file (`ports: [443, "3478-3481"]` on a sweep or an endpoint): one reading
// for every check that sweeps them and for the site's validation, so that a list the site file
// accepts is a list the checks can use, and a bad item is named where it was written rather than
// dropped, reordered or refused only when a check runs.

/** A port list item that is neither a port nor a "low-high" range within 1-65535. */
export class PortRangeError extends Error {
  constructor(
    readonly item: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'PortRangeError';
  }
}

const RANGE = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/;

/** The ports one item stands for, [low, high]; a PortRangeError when it stands for none. */
export function portRange(item: unknown): [number, number] {
  if (typeof item === 'number') {
    if (!Number.isInteger(item) || item < 1 || item > 65535) throw new PortRangeError(item, `port ${item} is not an integer in 1-65535`);
    return [item, item];
  }
  const m = typeof item === 'string' ? RANGE.exec(item) : null;
  if (!m) throw new PortRangeError(item, `${JSON.stringify(item)} is not a port or a "low-high" port range`);
  const lo = Number(m[1]);
  const hi = Number(m[2] ?? m[1]);
  if (lo < 1 || hi < 1 || lo > 65535 || hi > 65535)
    throw new PortRangeError(item, `port range "${String(item).trim()}" is not within 1-65535`);
  // Silently swapping would hide a typo (was "9-3" meant as "3-9", or "9-30"?): the writer decides.
  if (lo > hi) throw new PortRangeError(item, `port range "${String(item).trim()}" runs backwards: write it low-high ("${hi}-${lo}")`);
  return [lo, hi];
}

/** Why an item of a port list is unusable, for the site's validation; undefined when it is fine. */
export function portItemProblem(item: unknown): string | undefined {
  try {
    portRange(item);
    return undefined;
  } catch (err) {
    if (err instanceof PortRangeError) return err.message;
    throw err;
  }
}

/**
 * [443, "3478-3481", 443] → [443, 3478, 3479, 3480, 3481]: ranges expanded, duplicates dropped,
 * the order given kept. Throws a PortRangeError on the first unusable item.
 */
export function expandPorts(spec: ReadonlyArray<unknown>): number[] {
  const seen = new Uint8Array(65536);
  const out: number[] = [];
  for (const item of spec) {
    const [lo, hi] = portRange(item);
    for (let p = lo; p <= hi; p++) {
      if (seen[p]) continue;
      seen[p] = 1;
      out.push(p);
    }
  }
  return out;
}

/** [3478, 3479, 3480, 5000] → "3478-3480, 5000": a port list as a person reads it (sorted). */
export function formatPorts(ports: ReadonlyArray<number>): string {
  const sorted = [...ports].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j++;
    parts.push(sorted[i] === sorted[j] ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}
