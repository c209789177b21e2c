// `siteready demo --platform a,b`: the loopback lab answers for the platforms' hosts, each
// platform is judged on its own, and every human format shows the side-by-side table.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import type { Report } from '../../src/report/model.js';

describe('demo --platform: pre-purchase comparison on loopback', () => {
  let dir: string;
  let run: CliResult;
  let report: Report;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'siteready-compare-'));
    run = await runCli(
      [
        'demo',
        '--platform',
        'microsoft-teams,zoom,mattermost',
        '--lang',
        'en',
        '-f',
        `terminal,json=${join(dir, 'r.json')},md=${join(dir, 'r.md')},html=${join(dir, 'r.html')}`,
      ],
      { timeoutMs: 170_000 },
    );
    report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8')) as Report;
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes platforms[]: one verdict per platform, with the catalog version it used', () => {
    expect(run.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    const platforms = report.platforms ?? [];
    expect(platforms.map((p) => p.id)).toEqual(['microsoft-teams', 'zoom', 'mattermost']);
    for (const p of platforms) {
      expect(p.version).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(['READY', 'READY WITH RISKS', 'NOT READY']).toContain(p.verdict);
      expect(p.endpoints).toBeGreaterThan(0);
      expect(p.blockerCount).toBeGreaterThanOrEqual(p.blockers.length);
    }
  });

  it("measures the platforms' own endpoints, the Teams media relay as the latency far end included", () => {
    const targets = new Set(report.results.map((r) => `${r.check}:${r.target}`));
    expect(targets).toContain('dns:teams.microsoft.com');
    expect([...targets].some((t) => t.startsWith('http:microsoft-teams/'))).toBe(true);
    expect([...targets].some((t) => t.startsWith('stun:microsoft-teams/'))).toBe(true);
    expect([...targets].some((t) => t.startsWith('latency:microsoft-teams/'))).toBe(true);
    expect([...targets].some((t) => t.startsWith('websocket:mattermost/'))).toBe(true);
  });

  it("lists a platform's own blockers first, counted apart from the site-wide ones", () => {
    for (const p of report.platforms ?? []) {
      const own = p.blockers.filter((b) => b.own);
      expect(p.blockers.slice(0, own.length)).toEqual(own);
      for (const b of own) expect(b.target.startsWith(`${p.id}/`)).toBe(true);
      expect(p.ownBlockerCount).toBeLessThanOrEqual(p.blockerCount);
    }
  });

  it("judges each platform without the others' endpoints", () => {
    for (const p of report.platforms ?? []) {
      for (const b of p.blockers) {
        const owner = /^([a-z0-9-]+)\//.exec(b.target)?.[1];
        if (owner && (report.platforms ?? []).some((q) => q.id === owner)) expect(owner).toBe(p.id);
      }
    }
  });

  it('terminal, Markdown and HTML show the side-by-side table', async () => {
    expect(run.stdout).toMatch(/Platforms compared on this site/);
    const md = await readFile(join(dir, 'r.md'), 'utf8');
    expect(md).toMatch(/## Platforms compared on this site/);
    expect(md).toMatch(/\| Microsoft Teams .*\| `microsoft-teams 2026-12-07` \|/);
    const html = await readFile(join(dir, 'r.html'), 'utf8');
    expect(html).toMatch(/<section class="chapter" id="platforms">/);
    expect((html.match(/<tr><td><strong>/g) ?? []).length).toBe(3);
  });
});
