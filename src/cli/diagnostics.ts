// How configuration errors look: compiler style, with the source line and a caret, then a hint.

import type { ConfigError, Diagnostic } from '../errors.js';

export function formatConfigError(err: ConfigError, color: (s: string) => string = (s) => s): string {
  const lines: string[] = [];
  const diags = err.diagnostics.length ? err.diagnostics : [{ message: err.message } as Diagnostic];
  if (err.diagnostics.length > 1 || (err.diagnostics[0] && err.diagnostics[0].message !== err.message)) {
    lines.push(`${color('error:')} ${err.message}`);
  }
  for (const d of diags) {
    const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}: ` : '';
    const path = d.path && d.path !== '/' ? `${d.path}: ` : '';
    lines.push(`${where}${color('error:')} ${path}${d.message}`);
    if (d.source !== undefined && d.line) {
      const gutter = String(d.line);
      lines.push(`  ${gutter} | ${d.source}`);
      lines.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, (d.column ?? 1) - 1))}^`);
    }
    if (d.hint) lines.push(`  hint: ${d.hint}`);
  }
  return `${lines.join('\n')}\n`;
}

export function diagnosticsJson(err: ConfigError): unknown {
  return {
    valid: false,
    error: err.message,
    diagnostics: err.diagnostics.map(({ source: _s, ...d }) => d),
  };
}
