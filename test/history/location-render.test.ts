// Where a store is (and that its password never shows), and what history renders: JSON runs[],
// a self-contained HTML page with one trend chart per site, tables in both languages.

import { describe, expect, it } from 'vitest';
import { dataDir, defaultStorePath, maskUrlPassword, parseStoreLocation } from '../../src/history/location.js';
import { numberPlaceholders } from '../../src/history/postgres.js';
import { renderHistory, type HistoryView } from '../../src/history/render.js';
import type { StoredRun } from '../../src/history/store.js';

describe('store locations', () => {
  it('the default file is in the user data directory of each platform', () => {
    expect(defaultStorePath({ XDG_DATA_HOME: '/x/data' }, 'linux')).toBe('/x/data/siteready/history.sqlite');
    expect(dataDir({}, 'linux', '/home/u')).toBe('/home/u/.local/share/siteready');
    expect(dataDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/u')).toBe('/home/u/.local/share/siteready');
    expect(dataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/siteready');
    expect(dataDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toContain('siteready');
  });

  it('--store with no value or "default" is that file; sqlite:PATH resolves against the working directory', () => {
    for (const spec of [true, 'default', undefined]) {
      const l = parseStoreLocation(spec, { env: { XDG_DATA_HOME: '/x' }, platform: 'linux' });
      expect(l).toMatchObject({ kind: 'sqlite', path: '/x/siteready/history.sqlite' });
    }
    expect(parseStoreLocation('sqlite:runs/h.sqlite', { cwd: '/srv/audit' })).toMatchObject({
      kind: 'sqlite',
      path: '/srv/audit/runs/h.sqlite',
    });
    expect(parseStoreLocation('sqlite:/abs/h.sqlite')).toMatchObject({ path: '/abs/h.sqlite' });
    expect(() => parseStoreLocation('mysql://db/x')).toThrow(/unknown kind of store/);
    expect(() => parseStoreLocation('sqlite:')).toThrow(/needs a file path/);
  });

  it('a postgres password never shows, and ${VAR} references are expanded (encoded) from the environment', () => {
    const l = parseStoreLocation('postgres://sr:${PGPASS}@db.example:5432/sr', { env: { PGPASS: 'p@ss/w:rd#1' } });
    if (l.kind !== 'postgres') throw new Error('postgres expected');
    expect(l.url).toBe('postgres://sr:p%40ss%2Fw%3Ard%231@db.example:5432/sr');
    expect(l.display).toBe('postgres://sr:***@db.example:5432/sr');
    // A reference can be printed back as it was written; a literal password cannot.
    expect(l.spec).toBe('postgres://sr:${PGPASS}@db.example:5432/sr');
    expect(l.redactor.redact('failed for p@ss/w:rd#1 and p%40ss%2Fw%3Ard%231')).not.toMatch(/p@ss|p%40ss/);
    const literal = parseStoreLocation('postgresql://sr:Sup3rSecret@db/sr');
    expect(`${literal.display} ${literal.spec}`).not.toContain('Sup3rSecret');
    expect(() => parseStoreLocation('postgres://sr:${NOPE}@db/sr', { env: {} })).toThrow(/\$\{NOPE\}, which is not set/);
    expect(maskUrlPassword('postgres://u:pw@h/db')).toBe('postgres://u:***@h/db');
    expect(maskUrlPassword('not a url //u:pw@h')).not.toContain('pw@');
  });

  it('placeholders become $1, $2, … for PostgreSQL', () => {
    expect(numberPlaceholders('INSERT INTO t (a, b) VALUES (?, ?), (?, ?)')).toBe('INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)');
  });
});

function run(id: number, site: string, startedAt: string, score: number | null, grade: string | null): StoredRun {
  return {
    id,
    site,
    siteFile: 'site.yaml',
    siteSha256: 'x',
    startedAt,
    finishedAt: startedAt,
    recordedAt: startedAt,
    toolVersion: '0.1.0',
    schemaVersion: '2.2.0',
    score,
    grade,
    verdict: score === null ? 'NOT READY' : score >= 80 ? 'READY' : 'READY WITH RISKS',
    complete: score !== null,
    catalogs: [],
    blockers: 0,
    risks: 1,
    key: { latencyMs: 12.5, lossPercent: 0 },
  };
}

const view: HistoryView = {
  store: 'sqlite:/var/lib/siteready/h.sqlite',
  toolVersion: '0.1.0',
  runs: [
    run(3, 'HQ <main>', '2026-05-01T08:00:00.000Z', 85, 'A'),
    run(2, 'Branch', '2026-04-15T08:00:00.000Z', 55, 'C'),
    run(1, 'HQ <main>', '2026-03-01T08:00:00.000Z', null, null),
  ],
};

describe('history rendering', () => {
  it('JSON is { runs: [...] } with the key measurements', () => {
    const out = JSON.parse(renderHistory(view, 'json', { lang: 'en', color: false })) as { runs: Array<Record<string, unknown>> };
    expect(out.runs.map((r) => r.id)).toEqual([3, 2, 1]);
    expect(out.runs[0]).toMatchObject({
      site: 'HQ <main>',
      score: 85,
      grade: 'A',
      verdict: 'READY',
      complete: true,
      measurements: { latencyMs: 12.5 },
    });
  });

  it('HTML stands alone: one escaped trend chart per site, nothing fetched, no script', () => {
    const page = renderHistory(view, 'html', { lang: 'en', color: false });
    expect(page.match(/<svg /g)).toHaveLength(2);
    expect(page).toContain('HQ &lt;main&gt;');
    expect(page).not.toContain('<main>H');
    expect(page).not.toMatch(/<script|src="http|href="http|url\(http/);
  });

  it('terminal and Markdown tables, in English and Chinese', () => {
    const en = renderHistory(view, 'terminal', { lang: 'en', color: false });
    expect(en).toContain('Started (UTC)');
    expect(en).toMatch(/3 {2,}2026-05-01 08:00 {2,}HQ <main> {2,}85 {2,}A {2,}READY/);
    expect(en).toContain('RTT 12.5 ms');
    expect(renderHistory(view, 'terminal', { lang: 'zh-CN', color: false })).toContain('开始时间');
    expect(renderHistory(view, 'md', { lang: 'en', color: false })).toContain('| 3 | 2026-05-01 08:00 |');
    expect(renderHistory({ ...view, runs: [], site: 'X' }, 'terminal', { lang: 'en', color: false })).toContain('No runs of X');
  });
});
