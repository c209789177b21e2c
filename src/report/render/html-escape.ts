// Safe-by-construction HTML: every interpolated value is escaped unless it is already markup built
// by this same template tag. Report data (site names, server banners, finding parameters) comes
// from untrusted places, so there is no way to splice a raw string into the page.

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

function part(value: Part): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(part).join('');
  return escapeHtml(String(value));
}

/** Template tag: `html\`<td>${text}</td>\`` escapes `text`; nested `html` fragments pass through. */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += part(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Markup written by this renderer itself (the stylesheet), never report data. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
