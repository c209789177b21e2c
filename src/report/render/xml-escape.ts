// XML 1.0 text and attribute escaping. Characters XML 1.0 cannot carry at all (most C0 controls,
// lone surrogates, U+FFFE/U+FFFF) are dropped: a report must never become an unparsable file
// because a server answered with a stray control byte.

const ILLEGAL = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripIllegalXml(text: string): string {
  return text.replace(ILLEGAL, '');
}

export function xmlText(text: string): string {
  return stripIllegalXml(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function xmlAttr(text: string | number): string {
  return xmlText(String(text))
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
