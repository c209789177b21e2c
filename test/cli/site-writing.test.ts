// A site file that is easy to write, through the built CLI: one clear message for a YAML mistake,
// validate and plan without the secrets, and what each endpoint is tested by.
// Needs the build: `npm run build`.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';

// Names no developer or CI has set: the tests are about them being unset.
const PROXY_PW = 'SITEREADY_WRITING_TEST_PROXY_PW';
const TURN_PW = 'SITEREADY_WRITING_TEST_TURN_PW';
const PORT = 'SITEREADY_WRITING_TEST_PORT';
const UNSET = { [PROXY_PW]: undefined, [TURN_PW]: undefined, [PORT]: undefined };

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siteready-writing-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], text: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  await writeFile(join(dir, 'site.yaml'), text);
  return runCli(args, { cwd: dir, env: { ...UNSET, ...env } });
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '').length;

/** A realistic file: the mistake on one line, dozens of lines after it for the parser to trip on. */
function siteWith(credentials: string): string {
  const more = Array.from(
    { length: 30 },
    (_, i) =>
      `    - name: app-${i}\n      url: https://app-${i}.example.com/\n      via: direct\n      tls: { serverName: app-${i}.example.com }\n`,
  ).join('');
  return `version: 1
site:
  name: Writing test
platform:
  endpoints:
    - name: relay
      role: turn
      url: "turn:turn.example.com:3478"
      credentials: ${credentials}
${more}`;
}

describe('a YAML mistake gives one message', () => {
  it('an unquoted ${VAR} inside { }: where it is, and how to quote it', async () => {
    const r = await cli(['validate', 'site.yaml'], siteWith(`{ username: bob, password: \${${TURN_PW}} }`));
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stdout + r.stderr)).toBeLessThanOrEqual(15);
    const column = '      credentials: { username: bob, password: '.length + 1;
    expect(r.stderr).toContain(`site.yaml:9:${column}: error: YAML syntax error: \`\${${TURN_PW}}\` must be quoted inside { } or [ ]`);
    expect(r.stderr).toContain(`hint: quote it: "\${${TURN_PW}}"`);
  });

  it('inside [ ] too, the whole value quoted', async () => {
    const text = `version: 1\nsite: { name: s }\nnetwork:\n  dns: { servers: [10.0.0.1, 10.0.0.2:\${${PORT}}] }\nplatform:\n  endpoints:\n    - { name: a, url: "https://a.example.com/" }\n`;
    const r = await cli(['validate', 'site.yaml'], text);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/site\.yaml:4:\d+: error: YAML syntax error: `\$\{SITEREADY_WRITING_TEST_PORT\}` must be quoted/);
    expect(r.stderr).toContain(`hint: quote it: "10.0.0.2:\${${PORT}}"`);
  });

  it('any other syntax error: the first one only, with line, column and a hint', async () => {
    const r = await cli(['validate', 'site.yaml'], siteWith('{ username: "bob, password: x }'));
    expect(r.code).toBe(2);
    expect(lines(r.stdout + r.stderr)).toBeLessThanOrEqual(15);
    expect(r.stderr.match(/error: YAML syntax error/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/site\.yaml:\d+:\d+: error: YAML syntax error: \S/);
    expect(r.stderr).toMatch(/hint: \S/);
  });

  it('--json: one diagnostic', async () => {
    const r = await cli(['validate', 'site.yaml', '--json'], siteWith(`{ username: bob, password: \${${TURN_PW}} }`));
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { diagnostics: Array<{ line: number; hint: string }> };
    expect(out.diagnostics).toEqual([expect.objectContaining({ line: 9, hint: `quote it: "\${${TURN_PW}}"` })]);
  });
});

const withSecrets = `version: 1
site: { name: Secrets test }
network:
  links:
    - { name: internet, kind: internet, downMbps: 200, upMbps: 50 }
  proxy:
    url: http://proxy.example.com:8080
    username: bob
    password: \${${PROXY_PW}}
platform:
  endpoints:
    - name: relay
      url: "turn:turn.example.com:3478"
      credentials: { username: bob, password: "\${${TURN_PW}}" }
    - name: web
      url: https://web.example.com/
demand:
  personas:
    - { name: staff, users: 100, audio: 0.1, video: 0.05 }
`;

