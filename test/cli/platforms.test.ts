// `siteready platforms`: the listing with sources and dates, one catalog in full, and the update
// from a vendor-format feed served by a local mirror — after which assessments use the new ranges.

import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { parseSiteText } from '../../src/site/load.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'feeds');

describe('siteready platforms', () => {
  let cache: string;
  let server: Server;
  let base: string;
  let latest = '2025110300';
  const requests: string[] = [];

  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), 'siteready-platforms-'));
    // A mirror of the Microsoft 365 endpoints web service, in its own format.
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const path = (req.url ?? '').split('?')[0];
      if (path === '/version/Worldwide') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ instance: 'Worldwide', latest }));
      } else if (path === '/endpoints/Worldwide') {
        readFile(join(FIXTURES, `microsoft-endpoints-${latest}.json`)).then(
          (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body),
          () => res.writeHead(500).end(),
        );
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(cache, { recursive: true, force: true });
  });

  const env = () => ({ SITEREADY_CACHE_DIR: cache, HTTPS_PROXY: '', https_proxy: '' });

  it('--json lists every platform with its sources, dates and unconfirmed entries', async () => {
    const r = await runCli(['platforms', '--json'], { env: env() });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{
      id: string;
      version: string;
      sources: Array<{ url: string; read: string }>;
      unconfirmed: unknown[];
    }>;
    expect(list.map((p) => p.id)).toEqual(expect.arrayContaining(['microsoft-teams', 'zoom', 'dingtalk', 'matrix', 'jitsi']));
    for (const p of list) {
      expect(p.sources.length).toBeGreaterThan(0);
      for (const s of p.sources)
        expect(s).toMatchObject({ url: expect.stringMatching(/^https?:\/\//), read: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    }
    expect(list.find((p) => p.id === 'dingtalk')!.unconfirmed.length).toBeGreaterThan(0);
  });

  it('shows one catalog with its sources, and marks what is unconfirmed', async () => {
    const r = await runCli(['platforms', 'slack', '--lang', 'en'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Sources:/);
    expect(r.stdout).toMatch(/UNCONFIRMED: /);
    const zh = await runCli(['platforms', 'slack', '--lang', 'zh-CN'], { env: env() });
    expect(zh.stdout).toMatch(/未确认：/);
  });

  it('an unknown id is a usage error with a suggestion', async () => {
    const r = await runCli(['platforms', 'zom'], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown platform "zom"/);
    expect(r.stderr).toMatch(/did you mean "zoom"/);
  });

  it('update from a mirror: prints the new version and the changed ranges; assessments then use them', async () => {
    const first = await runCli(['platforms', 'update', 'microsoft-teams', '--source-url', base, '--lang', 'en'], { env: env() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/microsoft-teams: 2026-12-07 → 2025110300/);

    latest = '2025120100';
    const second = await runCli(['platforms', 'update', 'microsoft-teams', '--source-url', base, '--force', '--json'], { env: env() });
    expect(second.code, second.stderr).toBe(0);
    const out = JSON.parse(second.stdout) as {
      platforms: Array<{ status: string; version: string; diff: { ranges: { added: string[]; removed: string[] } } }>;
    };
    expect(out.platforms[0]).toMatchObject({ status: 'new', version: '2025120100' });
    expect(out.platforms[0]!.diff.ranges.added).toContain('52.123.0.0/16');
    expect(out.platforms[0]!.diff.ranges.removed).toContain('13.107.64.0/18');

    // The next assessment's catalog is the updated one: its version, its ranges.
    const site = parseSiteText('version: 1\nsite: { name: s }\nplatform: { preset: microsoft-teams }\n', 'site.yaml', {
      env: {},
      catalogCache: cache,
    }).site;
    const catalog = site.platform.catalogs![0]!;
    expect(catalog.version).toBe('2025120100');
    const cidrs = (catalog.ranges ?? []).flatMap((r) => [...(r.ipv4 ?? []), ...(r.ipv6 ?? [])]);
    expect(cidrs).toContain('52.123.0.0/16');
    expect(cidrs).not.toContain('13.107.64.0/18');

    const shown = await runCli(['platforms', 'microsoft-teams', '--lang', 'en'], { env: env() });
    expect(shown.stdout).toMatch(/updated from the vendor feed: 2025120100/);
  });

  it('a mirror that is down fails the update (exit 1) and the stored catalog keeps serving', async () => {
    const r = await runCli(
      ['platforms', 'update', 'microsoft-teams', '--source-url', 'http://127.0.0.1:1', '--force', '--timeout', '5', '--lang', 'en'],
      {
        env: env(),
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/microsoft-teams: not updated — .*; assessments keep using 2025120100/);
  });

  it('a damaged cache file is ignored with a warning, never a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'siteready-badcache-'));
    try {
      await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'platforms'), { recursive: true }));
      await writeFile(join(dir, 'platforms', 'zoom.json'), '{"schema": 1, "truncated');
      const r = await runCli(['platforms', 'zoom'], { env: { SITEREADY_CACHE_DIR: dir } });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/warning: .*zoom\.json is not valid JSON; ignored/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
