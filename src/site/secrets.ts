// Secrets (proxy passwords, TURN credentials, probe tokens) must come from ${ENV} references and
// must never be written anywhere. Every value read into a secret field is registered here, with
// every form it can take on the wire or in text a peer sends back: JSON-escaped (a server echoing
// a request body), URL-encoded (a redirect, a query string), HTML-escaped (an error page),
// base64 of `user:password` (a proxy reflecting Proxy-Authorization). Reports are redacted by
// walking their values, never by editing serialised text: a secret containing a quote, or equal
// to a JSON literal, must neither survive escaping nor break the document.

const SECRET_KEY =
  /^(password|passwd|passphrase|secret|token|apiKey|api_key|credential|credentials|privateKey|private_key|sharedSecret|shared_secret)$/i;

/** Keys whose sibling secret is the password of this user (base64(user:password) is registered). */
const USER_KEY = /^(username|user|userName|login|bindDn|bind_dn)$/i;

export const REDACTED = '[REDACTED]';

/**
 * Authorization schemes whose credentials are secrets whoever made them (a Kerberos ticket, an
 * NTLM exchange, a bearer token): masked by shape, since they are minted at run time.
 */
const AUTH_HEADER_VALUE = /\b(Basic|Bearer|Negotiate|NTLM)(\s+)([A-Za-z0-9+/=._~-]{8,})/g;

/** A credential, not a word of prose ("Basic authentication"): tokens carry digits, base64 symbols or many capitals. */
function looksLikeToken(value: string): boolean {
  return /[0-9+/=]/.test(value) || (value.match(/[A-Z]/g)?.length ?? 0) >= 3;
}

function maskAuthValues(text: string): string {
  return text.replace(AUTH_HEADER_VALUE, (m, scheme: string, space: string, value: string) =>
    value === REDACTED || !looksLikeToken(value) ? m : `${scheme}${space}${REDACTED}`,
  );
}

/** Characters of markup a form must not contain raw to be replaced inside HTML or XML safely. */
const UNSAFE_IN_MARKUP = /[<>"']|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i;

/** Reports are a few levels deep; anything deeper is masked whole rather than walked without end. */
const MAX_DEPTH = 64;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function isUserKey(key: string): boolean {
  return USER_KEY.test(key);
}

function base64Forms(text: string): string[] {
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  const url = b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return [b64, b64.replace(/=+$/, ''), url];
}

function htmlEscapes(text: string): string[] {
  const named = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  const hex = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#x27;');
  const apos = named.replace(/&#39;/g, '&apos;');
  return [named, hex, apos];
}

function asciiJson(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every textual form of one secret value that a report might carry. */
export function secretForms(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const uri = encodeURIComponent(value);
  const forms = [
    value,
    json,
    asciiJson(value),
    JSON.stringify(json).slice(1, -1),
    uri,
    uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    uri.replace(/%20/g, '+'),
    encodeURI(value),
    ...htmlEscapes(value),
    ...base64Forms(value),
  ];
  return forms;
}

export class Redactor {
  private readonly values = new Set<string>();
  private readonly derived = new Set<string>();
  private sorted: string[] | undefined;

  /** Registers a secret value (and every form of it). Values under 4 characters are refused by the schema. */
  add(value: string): void {
    // Very short values would redact ordinary words in the report; the schema rejects them anyway.
    if (value.length < 4 || this.values.has(value)) return;
    this.values.add(value);
    for (const f of secretForms(value)) if (f.length >= 4) this.derived.add(f);
    this.sorted = undefined;
  }

  /** A user and password sent together: HTTP Basic and SASL PLAIN carry base64 of `user:password`. */
  addCredentials(user: string, password: string): void {
    if (password.length < 4) return;
    this.add(password);
    for (const f of [...base64Forms(`${user}:${password}`), ...base64Forms(`\0${user}\0${password}`)]) this.derived.add(f);
    this.sorted = undefined;
  }

  get size(): number {
    return this.values.size;
  }

  private forms(): string[] {
    // Longest first, so a form that contains another is replaced whole.
    this.sorted ??= [...this.derived].sort((a, b) => b.length - a.length);
    return this.sorted;
  }

  /** Masks every registered form and every Authorization-style credential in plain text. */
  redact(text: string): string {
    let out = text;
    if (this.derived.size) for (const f of this.forms()) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return maskAuthValues(out);
  }

  /**
   * A copy of a JSON-like value with every string (keys included) masked. Numbers, booleans and
   * null stay what they are: only text can carry a secret, and the shape of the document is kept.
   */
  redactDeep<T>(value: T): T {
    const walk = (v: unknown, depth: number): unknown => {
      if (typeof v === 'string') return this.redact(v);
      if (v === null || typeof v !== 'object') return v;
      if (depth >= MAX_DEPTH) return REDACTED;
      if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return walk(JSON.parse(JSON.stringify(v)) as unknown, depth);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[this.redact(k)] = walk(x, depth + 1);
      return out;
    };
    return walk(value, 0) as T;
  }

  /**
   * Redacts rendered text in a way that keeps its format valid. JSON text is parsed, redacted by
   * value and serialised again only when something had to change; markup and plain text are masked
   * with the forms that cannot span the format's own syntax.
   */
  redactRendered(text: string, kind: 'json' | 'xml' | 'text', indent = 2): string {
    if (kind === 'json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return this.redact(text);
      }
      const redacted = this.redactDeep(parsed);
      return JSON.stringify(redacted) === JSON.stringify(parsed)
        ? text
        : `${JSON.stringify(redacted, null, indent)}${text.endsWith('\n') ? '\n' : ''}`;
    }
    if (kind === 'xml') {
      let out = text;
      if (this.derived.size)
        for (const f of this.forms()) if (!UNSAFE_IN_MARKUP.test(f) && out.includes(f)) out = out.split(f).join(REDACTED);
      return maskAuthValues(out);
    }
    return this.redact(text);
  }
}
