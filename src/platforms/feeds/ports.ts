// Port lists as feeds write them ("80,443", "3478-3481") in the catalog's form: single ports as
// numbers, ranges as "low-high" strings.

import { portRange, PortRangeError } from '../../util/port-ranges.js';

/** The list, or why it is not one. */
export function parsePortList(text: string): Array<number | string> | string {
  const out: Array<number | string> = [];
  const seen = new Set<string>();
  for (const raw of text.split(/[,;\s]+/)) {
    if (raw === '') continue;
    let lo: number;
    let hi: number;
    try {
      [lo, hi] = portRange(raw);
    } catch (err) {
      if (err instanceof PortRangeError) return err.message;
      throw err;
    }
    const item = lo === hi ? lo : `${lo}-${hi}`;
    if (seen.has(String(item))) continue;
    seen.add(String(item));
    out.push(item);
    if (out.length > 1000) return 'more than 1000 port items';
  }
  return out.length > 0 ? out : 'no ports';
}

/** Whether a port list reaches any port in [lo, hi]. */
export function portsOverlap(list: ReadonlyArray<number | string> | undefined, lo: number, hi: number): boolean {
  return (list ?? []).some((item) => {
    const [a, b] = portRange(item);
    return a <= hi && b >= lo;
  });
}
