import { readdirSync } from 'node:fs';
// Every command of the built CLI on good input: help, version, schemas, the check catalogue,
// validate, demo, run, output routing and colour. Needs the build: `npx tsc -p .`.

import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reportSchema } from '../../src/report/schema.js';
import { ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { DEMO_SITE_ENV } from '../helpers/lab-env.js';
import { freePort } from '../../src/lab/demo-lab.js';
import { createServer } from 'node:net';
import { parseSweepTarget } from '../../src/cli/run.js';

const ANSI = /\u001b\[[0-9;]*m/;

let dir: string;
let refusedPort: number;

beforeAll(async () => {
  refusedPort = await freePort();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siteready-commands-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectOk(r: CliResult): void {
  expect(r.code, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
}

describe('help and version', () => {
  it.each([[[]], [['assess']], [['validate']], [['schema']], [['checks']], [['run']], [['demo']], [['history']], [['compare']]])(
    '%j --help exits 0 with Examples',
    async (cmd) => {
      const r = await runCli([...cmd, '--help']);
      expectOk(r);
      expect(r.stdout).toMatch(/^Usage: siteready/m);
      expect(r.stdout).toContain('Examples');
    },
  );

  it('--version prints the package.json version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expectOk(r);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});

describe('schema', () => {
  it('prints the site schema as JSON, $id ending in site-v1.json', async () => {
    const r = await runCli(['schema']);
    expectOk(r);
    const schema = JSON.parse(r.stdout) as { $id: string; type: string; properties: Record<string, unknown> };
    expect(schema.$id).toMatch(/site-v1\.json$/);
    expect(schema.properties).toHaveProperty('platform');
    // It is a schema ajv accepts.
    expect(() => new Ajv({ strict: false }).compile(schema)).not.toThrow();
  });

  it('--report prints the report schema', async () => {
    const r = await runCli(['schema', '--report']);
    expectOk(r);
    const schema = JSON.parse(r.stdout) as { $id: string };
    expect(schema.$id).toMatch(/report-v1\.json$/);
    expect(schema).toEqual(JSON.parse(JSON.stringify(reportSchema)));
  });
});

describe('checks', () => {
  it('lists dns, tcp, http, websocket', async () => {
    const r = await runCli(['checks']);
    expectOk(r);
    for (const id of ['dns', 'tcp', 'http', 'websocket']) expect(r.stdout).toMatch(new RegExp(`^${id}\\s`, 'm'));
  });

  it('checks tcp explains the check', async () => {
    const r = await runCli(['checks', 'tcp']);
    expectOk(r);
    expect(r.stdout).toMatch(/^tcp — /);
    expect(r.stdout).toMatch(/refused/);
    expect(r.stdout).toMatch(/Options \(checks\.tcp in the site file\)/);
    expect(r.stdout).toMatch(/connectTimeoutMs/);
    expect(r.stdout).toMatch(/References:/);
  });

  it('checks nope exits 2 with a hint', async () => {
    const r = await runCli(['checks', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown check "nope"/);
    expect(r.stderr).toMatch(/hint: (did you mean|known checks: )/);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
    const typo = await runCli(['checks', 'websockt']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean "websocket"\?/);
  });

  it('checks --json parses, one entry per check', async () => {
    const r = await runCli(['checks', '--json']);
    expectOk(r);
    const list = JSON.parse(r.stdout) as Array<{ id: string; category: string; inputs: unknown }>;
    const folders = readdirSync(join(ROOT, 'checks'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(list.map((c) => c.id).sort()).toEqual(folders);
    expect(folders).toEqual(expect.arrayContaining(['dns', 'http', 'tcp', 'websocket']));
    for (const c of list) expect(c.category).toBeTruthy();
    const one = JSON.parse((await runCli(['checks', 'tcp', '--json'])).stdout) as { id: string };
    expect(one.id).toBe('tcp');
  });
});

describe('validate', () => {
  const labEnv = DEMO_SITE_ENV;

  it('examples/demo-site.yaml is valid with the lab variables set', async () => {
    const r = await runCli(['validate', 'examples/demo-site.yaml'], { env: labEnv });
    expectOk(r);
    const endpoints = (parseYaml(await readFile(join(ROOT, 'examples/demo-site.yaml'), 'utf8')) as { platform: { endpoints: unknown[] } })
      .platform.endpoints.length;
    expect(r.stdout).toMatch(new RegExp(`examples/demo-site\\.yaml: valid — ${endpoints} endpoint\\(s\\)`));
    const json = await runCli(['validate', 'examples/demo-site.yaml', '--json'], { env: labEnv });
    expectOk(json);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      endpoints,
      checks: expect.arrayContaining(['dns', 'tcp', 'http', 'websocket']),
    });
  });

  it('--json of a bad file: {valid:false, diagnostics:[{file,line,column,path,message}]} and exit 2', async () => {
    await writeFile(
      join(dir, 'bad.yaml'),
      'version: 1\nsite:\n  name: x\n  users: 0\nplatform:\n  endpoints:\n    - name: a\n      host: example.com\n      port: 443\n      via: proxi\n',
    );
    const r = await runCli(['validate', 'bad.yaml', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    const out = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Array<Record<string, unknown>> };
    expect(out.valid).toBe(false);
    expect(out.diagnostics).toHaveLength(2);
    for (const d of out.diagnostics) {
      expect(d).toEqual(
        expect.objectContaining({
          file: 'bad.yaml',
          line: expect.any(Number),
          column: expect.any(Number),
          path: expect.any(String),
          message: expect.any(String),
        }),
      );
      expect(d).not.toHaveProperty('source');
    }
    expect(out.diagnostics).toContainEqual(expect.objectContaining({ line: 4, column: 10, path: '/site/users' }));
    expect(out.diagnostics).toContainEqual(
      expect.objectContaining({ line: 10, column: 12, path: '/platform/endpoints/0/via', hint: 'did you mean "proxy"?' }),
    );
  });

  it('--json of a missing file is still JSON, exit 2', async () => {
    const r = await runCli(['validate', 'nope.yaml', '--json'], { cwd: dir });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Array<{ file: string; message: string }> };
    expect(out.valid).toBe(false);
    expect(out.diagnostics[0]).toMatchObject({ file: 'nope.yaml', message: expect.stringMatching(/no such file/) });
  });
});

describe('demo', () => {
  it('--format json --quiet --report-file: exit 0, grade and verdict, valid against the report schema', async () => {
    const reportFile = join(dir, 'r.json');
    const r = await runCli(['demo', '--format', 'json', '--quiet', '--report-file', reportFile], { cwd: dir, timeoutMs: 90_000 });
    expectOk(r);
    const fromStdout = JSON.parse(r.stdout) as Record<string, unknown>;
    const fromFile = JSON.parse(await readFile(reportFile, 'utf8')) as Record<string, unknown>;
    expect(fromFile).toEqual(fromStdout);
    expect(fromFile.grade).toMatch(/^[A-F]$/);
    expect(['READY', 'READY WITH RISKS', 'NOT READY']).toContain(fromFile.verdict);

    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addFormat(
      'date-time',
      (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
    );
    const validate = ajv.compile(reportSchema);
    expect(validate(fromFile), JSON.stringify(validate.errors, null, 2)).toBe(true);
  }, 90_000);
});

describe('run', () => {
  it('run tcp 127.0.0.1:<refused port> --json exits 0 and classifies it refused', async () => {
    const r = await runCli(['run', 'tcp', `127.0.0.1:${refusedPort}`, '--json', '--quiet']);
    expectOk(r);
    const report = JSON.parse(r.stdout) as { results: Array<{ check: string; status: string; facts: { classification?: string } }> };
    const tcp = report.results.filter((x) => x.check === 'tcp');
    expect(tcp).toHaveLength(1);
    expect(tcp[0]!.status).toBe('fail');
    expect(tcp[0]!.facts.classification).toBe('refused');
  });

  it('run sweep HOST:PORTS sweeps each argument as one sweep and lists every target', async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const open = (server.address() as { port: number }).port;
    try {
      const r = await runCli([
        'run',
        'sweep',
        `127.0.0.1:${open},${refusedPort}`,
        `127.0.0.1:${refusedPort}-${refusedPort}`,
        '--json',
        '--quiet',
      ]);
      expectOk(r);
      const report = JSON.parse(r.stdout) as {
        results: Array<{
          check: string;
          status: string;
          facts: { total: number; counts: Record<string, number>; targets: Array<{ port: number; classification: string }> };
        }>;
      };
      expect(report.results.map((x) => x.check)).toEqual(['sweep', 'sweep']);
      const [both, one] = report.results;
      expect(both!.status).toBe('fail');
      expect(both!.facts.targets.map((t) => [t.port, t.classification])).toEqual([
        [open, 'ok'],
        [refusedPort, 'refused'],
      ]);
      expect(one!.facts).toMatchObject({ total: 1, counts: { refused: 1 } });
    } finally {
      server.close();
    }
  });

  it('run sweep with a port list that is not one exits 2 and says why', async () => {
    const r = await runCli(['run', 'sweep', '127.0.0.1:9-3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target "127.0.0.1:9-3" is not HOST:PORTS \(port range "9-3" runs backwards/);
    expect(r.stderr).toMatch(/hint: examples: 10.0.0.1:20000-20249/);
  });

  it('reads HOST:PORTS with names, IPv4 and bracketed IPv6 hosts', () => {
    expect(parseSweepTarget('10.0.0.1:20000-20249')).toEqual({ host: '10.0.0.1', ports: ['20000-20249'] });
    expect(parseSweepTarget('chat.example.com:80,443, 8000-8100')).toEqual({ host: 'chat.example.com', ports: [80, 443, '8000-8100'] });
    expect(parseSweepTarget('[2001:db8::1]:443')).toEqual({ host: '2001:db8::1', ports: [443] });
    for (const bad of ['host', 'host:', 'host:80,,81', 'https://x:443', '2001:db8::1:443', 'host:http'])
      expect(parseSweepTarget(bad), bad).toBeUndefined();
  });

  it('run tcp not-a-target exits 2 with examples', async () => {
    const r = await runCli(['run', 'tcp', 'not-a-target']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target "not-a-target" is not host:port/);
    expect(r.stderr).toMatch(/hint: /);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
  });

  it('run with an unknown check exits 2 with "did you mean"', async () => {
    const r = await runCli(['run', 'tpc', `127.0.0.1:${refusedPort}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown check "tpc"/);
    expect(r.stderr).toMatch(/did you mean "tcp"\?/);
  });
});

describe('output routing and colour', () => {
  it('--format terminal,json (two to stdout) exits 2', async () => {
    const r = await runCli(['run', 'tcp', `127.0.0.1:${refusedPort}`, '--format', 'terminal,json', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only one format can go to standard output/);
    expect(r.stdout).toBe('');
  });

  it('--format terminal,json=<file> writes both', async () => {
    const file = join(dir, 'out', 'report.json');
    const r = await runCli(['run', 'tcp', `127.0.0.1:${refusedPort}`, '--format', `terminal,json=${file}`, '--quiet']);
    expectOk(r);
    expect(r.stdout).toMatch(/siteready readiness report/);
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveProperty('verdict');
  });

  it('NO_COLOR output has no ANSI escapes; FORCE_COLOR=1 output has some', async () => {
    const args = ['run', 'tcp', `127.0.0.1:${refusedPort}`, '--quiet'];
    const plain = await runCli(args, { env: { NO_COLOR: '1', FORCE_COLOR: undefined } });
    expectOk(plain);
    expect(plain.stdout).toMatch(/siteready readiness report/);
    expect(plain.stdout).not.toMatch(ANSI);
    expect(plain.stderr).not.toMatch(ANSI);

    const coloured = await runCli(args, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expectOk(coloured);
    expect(coloured.stdout).toMatch(ANSI);

    const noColorFlag = await runCli([...args, '--no-color'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expectOk(noColorFlag);
    expect(noColorFlag.stdout).not.toMatch(ANSI);
  });

  it('error output follows NO_COLOR and FORCE_COLOR too', async () => {
    const plain = await runCli(['checks', 'nope'], { env: { NO_COLOR: '1', FORCE_COLOR: undefined } });
    expect(plain.code).toBe(2);
    expect(plain.stderr).not.toMatch(ANSI);
    const coloured = await runCli(['checks', 'nope'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(coloured.code).toBe(2);
    expect(coloured.stderr).toMatch(ANSI);
  });
});
