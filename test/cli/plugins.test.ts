// Third-party checks that misbehave — throw at load, throw in run, hang, return nonsense, or are
// not checks at all — through the built CLI. A misbehaving plugin fails its own tasks, never the
// run; a plugin that is not a check at all is a configuration error.
// Plugins are plain objects: 'siteready/plugin' does not resolve from a temp dir.

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { freePort } from '../../src/lab/demo-lab.js';

interface ReportResult {
  check: string;
  target: string;
  status: string;
  error?: { kind: string; message: string };
  facts?: Record<string, unknown>;
}

let dir: string;
let refusedPort: number;

beforeAll(async () => {
  refusedPort = await freePort();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'siteready-plugins-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const meta = (id: string) =>
  JSON.stringify({
    id,
    title: `${id} works`,
    failureTitle: `${id} fails`,
    description: 'test plugin',
    category: 'integration',
    severity: 'medium',
    weight: 1,
    references: [],
  });

/** A plugin module whose run() body is given; it targets every endpoint. */
function pluginSource(id: string, runBody: string, prelude = ''): string {
  return `${prelude}
export default {
  meta: ${meta(id)},
  messages: { en: {} },
  targets(site) {
    return site.platform.endpoints.map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
  },
  ${runBody}
};
`;
}

async function writePlugin(file: string, source: string): Promise<void> {
  await writeFile(join(dir, file), source);
}

async function writeSite(plugins: string[], extra = ''): Promise<string> {
  const text = `version: 1
site:
  name: Plugin tests
platform:
  endpoints:
    - name: local
      host: 127.0.0.1
      port: ${refusedPort}
plugins:
${plugins.map((p) => `  - ${p}`).join('\n')}
${extra}`;
  await writeFile(join(dir, 'site.yaml'), text);
  return 'site.yaml';
}

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, timeoutMs: 30_000 });
}

