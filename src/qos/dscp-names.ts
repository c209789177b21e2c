// DSCP code points by name (RFC 2474 class selectors, RFC 2597 assured forwarding, RFC 3246
// expedited forwarding, RFC 5865 voice-admit, RFC 8622 lower effort), both ways.

const NAMED: Record<string, number> = {
  ef: 46,
  va: 44,
  le: 1,
  ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`cs${i}`, i * 8])),
  ...Object.fromEntries([1, 2, 3, 4].flatMap((c) => [1, 2, 3].map((d) => [`af${c}${d}`, c * 8 + d * 2]))),
};

const BY_VALUE = new Map<number, string>(Object.entries(NAMED).map(([name, value]) => [value, name]));

/** `ef`, `AF41`, `cs0`, or a number 0–63; undefined when it is neither. */
export function dscpFromName(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= 63 ? n : undefined;
  }
  return NAMED[t];
}

/** `EF`, `AF41`, `CS0` for the standard code points, else the number (`DSCP 13`). */
export function dscpName(value: number): string {
  const name = BY_VALUE.get(value);
  return name ? name.toUpperCase() : `DSCP ${value}`;
}

/** `EF (46)`: name and number, for messages. */
export function dscpLabel(value: number): string {
  const name = BY_VALUE.get(value);
  return name ? `${name.toUpperCase()} (${value})` : String(value);
}

export const DSCP_NAMES: readonly string[] = Object.keys(NAMED);
