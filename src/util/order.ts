// Orderings for report lists that must read the same on every machine.

/**
 * Orders strings by UTF-16 code unit, as `<` does. Report order must not depend on the machine's
 * locale (`localeCompare` without one uses it), and the first `localeCompare` builds an ICU collator
 * that costs a short command ~7 ms of its start.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
