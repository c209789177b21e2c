// Structural redaction: every form a secret takes (raw, JSON-escaped, URL-encoded, HTML-escaped,
// base64 of user:password, Authorization header values) is masked wherever it sits in a value,
// and masking never changes the shape of the document — with secrets chosen to break text-based
// redaction: quotes, backslashes, JSON literals, numbers, markup and non-ASCII.

import { describe, expect, it } from 'vitest';
import { render, FORMATS } from '../../src/report/render/index.js';
import type { Report } from '../../src/report/model.js';
import { REDACTED, Redactor, secretForms } from '../../src/site/secrets.js';
import { fixtureCatalogs, fixtureReport } from '../report/report-fixture.js';

const USER = 'svc-proxy';
const HOSTILE_SECRETS = [
  'pa"ss\\wörd',
  'true',
  'null',
  '12345678',
  '{"a":1}',
  'a","b',
  '密码口令Secret!',
  'p@ss w0rd/+=&?',
  '</script><b>x',
  "it's-'quoted'",
  'tab\there\nline',
];

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Every way a peer or our own code might have written the secret into a result. */
function leakyValue(secret: string) {
  const pair = b64(`${USER}:${secret}`);
  return {
    message: `bind failed for ${secret}`,
    echoedJson: JSON.stringify({ password: secret }),
    doubleEscaped: JSON.stringify(JSON.stringify({ password: secret })),
    location: `https://sso.example/cb?pw=${encodeURIComponent(secret)}&next=/`,
    form: `user=${USER}&password=${encodeURIComponent(secret).replace(/%20/g, '+')}`,
    htmlBody: `<p>Bad password: ${secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</p>`,
    proxy407: {
      server: `squid (${pair})`,
      reason: `Proxy Authentication Required: Basic ${pair}`,
      body: `Proxy-Authorization: Basic ${pair}\r\n`,
    },
    negotiate: 'WWW-Authenticate: Negotiate YIIBhwYJKoZIhvcSAQICAQBugIIBdjCCAXKgAwIBBaEDAgEO',
    bearer: 'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
    [`key:${secret}`]: 'secrets can be keys too',
    nested: [[{ deeper: [secret] }]],
    // Values that merely equal a JSON literal or a number are not the secret: they stay typed.
    flag: true,
    nothing: null,
    count: 12345678,
  };
}

/** Every string (keys included) in a JSON-like value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  return out;
}

/** A secret spelled like a JSON literal or number: the typed value true/null/12345678 is not it. */
const LITERAL = /^(true|false|null|-?\d+(\.\d+)?)$/;

function survivors(value: unknown, secret: string): string[] {
  const all = strings(value);
  return forms(secret).filter((f) => all.some((s) => s.includes(f)));
}

function forms(secret: string): string[] {
  const pair = b64(`${USER}:${secret}`);
  return [...secretForms(secret).filter((f) => f.length >= 4), pair, pair.replace(/=+$/, '')];
}

describe('Redactor.redactDeep', () => {
  it.each(HOSTILE_SECRETS)('masks every form of %j and keeps the document whole', (secret) => {
    const redactor = new Redactor();
    redactor.addCredentials(USER, secret);
    const out = redactor.redactDeep(leakyValue(secret));
    const text = JSON.stringify(out);
    expect(survivors(out, secret)).toEqual([]);
    expect(text).not.toContain('YIIBhwYJKoZIhvcSAQICAQBugIIBdjCCAXKgAwIBBaEDAgEO');
    expect(text).not.toContain('eyJhbGciOiJSUzI1NiJ9');
    // Shape and types are kept: only text changed.
    expect(out.flag).toBe(true);
    expect(out.nothing).toBeNull();
    expect(out.count).toBe(12345678);
    expect(Object.keys(out)).toHaveLength(Object.keys(leakyValue(secret)).length);
    expect(out.message).toBe(`bind failed for ${REDACTED}`);
    expect(out.proxy407.reason).toBe(`Proxy Authentication Required: Basic ${REDACTED}`);
  });

  it('leaves prose about authentication schemes alone', () => {
    const redactor = new Redactor();
    redactor.add('unrelated-secret');
    const prose = 'The proxy wants Basic authentication; Negotiate credentials need a ticket. Bearer tokens too.';
    expect(redactor.redact(prose)).toBe(prose);
  });

  it('values under four characters are not registered (they would mangle every report)', () => {
    const redactor = new Redactor();
    redactor.add('abc');
    expect(redactor.size).toBe(0);
    expect(redactor.redact('abcdef')).toBe('abcdef');
  });
});

function reportWithLeaks(secret: string): Report {
  const report = fixtureReport();
  const first = report.results.find((r) => r.findings.length)!;
  first.facts = { ...first.facts, leak: leakyValue(secret) };
  first.findings[0]!.message = { id: 'test.echo', params: { said: `server said: ${secret}` } };
  first.findings[0]!.evidence = leakyValue(secret) as unknown as Record<string, unknown>;
  return report;
}

describe('every format is masked and stays valid', () => {
  it.each(HOSTILE_SECRETS)('%j', async (secret) => {
    const redactor = new Redactor();
    redactor.addCredentials(USER, secret);
    const report = redactor.redactDeep(reportWithLeaks(secret));
    const catalogs = await fixtureCatalogs(report);
    for (const format of FORMATS) {
      // The report is redacted by value first, as buildReport does; render() masks the text again.
      const text = await render(report, format, { lang: 'en', color: false, verbose: true, catalogs, redactor });
      if (format === 'json' || format === 'sarif') expect(survivors(JSON.parse(text), secret), format).toEqual([]);
      else if (LITERAL.test(secret)) expect(text, format).not.toContain(`server said: ${secret}`);
      else for (const f of forms(secret)) expect(text.includes(f), `${format}: form ${JSON.stringify(f)} survived`).toBe(false);
    }
  });

  it('a secret in a report that was not redacted by value is still masked in the text without breaking JSON', async () => {
    const secret = 'pa"ss\\wörd';
    const redactor = new Redactor();
    redactor.addCredentials(USER, secret);
    const text = await await render(reportWithLeaks(secret), 'json', { lang: 'en', color: false, redactor });
    for (const f of forms(secret)) expect(text.includes(f)).toBe(false);
    expect(JSON.parse(text)).toBeTypeOf('object');
  });
});
