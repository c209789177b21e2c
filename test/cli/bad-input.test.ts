// Bad input through the built CLI, as a user meets it: exit code 2, a compiler-style
// file:line:col diagnostic where the problem has a position, a hint, and never a stack trace.
// Needs the build: `npx tsc -p .` (npm test does it).

import { chmod, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { freePort } from '../../src/lab/demo-lab.js';

let dir: string;
let refusedPort: number;

beforeAll(async () => {
  refusedPort = await freePort();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siteready-badinput-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeSite(text: string | Buffer, name = 'site.yaml'): Promise<string> {
  await writeFile(join(dir, name), text);
  return name;
}

/** Runs the CLI in the temp dir, so file names in messages are the short relative ones. */
function cli(args: string[], opts: Parameters<typeof runCli>[1] = {}): Promise<CliResult> {
  return runCli(args, { cwd: dir, ...opts });
}

function expectUsageExit(r: CliResult): void {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(2);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr).toMatch(/error/);
}

const validSite = () => `version: 1
site:
  name: Bad input tests
platform:
  endpoints:
    - name: local
      host: 127.0.0.1
      port: ${refusedPort}
`;

describe('malformed files', () => {
  it("malformed YAML: the parser's reason at file:line:col, with the source line", async () => {
    const f = await writeSite('version: 1\nsite:\n  name: x\n  name: y\nplatform:\n  endpoints: []\n');
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:4:3: error: YAML syntax error: Map keys must be unique/);
    expect(r.stderr).toContain('  4 |   name: y');
    expect(r.stderr).toMatch(/hint: /);
  });

  it("YAML with tab indentation: reported at the tab's line", async () => {
    const f = await writeSite('version: 1\nsite:\n\tname: x\n');
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:3:1: error: YAML syntax error: /);
    expect(r.stderr).toMatch(/hint: .*tabs/);
  });

  it('schema violations: all listed, each with line, column and path', async () => {
    const f = await writeSite(`version: 1
site:
  name: Schema
  size: huge
platform:
  endpionts: []
  endpoints:
    - name: a
      host: example.com
      port: 443
      via: proxi
`);
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/3 problem/);
    expect(r.stderr).toMatch(/site\.yaml:4:9: error: \/site\/size: "huge" is not one of/);
    expect(r.stderr).toMatch(/site\.yaml:6:3: error: \/platform\/endpionts: unknown field "endpionts"/);
    expect(r.stderr).toMatch(/hint: did you mean "endpoints"\?/);
    expect(r.stderr).toMatch(/site\.yaml:11:12: error: \/platform\/endpoints\/0\/via: "proxi" is not one of/);
    expect(r.stderr).toMatch(/hint: did you mean "proxy"\?/);
  });

  it('the same through assess: exit 2 before any measuring', async () => {
    const f = await writeSite(
      'version: 1\nsite:\n  name: x\nplatform:\n  endpoints:\n    - name: a\n      host: example.com\n      port: 70000\n',
    );
    const r = await cli(['assess', f, '--quiet']);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:8:13: error: \/platform\/endpoints\/0\/port: must be <= 65535/);
    expect(r.stdout).toBe('');
  });
});

