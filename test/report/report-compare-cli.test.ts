// `siteready report` (re-render, re-gate, refuse broken files), `siteready compare` (what changed,
// --fail-on-regression) and the GitHub step summary, through the built CLI.

import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { reportValidator } from '../helpers/peers.js';
import { FIXTURE, fixtureReport } from './report-fixture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sr-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('help', () => {
  it.each([['report'], ['compare']])('%s --help exits 0 with examples', async (cmd) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ siteready /);
  });

  it('an unknown format names the ones there are', async () => {
    const r = await runCli(['report', FIXTURE, '--format', 'sarf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean "sarif"/);
    const c = await runCli(['compare', FIXTURE, FIXTURE, '--format', 'junit']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/formats: terminal, json, md/);
  });
});

describe('siteready report', () => {
  it('re-renders every format from a saved report; the json still matches the report schema', async () => {
    const files = { json: 'r.json', md: 'r.md', junit: 'r.xml', sarif: 'r.sarif', html: 'r.html' };
    const spec = Object.entries(files)
      .map(([f, name]) => `${f}=${join(dir, name)}`)
      .join(',');
    const r = await runCli(['report', FIXTURE, '--format', `terminal,${spec}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('siteready readiness report');
    const validate = await reportValidator();
    const json = JSON.parse(await readFile(join(dir, files.json), 'utf8')) as unknown;
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(await readFile(join(dir, files.md), 'utf8')).toMatch(/^# siteready readiness report/);
    expect(await readFile(join(dir, files.junit), 'utf8')).toMatch(/^<\?xml version="1.0"/);
    expect(JSON.parse(await readFile(join(dir, files.sarif), 'utf8'))).toMatchObject({ version: '2.1.0' });
    expect(await readFile(join(dir, files.html), 'utf8')).toMatch(/<html/i);
  });

  it('--lang zh-CN re-renders in Chinese', async () => {
    const r = await runCli(['report', FIXTURE, '--lang', 'zh-CN', '--format', 'md']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('就绪评估报告');
    expect(r.stdout).toContain('所有客户端端点均使用加密协议');
  });

  it('re-gates: exit 1 when the gate fails, 0 when it passes, with the reasons', async () => {
    const failing = await runCli(['report', FIXTURE, '--fail-on', 'high', '--quiet']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/Gate failed: .*severity high or higher/);
    const passing = await runCli(['report', FIXTURE, '--fail-under', '80', '--min-grade', 'B']);
    expect(passing.code, passing.stdout).toBe(0);
    expect(passing.stdout).toContain('Gate passed.');
    const grade = await runCli(['report', FIXTURE, '--min-grade', 'A', '--json']);
    expect(grade.code).toBe(1);
    expect((JSON.parse(grade.stdout) as { gate: { passed: boolean; reasons: unknown[] } }).gate).toMatchObject({
      passed: false,
      reasons: [{ id: 'gate.minGrade', params: { grade: 'B', limit: 'A' } }],
    });
  });

  it('a broken file exits 2 with a clear message, before rendering anything', async () => {
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{ "schemaVersion": ');
    const a = await runCli(['report', notJson]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/not\.json is not JSON/);
    const wrong = join(dir, 'wrong.json');
    const report = fixtureReport() as unknown as Record<string, unknown>;
    delete report.verdict;
    (report.results as Array<Record<string, unknown>>)[0]!.status = 'great';
    await writeFile(wrong, JSON.stringify(report));
    const b = await runCli(['report', wrong]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/wrong\.json is not a valid siteready report/);
    expect(b.stderr).toMatch(/missing "verdict"/);
    expect(b.stderr).toMatch(/\/results\/0\/status/);
    expect(b.stdout).toBe('');
    const missing = await runCli(['report', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the report/);
  });
});

describe('siteready compare', () => {
  let worse: string;
  beforeAll(async () => {
    const r = fixtureReport();
    const bb = r.results.find((x) => x.check === 'bufferbloat')!;
    bb.status = 'fail';
    bb.score = 0.2;
    bb.measurements[0]!.value = 180;
    bb.findings = [{ id: 'bufferbloat.high', severity: 'high', message: { id: 'bufferbloat.high', params: { ms: 180 } } }];
    r.results = r.results.filter((x) => !(x.check === 'idle' && x.target === 'presence'));
    r.score = 79;
    r.grade = 'C';
    worse = join(dir, 'worse.json');
    await writeFile(worse, JSON.stringify(r));
  });

  it('lists what regressed, appeared and disappeared; --fail-on-regression exits 1', async () => {
    const r = await runCli(['compare', FIXTURE, worse, '--fail-on-regression', '--json']);
    expect(r.code).toBe(1);
    const c = JSON.parse(r.stdout) as {
      regressed: Array<{ check: string }>;
      appeared: { findings: Array<{ finding: string }> };
      disappeared: { results: Array<{ check: string; target: string }> };
      measurements: Array<{ measurement: string; direction: string }>;
      grade: { change: string };
      regressions: string[];
    };
    expect(c.regressed.map((x) => x.check)).toContain('bufferbloat');
    expect(c.appeared.findings.map((f) => f.finding)).toContain('bufferbloat.high');
    expect(c.disappeared.results).toContainEqual(expect.objectContaining({ check: 'idle', target: 'presence' }));
    expect(c.measurements).toContainEqual(expect.objectContaining({ measurement: 'bufferbloat', direction: 'worse' }));
    expect(c.grade.change).toBe('worse');
    expect(c.regressions.length).toBeGreaterThanOrEqual(3);
    // Why it failed is on stderr, whatever went to stdout.
    for (const reg of c.regressions) expect(r.stderr).toContain(`siteready: regression: ${reg}`);
  });

  it('without --fail-on-regression it reports and exits 0; the other way round is an improvement', async () => {
    const plain = await runCli(['compare', FIXTURE, worse]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/Regressed \(1\)/);
    // Only the bufferbloat result differs: going back from it is an improvement and nothing else.
    const r = fixtureReport();
    const bb = r.results.find((x) => x.check === 'bufferbloat')!;
    bb.status = 'fail';
    bb.score = 0.2;
    const before = join(dir, 'bufferbloat-failed.json');
    await writeFile(before, JSON.stringify(r));
    const back = await runCli(['compare', before, FIXTURE, '--fail-on-regression', '--lang', 'zh-CN', '--format', 'md']);
    expect(back.code, back.stdout).toBe(0);
    expect(back.stdout).toContain('没有变差项');
    expect(back.stdout).toMatch(/## 改善\n\n- bufferbloat · lab-reflector/);
  });

  it('identical reports: no regression; measurement noise under the tolerance is not listed', async () => {
    const r = fixtureReport();
    const lat = r.results.find((x) => x.measurements.some((m) => typeof m.value === 'number' && m.value > 10))!;
    const m = lat.measurements.find((x) => typeof x.value === 'number' && x.value > 10)!;
    m.value = (m.value as number) * 1.05;
    const noisy = join(dir, 'noisy.json');
    await writeFile(noisy, JSON.stringify(r));
    const out = await runCli(['compare', FIXTURE, noisy, '--fail-on-regression', '--json', '--tolerance', '10']);
    expect(out.code).toBe(0);
    expect((JSON.parse(out.stdout) as { measurements: unknown[] }).measurements).toEqual([]);
  });

  it('a broken file exits 2', async () => {
    const r = await runCli(['compare', FIXTURE, join(dir, 'missing.json')]);
    expect(r.code).toBe(2);
  });
});

describe('GitHub Actions step summary', () => {
  it('appends the Markdown report when GITHUB_ACTIONS=true, not with --no-step-summary', async () => {
    const summary = join(dir, 'summary.md');
    await writeFile(summary, '# earlier step\n');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const r = await runCli(['report', FIXTURE, '--quiet', '--format', `json=${join(dir, 's.json')}`], { env });
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('# earlier step\n')).toBe(true);
    expect(text).toContain('# siteready readiness report');
    const off = await runCli(['report', FIXTURE, '--no-step-summary', '--format', `json=${join(dir, 's.json')}`], { env });
    expect(off.code).toBe(0);
    expect(await readFile(summary, 'utf8')).toBe(text);
    await appendFile(summary, '');
    const notActions = await runCli(['report', FIXTURE, '--format', `json=${join(dir, 's.json')}`], {
      env: { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: '' },
    });
    expect(notActions.code).toBe(0);
    expect(await readFile(summary, 'utf8')).toBe(text);
  });
});