async function assessJson(): Promise<{ r: CliResult; results: ReportResult[] }> {
  const r = await cli(['assess', 'site.yaml', '--format', 'json', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  const report = JSON.parse(r.stdout) as { results: ReportResult[] };
  return { r, results: report.results };
}

function only(results: ReportResult[], check: string): ReportResult[] {
  return results.filter((x) => x.check === check);
}

describe('plugins', () => {
  it('a plugin that throws at load: assess completes with a load-error result; validate exits 2', async () => {
    await writePlugin('broken-load.mjs', "throw new Error('cannot initialise acme client');\n");
    await writePlugin('fine.mjs', pluginSource('acme/fine', "async run() { return { status: 'pass', score: 1 }; }"));
    await writeSite(['./broken-load.mjs', './fine.mjs']);

    const { results } = await assessJson();
    const broken = results.filter((x) => x.error?.kind === 'load-error');
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ status: 'error' });
    expect(broken[0]!.error!.message).toMatch(/cannot initialise acme client/);
    // Every other check still ran.
    expect(only(results, 'acme/fine')).toEqual([expect.objectContaining({ target: 'local', status: 'pass' })]);
    expect(only(results, 'tcp')).toEqual([expect.objectContaining({ target: 'local', status: 'fail' })]);
    expect(only(results, 'tcp')[0]!.facts).toMatchObject({ classification: 'refused' });

    const v = await cli(['validate', 'site.yaml', '--load-plugins']);
    expect(v.code, v.stderr).toBe(2);
    expect(v.stderr).toMatch(/site\.yaml:10:5: error: .*broken-load\.mjs: cannot initialise acme client/);
    expect(v.stderr).toMatch(/hint: /);
    expect(v.stderr).not.toMatch(/^ {4}at /m);
  });

  it('a plugin that throws in run: that task is error/exception, the rest completes', async () => {
    await writePlugin('throws.mjs', pluginSource('acme/throws', "async run() { throw new Error('probe exploded'); }"));
    await writePlugin('fine.mjs', pluginSource('acme/fine', "async run() { return { status: 'warn', score: 0.6 }; }"));
    await writeSite(['./throws.mjs', './fine.mjs']);

    const { results } = await assessJson();
    expect(only(results, 'acme/throws')).toEqual([
      expect.objectContaining({
        target: 'local',
        status: 'error',
        error: { kind: 'exception', message: expect.stringMatching(/probe exploded/) },
      }),
    ]);
    expect(only(results, 'acme/fine')).toEqual([expect.objectContaining({ status: 'warn' })]);
    expect(only(results, 'tcp')).toHaveLength(1);
  });

  it('a plugin whose run never resolves is stopped at its deadline (checks.<id>.timeoutMs) and the CLI exits promptly', async () => {
    await writePlugin('hang.mjs', pluginSource('acme/hang', 'run() { return new Promise(() => {}); }'));
    await writePlugin('fine.mjs', pluginSource('acme/fine', "async run() { return { status: 'pass', score: 1 }; }"));
    await writeSite(['./hang.mjs', './fine.mjs'], 'checks:\n  "acme/hang":\n    timeoutMs: 300\n');

    const { r, results } = await assessJson();
    const hang = only(results, 'acme/hang');
    expect(hang).toEqual([
      expect.objectContaining({ target: 'local', status: 'error', error: expect.objectContaining({ kind: 'timeout' }) }),
    ]);
    expect(hang[0]!.error!.message).toMatch(/300 ms/);
    expect(only(results, 'acme/fine')).toEqual([expect.objectContaining({ status: 'pass' })]);
    // The default task deadline is 15 s; the whole CLI must finish far sooner.
    expect(r.ms).toBeLessThan(10_000);
  });

  it('a plugin with a non-namespaced id is a configuration error (exit 2)', async () => {
    await writePlugin('bare.mjs', pluginSource('sip-options', "async run() { return { status: 'pass', score: 1 }; }"));
    await writeSite(['./bare.mjs']);
    for (const command of ['assess', 'validate']) {
      const r = await cli([command, 'site.yaml', ...(command === 'assess' ? ['--quiet'] : ['--load-plugins'])]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/site\.yaml:10:5: error: \/plugins\/0: plugin "\.\/bare\.mjs": meta\.id "sip-options" must be namespaced/);
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stderr).not.toMatch(/^ {4}at /m);
      expect(r.stdout).toBe('');
    }
  });

  it('a plugin that returns an invalid outcome (score 7) gives error/invalid-outcome', async () => {
    await writePlugin('seven.mjs', pluginSource('acme/seven', "async run() { return { status: 'pass', score: 7 }; }"));
    await writeSite(['./seven.mjs']);
    const { results } = await assessJson();
    expect(only(results, 'acme/seven')).toEqual([
      expect.objectContaining({ status: 'error', error: { kind: 'invalid-outcome', message: expect.stringMatching(/score 7/) } }),
    ]);
    expect(only(results, 'tcp')).toHaveLength(1);
  });

  it('two plugins declaring the same id are a configuration error', async () => {
    // Namespaced ids cannot collide with built-ins; two plugins declaring the same id can.
    await writePlugin('one.mjs', pluginSource('acme/same', "async run() { return { status: 'pass', score: 1 }; }"));
    await writePlugin('two.mjs', pluginSource('acme/same', "async run() { return { status: 'pass', score: 1 }; }"));
    await writeSite(['./one.mjs', './two.mjs']);
    const r = await cli(['validate', 'site.yaml', '--load-plugins']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/check id "acme\/same" from \.\/two\.mjs is already defined by \.\/one\.mjs/);
    expect(r.stderr).toMatch(/site\.yaml:11:5/);
  });

  it('validate finds the plugins a file names but runs none of their code unless --load-plugins', async () => {
    // A site file from a pull request must not get code run by a CI job that only validates it.
    const marker = join(dir, 'plugin-ran');
    await writePlugin(
      'loud.mjs',
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n${pluginSource('acme/loud', "async run() { return { status: 'pass', score: 1 }; }")}`,
    );
    await writeSite(['./loud.mjs'], 'checks:\n  "acme/loud":\n    timeoutMs: 500\n');
    const quiet = await cli(['validate', 'site.yaml']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/1 plugin\(s\) found but not loaded \(--load-plugins/);
    expect(existsSync(marker)).toBe(false);
    const json = await cli(['validate', 'site.yaml', '--json']);
    expect(JSON.parse(json.stdout).plugins).toEqual({ named: 1, loaded: false });
    expect(existsSync(marker)).toBe(false);

    const loaded = await cli(['validate', 'site.yaml', '--load-plugins']);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);

    // A plugin that is not there is still an error without loading anything.
    await writeSite(['./missing.mjs']);
    const missing = await cli(['validate', 'site.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/plugin "\.\/missing\.mjs" not found/);
  });
});