describe('unknown names', () => {
  it('unknown check in checks:, in an endpoint\'s checks list and in a waiver: all three, with "did you mean"', async () => {
    const f = await writeSite(`version: 1
site:
  name: Unknown checks
platform:
  endpoints:
    - name: a
      host: 127.0.0.1
      port: ${refusedPort}
      checks: [tpc]
checks:
  htp: {}
compliance:
  waivers:
    - check: websockt
      justification: accepted for the pilot phase only
`);
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:11:\d+: error: \/checks\/htp: unknown check "htp"/);
    expect(r.stderr).toMatch(/hint: did you mean "http"/);
    expect(r.stderr).toMatch(/site\.yaml:9:16: error: \/platform\/endpoints\/0\/checks\/0: unknown check "tpc"/);
    expect(r.stderr).toMatch(/hint: did you mean "tcp"\?/);
    expect(r.stderr).toMatch(/site\.yaml:14:14: error: \/compliance\/waivers\/0\/check: unknown check "websockt"/);
    expect(r.stderr).toMatch(/hint: did you mean "websocket"\?/);

    const assess = await cli(['assess', f, '--quiet']);
    expectUsageExit(assess);
    expect(assess.stderr).toMatch(/unknown check "htp"/);
  });

  it('unknown output format: exit 2 with a suggestion or the list of formats', async () => {
    const f = await writeSite(validSite());
    const r = await cli(['assess', f, '--format', 'htm', '--quiet']);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/unknown format "htm"/);
    expect(r.stderr).toMatch(/hint: (did you mean|formats: terminal, json)/);

    const typo = await cli(['assess', f, '--format', 'jsno', '--quiet']);
    expectUsageExit(typo);
    expect(typo.stderr).toMatch(/did you mean "json"\?/);
  });

  it('unknown plugin path: exit 2 at the plugins entry, with a hint', async () => {
    const f = await writeSite(`${validSite()}plugins:\n  - ./no-such-plugin.mjs\n`);
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:10:5: error: \/plugins\/0: plugin "\.\/no-such-plugin\.mjs" not found/);
    expect(r.stderr).toMatch(/hint: paths are relative to the site file/);

    await writeFile(join(dir, 'real-plugin.mjs'), 'export default {};\n');
    const f2 = await writeSite(`${validSite()}plugins:\n  - ./real-plugin\n`, 'site2.yaml');
    const r2 = await cli(['assess', f2, '--quiet']);
    expectUsageExit(r2);
    expect(r2.stderr).toMatch(/site2\.yaml:10:5: error: .*not found/);
    expect(r2.stderr).toMatch(/did you mean "\.\/real-plugin\.mjs"\?/);
  });

  it('a missing ${VAR}: named, with its line', async () => {
    const f = await writeSite(
      'version: 1\nsite:\n  name: x\nplatform:\n  endpoints:\n    - name: a\n      host: ${SITEREADY_TEST_UNSET_HOST}\n      port: 443\n',
    );
    const r = await cli(['validate', f], { env: { SITEREADY_TEST_UNSET_HOST: undefined } });
    expectUsageExit(r);
    expect(r.stderr).toMatch(
      /site\.yaml:7:13: error: \/platform\/endpoints\/0\/host: environment variable SITEREADY_TEST_UNSET_HOST is not set/,
    );
    expect(r.stderr).toMatch(/hint: export SITEREADY_TEST_UNSET_HOST=/);
  });
});

describe('files that are not site files', () => {
  it('a file that does not exist', async () => {
    const r = await cli(['validate', 'missing.yaml']);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/missing\.yaml: error: missing\.yaml: no such file/);
    expect(r.stderr).toMatch(/hint: /);
  });

  it('a file that is not readable', async () => {
    await chmod(dir, 0o755); // the unprivileged user must be able to reach the file
    const f = await writeSite(validSite());
    await chmod(join(dir, f), 0o000);
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    // root reads anything: run as nobody, who is denied by the mode like any other user.
    const r = await cli(['validate', f], asRoot ? { prefix: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] } : {});
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml: error: site\.yaml: permission denied/);
    expect(r.stderr).toMatch(/hint: make the file readable/);
  });

  it('a directory', async () => {
    await mkdir(join(dir, 'sites'));
    const r = await cli(['validate', 'sites']);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/sites: error: sites is a directory, not a site file/);
  });

  it('an empty file', async () => {
    const f = await writeSite('');
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml: error: site\.yaml is empty/);
  });

  it('a comments-only file', async () => {
    const f = await writeSite('# nothing here yet\n# still nothing\n');
    const r = await cli(['assess', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml: error: site\.yaml has no content/);
  });

  it('a 50 MB file is refused fast, naming the size limit', async () => {
    const f = await writeSite('');
    await truncate(join(dir, f), 50 * 1024 * 1024); // sparse: no 50 MB written to disk
    const r = await cli(['assess', f, '--quiet'], { timeoutMs: 20_000 });
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml is 50\.0 MiB; site files are limited to \d+ MiB/);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('non-UTF-8 bytes: exit 2 at the first bad byte', async () => {
    const f = await writeSite(Buffer.concat([Buffer.from('version: 1\nsite:\n  name: "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]));
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:3:13: error: site\.yaml is not UTF-8 text/);
    expect(r.stderr).toMatch(/hint: save the file as UTF-8/);
  });

  it('a UTF-16 file (byte order mark FF FE) is not UTF-8', async () => {
    const f = await writeSite(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('version: 1\n', 'utf16le')]));
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:1:1: error: site\.yaml is not UTF-8 text/);
  });
});