describe('unset secrets', () => {
  const warning = `warning: ${PROXY_PW}, ${TURN_PW} are not set: assess will need them`;

  it('validate passes, naming them on stderr', async () => {
    const r = await cli(['validate', 'site.yaml'], withSecrets);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^site\.yaml: valid — 2 endpoint\(s\)/);
    expect(r.stderr.trim()).toBe(warning);
    const json = await cli(['validate', 'site.yaml', '--json'], withSecrets);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, unsetSecrets: [PROXY_PW, TURN_PW] });
  });

  it('plan runs, naming them on stderr', async () => {
    const r = await cli(['plan', 'site.yaml'], withSecrets);
    expect(r.stdout).toMatch(/Headroom/);
    expect(r.stderr).toContain(warning);
  });

  it('nothing to warn about once they are set', async () => {
    const r = await cli(['validate', 'site.yaml'], withSecrets, { [PROXY_PW]: 'proxy-secret', [TURN_PW]: 'turn-secret' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('assess still needs them, and never suggests a default for a secret', async () => {
    const r = await cli(['assess', 'site.yaml'], withSecrets);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`environment variable ${TURN_PW} is not set`));
    expect(r.stderr).toContain(`hint: set it in the environment (export ${TURN_PW}=…); secrets are never written in the file`);
    expect(r.stderr).not.toContain(':-value');
  });

  it('a variable that is not a secret still fails validate, unless it has a default', async () => {
    const text = `version: 1\nsite: { name: s }\nplatform:\n  endpoints:\n    - name: db\n      host: db.example.com\n      port: \${${PORT}}\n`;
    const r = await cli(['validate', 'site.yaml'], text);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`site\\.yaml:7:13: error: .*environment variable ${PORT} is not set`));
    expect(r.stderr).toContain(`\${${PORT}:-value}`);
    const defaulted = await cli(['validate', 'site.yaml'], text.replace(`\${${PORT}}`, `\${${PORT}:-5432}`));
    expect(defaulted.code, defaulted.stderr).toBe(0);
  });
});

describe('validate says which checks test each endpoint', () => {
  const text = `version: 1
site: { name: Coverage test }
platform:
  endpoints:
    - name: web
      url: https://web.example.com/
    - name: media
      host: media.example.com
      port: 5000
      protocol: udp
      ports: ["3479-3481"]
    - name: portal
      url: https://portal.example.com/
      transports: [udp]
    - name: lonely
      url: https://lonely.example.com/
      checks: [turn]
`;

  it('one line per endpoint, then what nothing tests', async () => {
    const r = await cli(['validate', 'site.yaml'], text);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(/^site\.yaml: valid — 4 endpoint\(s\), \d+ task\(s\) planned across \d+ check\(s\)/);
    expect(out).toContainEqual(expect.stringMatching(/^ {2}web {5}→ (\w[\w-]*, )*http(, \w[\w-]*)*$/));
    expect(out).toContainEqual(expect.stringMatching(/^ {2}lonely {2}→ \(nothing\)$/));
    expect(r.stdout).toMatch(/^warning: endpoint media: ports \[3479-3481\] are not tested/m);
    expect(r.stdout).toMatch(/^warning: endpoint portal: transports \[udp\] are not tested/m);
    expect(r.stdout).toMatch(/^warning: endpoint lonely: no check tests it/m);
  });

  it('--json: plan and untested', async () => {
    const r = await cli(['validate', 'site.yaml', '--json'], text);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      plan: Array<{ endpoint: string; checks: string[] }>;
      untested: Array<{ kind: string; target: string; message: string }>;
    };
    expect(out.plan.map((p) => p.endpoint)).toEqual(['web', 'media', 'portal', 'lonely']);
    expect(out.plan[0]!.checks).toEqual(expect.arrayContaining(['dns', 'tcp', 'http', 'tls']));
    expect(out.plan[3]!.checks).toEqual([]);
    expect(out.untested.map((u) => [u.kind, u.target])).toEqual([
      ['ports', 'media'],
      ['transports', 'portal'],
      ['endpoint', 'lonely'],
    ]);
  });

  it("a platform catalog's entries no check can test are warned about", async () => {
    const site = 'version: 1\nsite: { name: Catalog test }\nplatform: { preset: microsoft-teams }\n';
    const r = await cli(['validate', 'site.yaml'], site);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^warning: platform microsoft-teams, \S+: udp .* is not testable from the site$/m);
    const json = JSON.parse((await cli(['validate', 'site.yaml', '--json'], site)).stdout) as { untested: Array<{ kind: string }> };
    expect(json.untested.some((u) => u.kind === 'platform')).toBe(true);
  });
});
