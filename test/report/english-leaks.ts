// Finds English catalog text in output meant to be Chinese. Each English catalog value is cut at
// its {placeholders}; a piece counts when it is real prose (two words or more, ten characters or more), so ids, units and
// brand names ("STUN", "TLS 1.3") that stay the same in every language are not flagged.

import type { Catalog } from '../../src/plugin-api.js';

export function englishPieces(values: Iterable<string>): string[] {
  const pieces = new Set<string>();
  for (const value of values) {
    for (const raw of value.split(/\{\w+\}/)) {
      const piece = raw.trim().replace(/^[\s:;,.()–—-]+|[\s:;,.()–—-]+$/g, '');
      const words = piece.match(/[A-Za-z]{2,}/g) ?? [];
      if (words.length >= 2 && piece.length >= 10 && /[a-z]{3,}/.test(piece)) pieces.add(piece);
    }
  }
  return [...pieces];
}

export function catalogValues(catalog: Catalog, prefixes?: string[]): string[] {
  return Object.entries(catalog)
    .filter(([k]) => !prefixes || prefixes.some((p) => k.startsWith(p)))
    .map(([, v]) => v);
}

export function leaks(output: string, pieces: string[]): string[] {
  return pieces.filter((p) => output.includes(p));
}
