// Fact paths: `security.auditLog.retentionDays`, `endpoints[*].results.dns.facts.addresses`,
// `results.dns["files.example.com"]`, `ep.results.tls.facts.accepted[0].version`.
// The first name is a site-file section, `results`, `endpoints`, or a variable a quantifier bound.

import { MAX_PATH_LENGTH } from './limits.js';

export type Segment = { key: string } | { index: number } | { any: true };

export interface FactPath {
  root: string;
  segments: Segment[];
  text: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*/;

export function parsePath(text: string): FactPath | { error: string } {
  if (typeof text !== 'string' || text.length === 0) return { error: 'a fact path is required' };
  if (text.length > MAX_PATH_LENGTH) return { error: `fact path is longer than ${MAX_PATH_LENGTH} characters` };
  const first = IDENT.exec(text);
  if (!first) return { error: `fact path "${text}" must start with a name` };
  const segments: Segment[] = [];
  let i = first[0].length;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      const m = IDENT.exec(text.slice(i + 1));
      if (!m) return { error: `fact path "${text}": expected a name after "." at character ${i + 2}` };
      segments.push({ key: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) return { error: `fact path "${text}": "[" without "]"` };
      const inner = text.slice(i + 1, close);
      if (inner === '*' || inner === '') segments.push({ any: true });
      else if (/^\d{1,6}$/.test(inner)) segments.push({ index: Number(inner) });
      else if (/^"[^"\\]*"$/.test(inner)) segments.push({ key: inner.slice(1, -1) });
      else return { error: `fact path "${text}": [${inner}] must be [*], [number] or ["key"]` };
      i = close + 1;
    } else {
      return { error: `fact path "${text}": unexpected "${c}" at character ${i + 1}` };
    }
  }
  return { root: first[0], segments, text };
}

export function hasWildcard(p: FactPath): boolean {
  return p.segments.some((s) => 'any' in s);
}
