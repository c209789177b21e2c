// The pieces that make a site file easy to write, tested where they are pure: recognising an
// unquoted ${VAR} in a flow collection, unset secrets left for later, and what a plan leaves
// untested. The CLI side is in test/cli/site-writing.test.ts.

import { describe, expect, it } from 'vitest';
import { coverageOf, formatEndpointPlan, type PlannedTask } from '../../src/cli/coverage.js';
import { unsetSecretsWarning } from '../../src/cli/unset-secrets.js';
import { ConfigError } from '../../src/errors.js';
import { interpolate } from '../../src/site/interpolate.js';
import { parseSiteText, unquotedFlowReference } from '../../src/site/load.js';
import { Redactor } from '../../src/site/secrets.js';
import type { Site } from '../../src/site/types.js';

/** The offset of the `{` of the first `${` in text: where the YAML parser reports the mistake. */
const braceOf = (text: string) => text.indexOf('${') + 1;

describe('an unquoted ${VAR} inside { } or [ ]', () => {
  it.each([
    ['a: { password: ${TURN_PASSWORD} }\n', '${TURN_PASSWORD}', '${TURN_PASSWORD}'],
    ['a: [x, ${PORT}]\n', '${PORT}', '${PORT}'],
    ['a: [${PORT}, x]\n', '${PORT}', '${PORT}'],
    ['a: { url: https://h:${PORT}/x, b: 1 }\n', '${PORT}', 'https://h:${PORT}/x'],
    ['a: { url: https://${HOST}:${PORT:-443}/x }\n', '${HOST}', 'https://${HOST}:${PORT:-443}/x'],
    ['a: { p: pre${X} } # note\n', '${X}', 'pre${X}'],
  ])('%j: the reference and the whole value to quote', (text, reference, value) => {
    expect(unquotedFlowReference(text, braceOf(text))).toEqual({ offset: text.indexOf('${'), reference, value });
  });

  it('is not claimed where the error is something else', () => {
    expect(unquotedFlowReference('a: { b: {c }\n', 8)).toBeUndefined();
    expect(unquotedFlowReference('a: $x\n', 4)).toBeUndefined();
  });

  it('loading reports one diagnostic at the $, with the quoted value as the hint', () => {
    const text =
      'version: 1\nsite: { name: s }\nplatform:\n  endpoints:\n    - { name: t, url: "turn:t.example:3478", credentials: { username: u, password: ${TURN_PASSWORD} } }\n    - { name: a, url: "https://a.example/" }\n';
    const err = catchConfigError(() => parseSiteText(text, 'site.yaml', { env: {} }));
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({
      line: 5,
      column: text.split('\n')[4]!.indexOf('${') + 1,
      message: 'YAML syntax error: `${TURN_PASSWORD}` must be quoted inside { } or [ ]',
      hint: 'quote it: "${TURN_PASSWORD}"',
    });
  });

  it('any other syntax error: only the first, with a hint', () => {
    const text = 'version: 1\nsite: { name: [s }\nplatform:\n  endpoints: [\n';
    const err = catchConfigError(() => parseSiteText(text, 'site.yaml', { env: {} }));
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/^YAML syntax error: \S/),
      hint: expect.any(String),
    });
  });
});

describe('unset secrets', () => {
  const doc = { proxy: { password: '${PROXY_PW}' }, ep: { token: '${API_TOKEN}', again: { password: '${PROXY_PW}' } } };

  it('placeholder: left empty and named once each, in order of use', () => {
    const r = interpolate(doc, {}, new Redactor(), { missingSecrets: 'placeholder' });
    expect(r.problems).toEqual([]);
    expect(r.unsetSecrets).toEqual(['PROXY_PW', 'API_TOKEN']);
    expect((r.value as typeof doc).proxy.password).toBe('');
  });

  it('required: the hint says to set it in the environment, never to write a default', () => {
    const r = interpolate(doc, {}, new Redactor());
    expect(r.problems[0]!.hint).toBe('set it in the environment (export PROXY_PW=…); secrets are never written in the file');
    for (const p of r.problems) expect(p.hint).not.toMatch(/:-/);
  });

  it('a variable that is not a secret still fails, and may take a default', () => {
    const r = interpolate({ port: '${SOME_PORT}' }, {}, new Redactor(), { missingSecrets: 'placeholder' });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.hint).toMatch(/\$\{SOME_PORT:-value\}/);
  });

  it('the warning names them', () => {
    expect(unsetSecretsWarning([])).toBeUndefined();
    expect(unsetSecretsWarning(['A_PW'])).toBe('warning: A_PW is not set: assess will need it');
    expect(unsetSecretsWarning(['A_PW', 'B_TOKEN'])).toBe('warning: A_PW, B_TOKEN are not set: assess will need them');
  });
});

describe('coverage: the checks per endpoint and what nothing tests', () => {
  const ep = (name: string, more: Partial<Site['platform']['endpoints'][number]> = {}) =>
    ({ name, protocol: 'https', ...more }) as Site['platform']['endpoints'][number];
  const task = (check: string, endpoint?: string): PlannedTask => ({
    check: { id: check },
    target: endpoint ? { endpoint: { name: endpoint } } : {},
  });
  const site = {
    platform: {
      endpoints: [
        ep('im'),
        ep('media', { protocol: 'udp', ports: ['3479-3481'] }),
        ep('web', { transports: ['udp'] }),
        ep('relay', { protocol: 'stun', transports: ['udp'], ports: [3479] }),
        ep('lonely', { checks: ['turn'] }),
      ],
      untested: [{ platform: 'zoom', entry: 'zoom-media', what: 'udp 8801-8810' }],
    },
  } as unknown as Pick<Site, 'platform'>;
  const tasks = [
    task('dns', 'im'),
    task('tcp', 'im'),
    task('tls', 'im'),
    task('tcp', 'im'),
    task('dns', 'media'),
    task('http', 'web'),
    task('stun', 'relay'),
    task('qos'),
  ];

  it('lists each endpoint once with its checks, in plan order', () => {
    const { plan } = coverageOf(site, tasks);
    expect(plan).toEqual([
      { endpoint: 'im', checks: ['dns', 'tcp', 'tls'] },
      { endpoint: 'media', checks: ['dns'] },
      { endpoint: 'web', checks: ['http'] },
      { endpoint: 'relay', checks: ['stun'] },
      { endpoint: 'lonely', checks: [] },
    ]);
    expect(formatEndpointPlan(plan).split('\n')[0]).toBe('  im      → dns, tcp, tls');
  });

  it('warns of an endpoint nothing targets, dead ports and transports, and catalog entries', () => {
    const { untested } = coverageOf(site, tasks);
    expect(untested.map((u) => [u.kind, u.target])).toEqual([
      ['ports', 'media'],
      ['transports', 'web'],
      ['endpoint', 'lonely'],
      ['platform', 'zoom/zoom-media'],
    ]);
    expect(untested[2]!.message).toMatch(/lonely: no check tests it \(its checks: \[turn\]/);
  });
});

function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