describe('endpoints', () => {
  it('invalid URLs and ports: every one at its file:line:col', async () => {
    const f = await writeSite(`version: 1
site:
  name: Endpoints
platform:
  endpoints:
    - name: bad-url
      url: "https://exa mple.com/"
    - name: ftp
      url: ftp://files.example.com/
    - name: zero-port
      url: https://example.com:0/
    - name: bad-host
      host: "bad_host!"
      port: 443
`);
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:7:12: error: \/platform\/endpoints\/0\/url: "https:\/\/exa mple\.com\/" is not a valid URL/);
    expect(r.stderr).toMatch(/site\.yaml:9:12: error: \/platform\/endpoints\/1\/url: unsupported URL scheme "ftp"/);
    expect(r.stderr).toMatch(/site\.yaml:11:12: error: \/platform\/endpoints\/2\/url: .*port 0/);
    expect(r.stderr).toMatch(/site\.yaml:13:13: error: \/platform\/endpoints\/3\/host: "bad_host!" is not a valid hostname/);
  });

  it.each([
    ['0', /must be >= 1, got 0/],
    ['70000', /must be <= 65535, got 70000/],
    ['abc', /expected integer, got a string "abc"/],
  ])('port %s: exit 2 at its position', async (port, message) => {
    const f = await writeSite(
      `version: 1\nsite:\n  name: x\nplatform:\n  endpoints:\n    - name: a\n      host: example.com\n      port: ${port}\n`,
    );
    const r = await cli(['validate', f]);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/site\.yaml:8:13: error: \/platform\/endpoints\/0\/port: /);
    expect(r.stderr).toMatch(message);
  });
});

describe('command-line values', () => {
  it('--concurrency 0 is a usage error', async () => {
    const f = await writeSite(validSite());
    const r = await cli(['assess', f, '--concurrency', '0', '--quiet']);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/--concurrency must be/);
  });

  it('--fail-under 150 is a usage error', async () => {
    const f = await writeSite(validSite());
    const r = await cli(['assess', f, '--fail-under', '150', '--quiet']);
    expectUsageExit(r);
    expect(r.stderr).toMatch(/--fail-under must be a score from 0 to 100, got "150"/);
  });

  it('an unknown option and an unknown command exit 2', async () => {
    const opt = await cli(['validate', '--frobnicate', 'site.yaml']);
    expectUsageExit(opt);
    expect(opt.stderr).toMatch(/unknown option '--frobnicate'/);
    const cmd = await cli(['asess', 'site.yaml']);
    expectUsageExit(cmd);
    expect(cmd.stderr).toMatch(/unknown command 'asess'/);
    expect(cmd.stderr).toMatch(/assess/);
  });

  it('subcommand parse errors (missing argument, invalid choice, extra argument) exit 2, not 1', async () => {
    const missing = await cli(['validate']);
    expectUsageExit(missing);
    expect(missing.stderr).toMatch(/missing required argument/);
    const choice = await cli(['assess', 'site.yaml', '--min-grade', 'Z']);
    expectUsageExit(choice);
    expect(choice.stderr).toMatch(/Allowed choices are A, B, C, D, E, F/);
    const extra = await cli(['checks', 'tcp', 'dns']);
    expectUsageExit(extra);
    expect(extra.stderr).toMatch(/too many arguments/);
  });

  it('an option with an optional value that took the site file says so, and how to write it', async () => {
    for (const option of ['--otlp', '--store']) {
      const r = await cli(['assess', option, 'site.yaml']);
      expectUsageExit(r);
      expect(r.stderr).toContain(
        `hint: ${option} took site.yaml as its value; put the site file first (… site.yaml ${option}) or write ${option}=URL`,
      );
    }
    expect((await cli(['validate'])).stderr).not.toMatch(/hint: --/);
  });
});
