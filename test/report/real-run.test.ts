// Real runs against the loopback lab: secrets (proxy password, TURN password, reflector token, all
// from ${ENV} in the site file) never appear in any format, and `siteready demo --lang zh-CN`
// writes Markdown with no English catalog text in it.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoLab, type DemoLab } from '../../src/lab/demo-lab.js';
import { en } from '../../src/i18n/en.js';
import { runCli } from '../helpers/cli.js';
import { catalogValues, englishPieces, leaks } from './english-leaks.js';
import { fixtureCatalogs } from './report-fixture.js';

const FORMATS = ['json', 'md', 'junit', 'sarif', 'html'] as const;

let dir: string;
let lab: DemoLab;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sr-real-'));
  lab = await startDemoLab();
});
afterAll(async () => {
  await lab?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('secrets never appear in any format', () => {
  it('assess the demo site (proxy and TURN passwords, reflector token from the environment) → terminal, json, md, junit, sarif, html; then report re-renders them', async () => {
    const secrets = ['SITEREADY_LAB_PROXY_PASSWORD', 'SITEREADY_LAB_TURN_PASSWORD', 'SITEREADY_LAB_TOKEN'].map((k) => lab.env[k]!);
    for (const s of secrets) expect(s.length).toBeGreaterThanOrEqual(16);
    const spec = FORMATS.map((f) => `${f}=${join(dir, `assess.${f}`)}`).join(',');
    const run = await runCli(['assess', 'examples/demo-site.yaml', '--format', `terminal,${spec}`, '--verbose'], {
      env: lab.env,
      timeoutMs: 90_000,
    });
    expect(run.code === 0 || run.code === 1, run.stderr).toBe(true);
    const outputs: Record<string, string> = { terminal: run.stdout, stderr: run.stderr };
    for (const f of FORMATS) outputs[f] = await readFile(join(dir, `assess.${f}`), 'utf8');
    // The proxy was used with its password: the secret was there to leak.
    const report = JSON.parse(outputs.json!) as { results: Array<{ facts: { path?: string } }> };
    expect(report.results.some((r) => r.facts.path === 'proxy')).toBe(true);

    // The same report rendered again, in both languages, must not bring them back either.
    for (const lang of ['en', 'zh-CN']) {
      const again = FORMATS.map((f) => `${f}=${join(dir, `report-${lang}.${f}`)}`).join(',');
      const r = await runCli(['report', join(dir, 'assess.json'), '--lang', lang, '--format', `terminal,${again}`]);
      expect(r.code, r.stderr).toBe(0);
      outputs[`report-${lang}.terminal`] = r.stdout;
      for (const f of FORMATS) outputs[`report-${lang}.${f}`] = await readFile(join(dir, `report-${lang}.${f}`), 'utf8');
    }
    for (const [name, text] of Object.entries(outputs)) {
      for (const s of secrets) expect(text.includes(s), `${name} contains a secret`).toBe(false);
    }
  }, 120_000);
});

describe('siteready demo --lang zh-CN', () => {
  it('writes Markdown without English catalog text', async () => {
    const md = join(dir, 'demo.zh.md');
    const r = await runCli(['demo', '--lang', 'zh-CN', '--format', `md=${md}`, '--quiet', '--report-file', join(dir, 'demo.json')], {
      cwd: dir,
      timeoutMs: 90_000,
    });
    expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
    const text = await readFile(md, 'utf8');
    expect(text).toContain('就绪评估报告');
    const values = catalogValues(en, [
      'report.',
      'md.',
      'check.',
      'status.',
      'verdict.',
      'category.',
      'severity.',
      'cap.',
      'outcome.',
      'col.',
    ]);
    for (const [, c] of await fixtureCatalogs()) values.push(...Object.values(c.en));
    expect(leaks(text, englishPieces(values))).toEqual([]);
  }, 120_000);
});
