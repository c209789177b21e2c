// Numbers as reports show them: measured milliseconds and rates kept to a precision a reader can
// use, the same way everywhere.

/** `n` rounded to `digits` decimal places (2 by default: 12.3456 ms → 12.35). */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
