// Escaping for GitHub-flavoured Markdown: text from a report (target names, messages, YAML values)
// must not turn into emphasis, links, HTML or — inside a table — a new column.

// Only what can change meaning inside a line: emphasis, code, links (their brackets), tables,
// HTML and strikethrough. Dots, dashes and plus signs matter at the start of a line only, and no
// data is written there.
const META = /[\\`*_[\]|<>~&]/g;

/** Inline text: every Markdown metacharacter backslash-escaped, line breaks folded to spaces. */
export function mdText(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(META, (ch) => (ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '&' ? '&amp;' : `\\${ch}`));
}

/** A table cell: like mdText; an empty cell stays visibly empty. */
export function mdCell(text: string | number | undefined | null): string {
  if (text === undefined || text === null || text === '') return ' ';
  return mdText(String(text));
}

/** Inline code: a backtick run longer than any inside, pipes escaped for tables. */
export function mdCode(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((s) => s.length));
  const fence = '`'.repeat(longest + 1);
  const body = text.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|');
  return `${fence}${body.startsWith('`') || body.endsWith('`') ? ` ${body} ` : body}${fence}`;
}

export function mdTable(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}
