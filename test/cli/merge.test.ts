// `siteready merge` through the built CLI: 200 generated site reports (and earlier runs of some)
// into every format, the JSON checked against the published fleet schema, the HTML and CSV checked
// for report data that must stay data, and inputs that are not reports refused with exit 2.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFleetReports } from '../../bench/fleet-reports.mjs';
import { fleetSchema } from '../../src/fleet/schema.js';
import { runCli } from '../helpers/cli.js';

const SITES = 200;
let dir: string;
let reports: string;
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sr-merge-'));
  reports = join(dir, 'reports');
  await mkdir(reports);
  files = writeFleetReports(reports, SITES) as string[];
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('siteready merge', () => {
  it(`merges ${SITES} site reports into every format`, async () => {
    const out = { json: 'fleet.json', md: 'fleet.md', html: 'fleet.html', csv: 'fleet.csv' };
    const spec = Object.entries(out)
      .map(([f, name]) => `${f}=${join(dir, name)}`)
      .join(',');
    const r = await runCli(['merge', reports, '--format', `terminal,${spec}`, '--title', 'Example Bank <branches>']);
    // Recorded, not asserted: the time goes in BENCHMARKS.md from bench/merge.mjs.
    console.log(`merge of ${files.length} reports (${SITES} sites) into 5 formats: ${r.ms} ms`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`merged ${files.length} report\\(s\\) into ${SITES} site\\(s\\)`));
    expect(r.stdout).toContain('What blocks the most sites');

    const fleet = JSON.parse(await readFile(join(dir, out.json), 'utf8')) as any;
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    const validate = ajv.compile(fleetSchema);
    expect(validate(fleet), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(fleet.sites).toHaveLength(SITES);
    expect(fleet.summary.superseded).toBe(files.length - SITES);
    expect(fleet.summary.ready + fleet.summary.readyWithRisks + fleet.summary.notReady).toBe(SITES);
    // Worst first.
    const rank = { 'NOT READY': 0, 'READY WITH RISKS': 1, READY: 2 } as Record<string, number>;
    const order = fleet.sites.map((s: any) => rank[s.verdict]! * 1000 + (s.score ?? -1));
    expect(order).toEqual([...order].sort((a: number, b: number) => a - b));
    // Causes ranked by the sites they block; the per-site proxy and capacity causes group across sites.
    const blocks = fleet.causes.map((c: any) => c.blocks.length);
    expect(blocks).toEqual([...blocks].sort((a: number, b: number) => b - a));
    expect(fleet.causes.map((c: any) => c.key)).toEqual(
      expect.arrayContaining(['proxy:*:proxy-denied', 'finding:capacity:capacity.tight']),
    );
    expect(fleet.causes.length).toBeLessThanOrEqual(7);
    expect(fleet.platforms.map((p: any) => p.id)).toEqual(expect.arrayContaining(['microsoft-teams', 'zoom', 'feishu']));
    expect(fleet.warnings.map((w: any) => w.id)).toContain('fleet.warn.catalogVersions');

    const html = await readFile(join(dir, out.html), 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Example Bank &lt;branches&gt;');
    expect(html).toMatch(/data-fact="sites">200</);
    // Self-contained: nothing to fetch.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);

    const csv = await readFile(join(dir, out.csv), 'utf8');
    const rows = csv.split('\r\n');
    expect(rows.at(-1)).toBe('');
    // One row per site under the header; the site with a line break in its name is one quoted field.
    expect(csv.match(/\r\n/g)).toHaveLength(SITES + 1);
    for (const name of ['=HYPERLINK', '+cmd', '-2+3', '@SUM']) {
      expect(csv).not.toMatch(new RegExp(`(^|\\r\\n|,)"?${name.replace(/[+=@]/g, '\\$&').replace('(', '\\(')}`));
    }
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);

    const md = await readFile(join(dir, out.md), 'utf8');
    expect(md).toMatch(/^# Example Bank &lt;branches&gt;/);
    expect(md).toContain('&lt;script&gt;');
  });

  it('reads directories and patterns, in Chinese on request', async () => {
    const r = await runCli(['merge', join(reports, '*-earlier.json'), '--lang', 'zh-CN', '-f', 'md', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^# siteready 多站点汇总报告/);
    expect(r.stdout).toContain(`共 ${files.length - SITES} 个站点`);
  });

  it('piped without --format, writes the JSON model; --out alone takes the format from the extension', async () => {
    const r = await runCli(['merge', files[0]!, files[1]!, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).schemaVersion).toMatch(/^1\./);
    const out = join(dir, 'two.csv');
    const o = await runCli(['merge', files[0]!, files[1]!, '-q', '-o', out]);
    expect(o.code, o.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^site,organisation,verdict,/);
  });

  it('refuses a file that is not a report, naming it, without a stack trace (exit 2)', async () => {
    const bad = join(dir, 'not-a-report.json');
    await writeFile(bad, JSON.stringify({ hello: 'world' }));
    const r = await runCli(['merge', files[0]!, bad, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not-a-report.json');
    expect(r.stderr).toMatch(/not a valid siteready report/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');

    const text = join(dir, 'notes.json');
    await writeFile(text, 'not json');
    const t = await runCli(['merge', text]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/notes\.json is not JSON/);

    const missing = await runCli(['merge', join(dir, 'nowhere.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.json does not exist/);

    const empty = join(dir, 'empty');
    await mkdir(empty);
    const none = await runCli(['merge', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/holds no \.json report/);
  });

  it('help has examples; schema --fleet prints the published schema', async () => {
    const h = await runCli(['merge', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Examples:\n {2}\$ siteready merge /);
    const s = await runCli(['schema', '--fleet']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).title).toBe('siteready fleet report');
  });
});

describe('siteready merge --store', () => {
  it('merges the latest run of every site recorded in a history store', async () => {
    const store = `sqlite:${join(dir, 'history.sqlite')}`;
    // 12 reports into the store: some sites measured twice (the generator writes earlier runs too).
    const some = files.slice(0, 12);
    for (const f of some) {
      const r = await runCli(['report', f, '--store', store, '--quiet', '--format', 'json', '--out', join(dir, 'ignored.json')]);
      expect(r.code, r.stderr).toBe(0);
    }
    const sites = new Set<string>();
    for (const f of some) sites.add(JSON.parse(await readFile(f, 'utf8')).site.name);
    const r = await runCli(['merge', '--store', store, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const fleet = JSON.parse(r.stdout);
    expect(fleet.sites.map((s: { site: string }) => s.site).sort()).toEqual([...sites].sort());
    expect(fleet.summary.superseded).toBe(0);

    const none = await runCli(['merge']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no reports to merge');
  });
});
