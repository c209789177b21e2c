// Profiles are data from files users name: broken and hostile ones are configuration errors with
// file:line:column and a hint, found before anything is measured.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseProfileText } from '../../src/compliance/load-profile.js';
import { compilePattern, regexProblem } from '../../src/compliance/safe-regex.js';

const HEAD = 'id: t\ntitle: { en: T }\nversion: "1"\nsources: [{ id: s, title: S }]\nrules:\n';
const rule = (assert: string, extra = '') =>
  `${HEAD}  - id: r\n    title: { en: R }\n    severity: high\n    references: [{ standard: s, clause: "1", verified: true }]\n${extra}    assert: ${assert}\n    remediation: { en: fix }\n`;

function problems(text: string): ConfigError {
  try {
    parseProfileText(text, 'bad.yaml', 'file');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('broken profiles', () => {
  it('a YAML syntax error has file, line and column', () => {
    const e = problems(`${HEAD}  - id: r\n    title: { en: R\n`);
    expect(e.diagnostics[0]).toMatchObject({ file: 'bad.yaml', line: expect.any(Number), column: expect.any(Number) });
    expect(e.diagnostics[0]!.message).toMatch(/YAML syntax error/);
  });

  it('schema violations point at the field, with a hint', () => {
    const e = problems(rule('{ fact: security.sso.enabled, eq: true }').replace('severity: high', 'severity: severe'));
    expect(e.diagnostics[0]).toMatchObject({ file: 'bad.yaml', line: 8, path: '/rules/0/severity' });
    expect(e.diagnostics[0]!.message).toMatch(/"severe" is not one of/);
  });

  it('a missing required field is named', () => {
    const e = problems(rule('{ fact: security.sso.enabled, eq: true }').replace('    remediation: { en: fix }\n', ''));
    expect(e.diagnostics.map((d) => d.message).join()).toMatch(/missing required field "remediation"/);
  });

  it('duplicate rule ids are refused', () => {
    const one = rule('{ fact: security.sso.enabled, eq: true }');
    const text = one + one.slice(one.indexOf('  - id: r'));
    expect(
      problems(text)
        .diagnostics.map((d) => d.message)
        .join(),
    ).toMatch(/rule id "r" is used twice/);
  });
});

describe('hostile profiles', () => {
  it('an unknown operator is refused with a suggestion', () => {
    const e = problems(rule('{ fact: security.sso.enabled, equals: true }'));
    expect(e.diagnostics[0]!.message).toMatch(/unknown field "equals"/);
    expect(e.diagnostics[0]!.line).toBe(10);
    expect(e.diagnostics[0]!.hint).toMatch(/"eq"/);
    const e2 = problems(rule('{ eval: "process.exit(1)" }'));
    expect(e2.diagnostics[0]!.message).toMatch(/unknown operator "eval"/);
  });

  it('an unknown fact path prefix is refused', () => {
    const e = problems(rule('{ fact: process.env.HOME, eq: x }'));
    expect(e.diagnostics[0]!.message).toMatch(/unknown fact path prefix "process"/);
    expect(e.diagnostics[0]!.hint).toMatch(/site section/);
    const e2 = problems(rule('{ fact: securty.sso.enabled, eq: true }'));
    expect(e2.diagnostics[0]!.hint).toMatch(/did you mean "security"/);
  });

  it('a variable is only in scope inside its quantifier', () => {
    const e = problems(
      rule('{ and: [{ all: { each: endpoints, as: ep, satisfy: { fact: ep.role, eq: api } } }, { fact: ep.role, eq: api }] }'),
    );
    expect(e.diagnostics.map((d) => d.message).join()).toMatch(/unknown fact path prefix "ep"/);
  });

  it('nesting beyond the limit is refused before it recurses', () => {
    let cond = '{ fact: security.sso.enabled, eq: true }';
    for (let i = 0; i < 20; i++) cond = `{ not: ${cond} }`;
    expect(problems(rule(cond)).diagnostics[0]!.message).toMatch(/nested deeper than 12 levels/);
    let deep = '1';
    for (let i = 0; i < 60; i++) deep = `[${deep}]`;
    expect(problems(`${HEAD}  - ${deep}\n`).diagnostics[0]!.message).toMatch(/nesting deeper than 40 levels/);
  });

  it('huge, back-referencing, lookaround and invalid patterns are refused', () => {
    expect(problems(rule(`{ fact: security.sso.provider, matches: "${'a'.repeat(300)}" }`)).diagnostics[0]!.message).toMatch(
      /at most 200 are allowed/,
    );
    expect(problems(rule('{ fact: security.sso.provider, matches: "(x)\\\\1" }')).diagnostics[0]!.message).toMatch(/back-references/);
    expect(problems(rule('{ fact: security.sso.provider, matches: "a(?=b)" }')).diagnostics[0]!.message).toMatch(/lookaround/);
    expect(problems(rule('{ fact: security.sso.provider, matches: "[" }')).diagnostics[0]!.message).toMatch(/invalid regular expression/);
  });

  it('YAML tags that could construct objects are refused', () => {
    const e = problems(rule('!!js/function "function () { return 1 }"'));
    expect(e.diagnostics[0]!.message).toMatch(/YAML tag .* is not allowed/);
    const e2 = problems(rule('{ fact: security.sso.enabled, eq: !custom true }'));
    expect(e2.diagnostics[0]!.message).toMatch(/not allowed/);
  });

  it('alias bombs stop at the alias limit', () => {
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    expect(() => parseProfileText(bomb, 'bomb.yaml', 'file')).toThrow(ConfigError);
  });
});

describe('patterns', () => {
  it.each([
    ['^TLSv1\\.[23]$'],
    ['^(ECDHE|DHE)-'],
    ['^[A-Z]{2}$'],
    ['foo.*bar'],
    ['^(?:ab)$'],
    ['(a*)*'],
    ['(a+)+$'],
    ['((ab)*)+'],
    ['(a|b)+c'],
    ['^\\p{Han}+$'],
  ])('accepts %s', (p) => expect(regexProblem(p)).toBeUndefined());
  it.each([['(?<=x)y'], ['(?=x)'], ['(x)\\1'], ['(?<n>x)\\k<n>'], ['[z-a]']])('refuses %s', (p) => expect(regexProblem(p)).toBeDefined());
  it('patterns that backtrack exponentially in JavaScript match in linear time', () => {
    const text = `${'a'.repeat(30_000)}!`;
    const t0 = performance.now();
    expect(compilePattern('^(a+)+$')(text)).toBe(false);
    expect(compilePattern('(a|aa)*b')(text)).toBe(false);
    expect(compilePattern('.*a.*b.*c.*d.*e$')('abcd'.repeat(16_000))).toBe(false);
    expect(compilePattern('^(a+)+!$')(text)).toBe(true);
    // Generous bound: JavaScript's engine needs longer than the age of the universe for the first one.
    expect(performance.now() - t0).toBeLessThan(5000);
  });
  it('unicode text matches as JavaScript with the u flag would', () => {
    expect(compilePattern('^中国人民银行')('中国人民银行深圳市中心支行')).toBe(true);
    expect(compilePattern('^.$')('😀')).toBe(true);
  });
});
