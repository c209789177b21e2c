// The site loader on real files: positions of every problem, all problems at once, hints,
// ${ENV} interpolation, secrets, endpoint normalisation and YAML-level mistakes.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, type Diagnostic } from '../../src/errors.js';
import { loadSiteFile, parseSiteText, type LoadedSite } from '../../src/site/load.js';
import { REDACTED } from '../../src/site/secrets.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siteready-load-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeSite(text: string | Buffer, name = 'site.yaml'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function load(text: string | Buffer, env: NodeJS.ProcessEnv = {}): Promise<LoadedSite> {
  return loadSiteFile(await writeSite(text), { env, displayName: 'site.yaml' });
}

async function loadError(text: string | Buffer, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const path = await writeSite(text);
  try {
    await loadSiteFile(path, { env, displayName: 'site.yaml' });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected the site to be rejected with a ConfigError');
}

function byPath(err: ConfigError, path: string): Diagnostic {
  const found = err.diagnostics.find((d) => d.path === path);
  if (!found) throw new Error(`no diagnostic at ${path}; got ${JSON.stringify(err.diagnostics.map((d) => [d.path, d.message]))}`);
  return found;
}

/** 1-based line and column of the first occurrence of `needle` on the 1-based line `line`. */
function at(text: string, line: number, needle: string): { line: number; column: number } {
  const src = text.split('\n')[line - 1] ?? '';
  const idx = src.indexOf(needle);
  if (idx < 0) throw new Error(`"${needle}" is not on line ${line}: ${src}`);
  return { line, column: idx + 1 };
}

const minimal = (endpoints: string, extra = '') => `version: 1
site:
  name: Test site
platform:
  endpoints:
${endpoints}${extra}`;

describe('positions', () => {
  it('a schema error deep in the file reports its line, column and JSON pointer', async () => {
    const text = `# a comment first
version: 1
site:
  name: Deep
network:
  links:
    - name: wan
      kind: internet
platform:
  endpoints:
    - name: api
      url: https://api.example.com/
    - name: chat
      url: wss://chat.example.com/ws
      expectStatus: [200, 204, 700]
      tls:
        spkiPins: not-a-list
`;
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(2);

    const status = byPath(err, '/platform/endpoints/1/expectStatus/2');
    expect(status).toMatchObject({ file: 'site.yaml', ...at(text, 15, '700') });
    expect(status.message).toMatch(/599/);
    expect(status.source).toBe('      expectStatus: [200, 204, 700]');

    const pins = byPath(err, '/platform/endpoints/1/tls/spkiPins');
    expect(pins).toMatchObject({ file: 'site.yaml', ...at(text, 17, 'not-a-list') });
    expect(pins.message).toMatch(/expected array/);
  });

  it('an unknown field is reported at its key', async () => {
    const text = minimal('    - name: a\n      host: example.com\n      port: 443\n      colour: blue\n');
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({ path: '/platform/endpoints/0/colour', ...at(text, 9, 'colour') });
  });

  it('a missing required field is reported at the mapping that lacks it', async () => {
    const text = minimal('    - host: example.com\n      port: 443\n');
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({ path: '/platform/endpoints/0', ...at(text, 6, 'host') });
    expect(err.diagnostics[0]!.message).toMatch(/missing required field "name"/);
  });

  it('the default display name is the path relative to the working directory', async () => {
    const path = await writeSite('version: 2\n');
    const err = await loadSiteFile(path, { env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    const expected = relative(process.cwd(), path);
    expect((err as ConfigError).diagnostics.every((d) => d.file === expected)).toBe(true);
  });
});

describe('every schema problem is listed at once', () => {
  it('three different mistakes give three diagnostics, each with its own position', async () => {
    const text = `version: 1
site:
  name: Three mistakes
  users: -5
network:
  links:
    - name: wan
      kind: fibre
platform:
  endpoints:
    - name: a
      host: example.com
      port: 443
gate:
  minGrade: G
`;
    const err = await loadError(text);
    expect(err.diagnostics.map((d) => d.path).sort()).toEqual(['/gate/minGrade', '/network/links/0/kind', '/site/users']);
    expect(byPath(err, '/site/users')).toMatchObject(at(text, 4, '-5'));
    expect(byPath(err, '/network/links/0/kind')).toMatchObject(at(text, 8, 'fibre'));
    expect(byPath(err, '/gate/minGrade')).toMatchObject({ line: 15, column: 13 });
    expect(err.message).toMatch(/3 problem/);
  });
});

describe('hints', () => {
  it('an unknown field gets "did you mean" (endpionts)', async () => {
    const text = `version: 1
site:
  name: Typo
platform:
  endpionts:
    - name: a
      host: example.com
`;
    const err = await loadError(text);
    const typo = byPath(err, '/platform/endpionts');
    expect(typo).toMatchObject(at(text, 5, 'endpionts'));
    expect(typo.message).toMatch(/unknown field "endpionts"/);
    expect(typo.hint).toMatch(/did you mean "endpoints"/);
  });

  it('an unknown field gets "did you mean" (protocl)', async () => {
    const text = minimal('    - name: a\n      host: example.com\n      port: 5060\n      protocl: tcp\n');
    const err = await loadError(text);
    const typo = byPath(err, '/platform/endpoints/0/protocl');
    expect(typo).toMatchObject(at(text, 9, 'protocl'));
    expect(typo.hint).toMatch(/did you mean "protocol"/);
  });

  it('an enum typo gets a hint (via: proxi)', async () => {
    const text = minimal('    - name: a\n      url: https://example.com/\n      via: proxi\n');
    const err = await loadError(text);
    const typo = byPath(err, '/platform/endpoints/0/via');
    expect(typo).toMatchObject(at(text, 8, 'proxi'));
    expect(typo.message).toMatch(/"proxi" is not one of: direct, proxy, auto/);
    expect(typo.hint).toMatch(/did you mean "proxy"/);
  });

  it('a quoted number where an integer is expected says to remove the quotes', async () => {
    const text = minimal('    - name: a\n      host: example.com\n      port: "443"\n');
    const err = await loadError(text);
    expect(byPath(err, '/platform/endpoints/0/port').hint).toMatch(/remove the quotes/);
  });
});

describe('${ENV} interpolation', () => {
  it('a value that is exactly one reference takes its YAML type: port: ${P} is a number', async () => {
    const text = minimal('    - name: a\n      host: example.com\n      port: ${P}\n');
    const { site } = await load(text, { P: '8443' });
    expect(site.platform.endpoints[0]!.port).toBe(8443);
    expect(typeof site.platform.endpoints[0]!.port).toBe('number');
  });

  it('a reference inside a longer string stays a string', async () => {
    const text = minimal('    - name: a\n      url: https://chat.example.com:${P}/ws-${P}\n');
    const { site } = await load(text, { P: '8443' });
    expect(site.platform.endpoints[0]).toMatchObject({ port: 8443, url: 'https://chat.example.com:8443/ws-8443', protocol: 'https' });
  });

  it('${VAR:-default} uses the default when the variable is unset or empty, the value when set', async () => {
    const text = minimal(
      '    - name: a\n      host: ${HOST:-fallback.example.com}\n      port: ${P:-443}\n',
      'compliance:\n  profiles: ["${PROFILE:-baseline}"]\n',
    );
    const unset = await load(text, { PROFILE: '' });
    expect(unset.site.platform.endpoints[0]).toMatchObject({ host: 'fallback.example.com', port: 443 });
    expect(unset.site.compliance.profiles).toEqual(['baseline']);

    const set = await load(text, { HOST: 'real.example.com', P: '8443', PROFILE: 'finance' });
    expect(set.site.platform.endpoints[0]).toMatchObject({ host: 'real.example.com', port: 8443 });
    expect(set.site.compliance.profiles).toEqual(['finance']);
  });

  it('$$ is a literal dollar, also in front of a brace', async () => {
    const text = `version: 1
site:
  name: "Costs $$5"
  organisation: "literal $\${NOT_A_VAR} here"
platform:
  endpoints:
    - name: a
      host: example.com
      port: 443
`;
    const { site } = await load(text, {});
    expect(site.site.name).toBe('Costs $5');
    expect(site.site.organisation).toBe('literal ${NOT_A_VAR} here');
  });

  it('a missing variable is an error naming the variable, at its line; all of them at once', async () => {
    const text = `version: 1
site:
  name: \${SITE_NAME}
platform:
  endpoints:
    - name: a
      host: \${DB_HOST}
      port: 5432
`;
    const err = await loadError(text, { UNRELATED: 'x' });
    expect(err.diagnostics).toHaveLength(2);
    const host = byPath(err, '/platform/endpoints/0/host');
    expect(host).toMatchObject({ file: 'site.yaml', ...at(text, 7, '${DB_HOST}') });
    expect(host.message).toMatch(/\bDB_HOST\b/);
    expect(host.hint).toMatch(/DB_HOST/);
    const name = byPath(err, '/site/name');
    expect(name).toMatchObject(at(text, 3, '${SITE_NAME}'));
    expect(name.message).toMatch(/\bSITE_NAME\b/);
  });

  it('a malformed reference is an error, not silently kept', async () => {
    const text = minimal('    - name: a\n      host: ${1BAD}\n      port: 443\n');
    const err = await loadError(text);
    expect(byPath(err, '/platform/endpoints/0/host').message).toMatch(/invalid variable reference/);
  });
});

describe('secrets', () => {
  it('a literal password is rejected with a hint, without repeating the secret', async () => {
    const text = `version: 1
site:
  name: Secrets
network:
  proxy:
    url: http://proxy.example.com:3128
    username: svc
    password: hunter2hunter2
platform:
  endpoints:
    - name: a
      host: example.com
      port: 443
`;
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(1);
    const d = byPath(err, '/network/proxy/password');
    expect(d).toMatchObject(at(text, 8, 'hunter2hunter2'));
    expect(d.message).toMatch(/literal secret/);
    expect(d.hint).toMatch(/\$\{/);
    expect(`${err.message} ${d.message} ${d.hint}`).not.toContain('hunter2hunter2');
  });

  it('a ${ENV} secret is registered in the redactor and never appears in site.redacted', async () => {
    const secret = 's3cr3t-Pr0xy-Passw0rd';
    const token = 'tok-7f1e2d3c4b5a';
    const text = `version: 1
site:
  name: Secrets
network:
  proxy:
    url: http://proxy.example.com:3128
    username: svc
    password: \${PROXY_PASSWORD}
platform:
  endpoints:
    - name: a
      url: https://api.example.com/
      credentials:
        username: bot
        token: \${API_TOKEN}
`;
    const { site, redactor } = await load(text, { PROXY_PASSWORD: secret, API_TOKEN: token });
    // Usable where it is needed...
    expect(site.network.proxy?.password).toBe(secret);
    // ...registered for redaction...
    expect(redactor.size).toBeGreaterThanOrEqual(2);
    expect(redactor.redact(`auth ${secret} and ${token}`)).toBe(`auth ${REDACTED} and ${REDACTED}`);
    // ...and the report copy keeps only the references.
    const redacted = JSON.stringify(site.redacted);
    expect(redacted).not.toContain(secret);
    expect(redacted).not.toContain(token);
    expect(redacted).toContain('${PROXY_PASSWORD}');
    expect(redacted).toContain('${API_TOKEN}');
  });
});

describe('port lists', () => {
  it('a range that runs backwards or leaves 1-65535 is refused where it is written, as the checks would refuse it', async () => {
    const text = `version: 1
site: { name: Ports }
network:
  sweeps:
    - { name: media, hosts: [127.0.0.1], ports: [443, "9-3", " 3478 - 3481 ", "0-80"] }
platform:
  endpoints:
    - { name: turn, host: turn.example.test, port: 3478, protocol: turn, ports: ["50000-49152"] }
`;
    const err = await loadError(text);
    expect(err.diagnostics.map((d) => [d.path, d.line])).toEqual([
      ['/network/sweeps/0/ports/1', 5],
      ['/network/sweeps/0/ports/3', 5],
      ['/platform/endpoints/0/ports/0', 8],
    ]);
    expect(err.diagnostics[0]!.message).toMatch(/runs backwards: write it low-high \("3-9"\)/);
    expect(err.diagnostics[1]!.message).toMatch(/not within 1-65535/);
  });
});

describe('endpoints', () => {
  it('duplicate endpoint names are reported at the second one', async () => {
    const text = minimal(
      '    - name: api\n      host: a.example.com\n      port: 443\n    - name: web\n      host: b.example.com\n      port: 443\n    - name: api\n      host: c.example.com\n      port: 443\n',
    );
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(1);
    const d = byPath(err, '/platform/endpoints/2/name');
    expect(d).toMatchObject(at(text, 12, 'api'));
    expect(d.message).toMatch(/"api" is already used by endpoint #1/);
    expect(d.hint).toBeTruthy();
  });

  it('invalid URLs, unsupported schemes and credentials in URLs are all reported, with positions', async () => {
    const text = minimal(
      [
        '    - name: not-url',
        '      url: "not a url"',
        '    - name: ftp',
        '      url: ftp://files.example.com/',
        '    - name: creds',
        '      url: https://admin:pa55word@api.example.com/',
        '    - name: space',
        '      url: "https://exa mple.com/"',
        '    - name: big-port',
        '      url: https://example.com:70000/',
        '',
      ].join('\n'),
    );
    const err = await loadError(text);
    expect(err.diagnostics.map((d) => d.path)).toEqual([
      '/platform/endpoints/0/url',
      '/platform/endpoints/1/url',
      '/platform/endpoints/2/url',
      '/platform/endpoints/3/url',
      '/platform/endpoints/4/url',
    ]);
    expect(byPath(err, '/platform/endpoints/0/url')).toMatchObject({
      ...at(text, 7, '"not a url"'),
      message: expect.stringMatching(/not a valid URL/),
    });
    expect(byPath(err, '/platform/endpoints/1/url')).toMatchObject({
      ...at(text, 9, 'ftp://'),
      message: expect.stringMatching(/unsupported URL scheme "ftp"/),
    });
    const creds = byPath(err, '/platform/endpoints/2/url');
    expect(creds).toMatchObject({ ...at(text, 11, 'https://admin'), message: expect.stringMatching(/credentials in the URL/) });
    expect(`${creds.message} ${creds.hint}`).not.toContain('pa55word');
    expect(byPath(err, '/platform/endpoints/3/url').message).toMatch(/not a valid URL/);
    expect(byPath(err, '/platform/endpoints/4/url').message).toMatch(/not a valid URL/);
    for (const d of err.diagnostics) expect(d.hint, d.message).toBeTruthy();
  });

  it.each([
    ['0', /must be >= 1/],
    ['70000', /must be <= 65535/],
    ['abc', /expected integer/],
    ['-1', /must be >= 1/],
    ['443.5', /expected integer/],
  ])('port %s is rejected at its position', async (port, message) => {
    const text = minimal(`    - name: a\n      host: example.com\n      port: ${port}\n`);
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({ path: '/platform/endpoints/0/port', ...at(text, 8, port) });
    expect(err.diagnostics[0]!.message).toMatch(message);
  });

  it('port 0 inside a URL is rejected too', async () => {
    const text = minimal('    - name: a\n      url: https://example.com:0/\n');
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({ path: '/platform/endpoints/0/url', ...at(text, 7, 'https') });
    expect(err.diagnostics[0]!.message).toMatch(/port/);
  });

  it.each(['bad_host!', '-leading-dash.example.com', 'a..b.example.com', 'example.com:443', '300.1.1.1', 'x'.repeat(64) + '.example.com'])(
    'host %s is not a valid hostname',
    async (host) => {
      const text = minimal(`    - name: a\n      host: "${host}"\n      port: 443\n`);
      const err = await loadError(text);
      expect(err.diagnostics).toHaveLength(1);
      expect(err.diagnostics[0]).toMatchObject({ path: '/platform/endpoints/0/host', ...at(text, 7, `"${host}"`) });
      expect(err.diagnostics[0]!.message).toMatch(/not a valid hostname or IP address/);
    },
  );

  it('valid hosts: names, IPv4, IPv6, URL with an IPv6 literal', async () => {
    const text = minimal(
      [
        '    - name: n',
        '      host: chat.example.com',
        '      port: 5222',
        '    - name: v4',
        '      host: 10.1.2.3',
        '      port: 443',
        '    - name: v6',
        '      host: "2001:db8::1"',
        '      port: 443',
        '    - name: v6-url',
        '      url: "https://[2001:db8::2]:8443/x"',
        '',
      ].join('\n'),
    );
    const { site } = await load(text);
    expect(site.platform.endpoints.map((e) => [e.host, e.port, e.protocol])).toEqual([
      ['chat.example.com', 5222, 'tcp'],
      ['10.1.2.3', 443, 'tcp'],
      ['2001:db8::1', 443, 'tcp'],
      ['2001:db8::2', 8443, 'https'],
    ]);
  });

  it('url and host given together is an error', async () => {
    const text = minimal('    - name: a\n      url: https://example.com/\n      host: example.com\n');
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({ path: '/platform/endpoints/0/url', ...at(text, 7, 'https') });
    expect(err.diagnostics[0]!.message).toMatch(/either url, or host and port, not both/);
  });

  it('url and port given together is an error', async () => {
    const text = minimal('    - name: a\n      url: https://example.com/\n      port: 8443\n');
    const err = await loadError(text);
    expect(err.diagnostics[0]!.message).toMatch(/not both/);
  });

  it('an endpoint with neither url nor host is an error', async () => {
    const text = minimal('    - name: a\n      port: 443\n');
    const err = await loadError(text);
    expect(err.diagnostics.some((d) => /needs either url, or host and port/.test(d.message))).toBe(true);
  });
});

describe('YAML-level mistakes', () => {
  it('a duplicate key is reported at the second occurrence, with a hint', async () => {
    const text = `version: 1
site:
  name: First
  name: Second
platform:
  endpoints:
    - name: a
      host: example.com
      port: 443
`;
    const err = await loadError(text);
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({ file: 'site.yaml', ...at(text, 4, 'name') });
    expect(err.diagnostics[0]!.message).toMatch(/YAML syntax error/);
    expect(err.diagnostics[0]!.hint).toMatch(/appears twice/);
  });

  it('a tab used as indentation is reported at its line, with a hint', async () => {
    const text = 'version: 1\nsite:\n\tname: Tabbed\nplatform:\n  endpoints:\n    - name: a\n      host: example.com\n      port: 443\n';
    const err = await loadError(text);
    expect(err.diagnostics.length).toBeGreaterThanOrEqual(1);
    expect(err.diagnostics[0]).toMatchObject({ file: 'site.yaml', line: 3, column: 1 });
    expect(err.diagnostics.some((d) => /tabs/i.test(d.hint ?? ''))).toBe(true);
  });

  it('a syntax error deep in the file points at its line, not at the top', async () => {
    const text = minimal('    - name: a\n      host: example.com\n      port: 443\n    - name: b\n      url: [https://example.com/\n');
    const err = await loadError(text);
    expect(err.diagnostics.length).toBeGreaterThanOrEqual(1);
    expect(err.diagnostics[0]!.line).toBeGreaterThanOrEqual(10);
    expect(err.diagnostics[0]!.message).toMatch(/YAML syntax error: \S/);
  });

  it('a top-level list is not a site', async () => {
    const err = await loadError('- a\n- b\n');
    expect(err.diagnostics[0]).toMatchObject({ file: 'site.yaml', line: 1, column: 1 });
    expect(err.diagnostics[0]!.message).toMatch(/expected a mapping at the top level, got a list/);
  });

  it('an empty file and a comments-only file are rejected', async () => {
    expect((await loadError('')).message).toMatch(/empty/);
    expect((await loadError('\n  \n')).message).toMatch(/empty/);
    expect((await loadError('# just\n# comments\n')).message).toMatch(/no content/);
  });

  it('non-UTF-8 bytes are rejected, pointing at the first bad byte', async () => {
    const bytes = Buffer.concat([Buffer.from('version: 1\nsite:\n  name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const err = await loadError(bytes);
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0]).toMatchObject({ file: 'site.yaml', line: 3, column: 12 });
    expect(err.diagnostics[0]!.message).toMatch(/not UTF-8/);
    expect(err.diagnostics[0]!.hint).toMatch(/UTF-8/);
  });

  it('a UTF-8 byte order mark is accepted and does not shift positions', async () => {
    const text = minimal('    - name: a\n      host: example.com\n      port: 0\n');
    const err = await loadError(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    expect(err.diagnostics[0]).toMatchObject({ path: '/platform/endpoints/0/port', ...at(text, 8, '0') });
  });

  it('parseSiteText refuses input over the size limit', () => {
    expect(() => parseSiteText(Buffer.alloc(5 * 1024 * 1024, 0x20), 'big.yaml')).toThrow(ConfigError);
  });
});

describe('files', () => {
  it('a file that does not exist, and a directory, are ConfigErrors naming the file', async () => {
    const missing = await loadSiteFile(join(dir, 'nope.yaml'), { displayName: 'nope.yaml' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as ConfigError).diagnostics[0]).toMatchObject({ file: 'nope.yaml', message: expect.stringMatching(/no such file/) });

    const directory = await loadSiteFile(dir, { displayName: 'somedir' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(directory).toBeInstanceOf(ConfigError);
    expect((directory as ConfigError).message).toMatch(/is a directory/);
  });

  it('the 1,000-endpoint site loads, every endpoint at its own line', async () => {
    const lines = ['version: 1', 'site:', '  name: Big site', 'platform:', '  endpoints:'];
    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0) lines.push(`    - name: ep-${i}`, `      host: host-${i}.example.com`, `      port: ${1 + (i % 65535)}`);
      else lines.push(`    - name: ep-${i}`, `      url: https://host-${i}.example.com:${8000 + (i % 1000)}/path`);
    }
    const text = `${lines.join('\n')}\n`;
    const { site } = await load(text);
    expect(site.platform.endpoints).toHaveLength(1000);
    expect(new Set(site.platform.endpoints.map((e) => e.name)).size).toBe(1000);
    const last = site.platform.endpoints[999]!;
    expect(last).toMatchObject({ name: 'ep-999', host: 'host-999.example.com', port: 8999, protocol: 'https' });
    expect(last.location).toMatchObject({
      file: 'site.yaml',
      path: '/platform/endpoints/999',
      line: lines.indexOf('    - name: ep-999') + 1,
      column: 7,
    });
  });
});

describe('interpolation corner cases', () => {
  it('gives a retyped reference its text back where the schema wants a string', async () => {
    const { parseSiteText } = await import('../../src/site/load.js');
    const { site } = parseSiteText(
      'version: 1\nsite: { name: "${SN}" }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: "${P}" }\n',
      's.yaml',
      { env: { SN: '2024', P: '5' } },
    );
    expect(site.site.name).toBe('2024');
    expect(site.platform.endpoints[0]!.port).toBe(5);
  });

  it('refuses secrets too short to mask safely', async () => {
    const { parseSiteText } = await import('../../src/site/load.js');
    expect(() =>
      parseSiteText(
        'version: 1\nsite: { name: s }\nnetwork: { proxy: { url: "http://p:3128", password: "${PW}" } }\nplatform:\n  endpoints:\n    - { name: a, host: 127.0.0.1, port: 5 }\n',
        's.yaml',
        { env: { PW: 'abc' } },
      ),
    ).toThrow(/problem|unresolved/);
  });
});
