// Secrets (proxy passwords, TURN credentials, probe tokens) must come from ${ENV} references and
// must never be written anywhere. Every value read into a secret field is registered here and
// every renderer passes its output through redact().

const SECRET_KEY = /^(password|passwd|passphrase|secret|token|apiKey|api_key|credential|credentials|privateKey|private_key|sharedSecret|shared_secret)$/i;

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export class Redactor {
  private readonly values = new Set<string>();

  add(value: string): void {
    // Very short values would redact ordinary words in the report; the schema rejects them anyway.
    if (value.length >= 4) this.values.add(value);
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join(REDACTED);
    return out;
  }

  /** Deep copy of a JSON-like value with every secret string replaced. */
  redactDeep<T>(value: T): T {
    if (this.values.size === 0) return value;
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}
