// Quoting what other servers said (diagnostics, issuers, key ids, URLs) in a report.

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/**
 * Text a peer sent (a diagnostic, a URL, a header), quoted in a report: control characters and
 * bidirectional overrides out (they would rewrite a terminal or reorder a line), length bounded,
 * and never starting with "@", which the report's translator reads as a message reference.
 */
export function peerText(text: string, max = 200): string {
  // A megabyte of peer text costs no more than its first few hundred characters.
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const chars = [...head.replace(UNPRINTABLE, ' ').replace(/ {2,}/g, ' ').trim()];
  const cut = chars.length > max || head.length < text.length ? `${chars.slice(0, max).join('')}…` : chars.join('');
  return cut.startsWith('@') ? `(${cut})` : cut;
}
