// The SQLite history store on temporary files: versioned migrations, one transaction per run
// (a failure half-way leaves nothing behind), idempotent import, and the queries history and
// compare rely on.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS } from '../../src/history/migrations.js';
import { parseRunRef, pickRun } from '../../src/history/select.js';
import { openSqliteStore } from '../../src/history/sqlite.js';
import { StoreVersionError, runKey, type HistoryStore } from '../../src/history/store.js';
import type { Report } from '../../src/report/model.js';
import { fixtureReport } from '../report/report-fixture.js';

let dir: string;
let file: string;
const open: HistoryStore[] = [];

async function store(): Promise<HistoryStore> {
  const s = await openSqliteStore(file);
  open.push(s);
  return s;
}

/** The fixture as another run: its own site, start time and a latency measurement. */
function runOf(site: string, startedAt: string, score: number, rtt: number[] = []): Report {
  const r = fixtureReport();
  r.site = { ...r.site, name: site, sha256: `${site}-sha` };
  r.startedAt = startedAt;
  r.finishedAt = new Date(Date.parse(startedAt) + 60_000).toISOString();
  r.score = score;
  r.platforms = [{ id: 'microsoft-teams', version: '2026.11' } as NonNullable<Report['platforms']>[number]];
  r.causes = [
    {
      id: 'c1',
      kind: 'path',
      severity: 'high',
      blocking: true,
      title: { id: 'cause.path' },
      lead: { check: 'tcp', target: 'x', finding: 'tcp.refused' },
      results: 1,
      affected: [],
    },
  ] as unknown as Report['causes'];
  if (rtt.length) r.results = r.results.filter((x) => x.check !== 'latency');
  rtt.forEach((v, i) =>
    r.results.push({
      check: 'latency',
      target: `reflector-${i}`,
      category: 'media',
      status: 'pass',
      score: 100,
      durationMs: 1,
      measurements: [{ id: 'rtt-p50', value: v, unit: 'ms' }],
      facts: {},
      findings: [],
    } as unknown as Report['results'][number]),
  );
  return r;
}

function count(table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sr-history-'));
  file = join(dir, 'nested', 'history.sqlite');
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite store: migrations', () => {
  it('creates the schema on first open, records each migration once, and reopens without reapplying', async () => {
    const s = await store();
    expect(await s.schemaVersion()).toBe(LATEST_VERSION);
    await s.close();
    open.pop();
    const again = await store();
    expect(await again.schemaVersion()).toBe(LATEST_VERSION);
    expect(count('schema_migrations')).toBe(MIGRATIONS.length);
  });

  it('refuses a store written by a newer siteready', async () => {
    await (await store()).close();
    open.pop();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')").run();
    db.close();
    await expect(openSqliteStore(file)).rejects.toBeInstanceOf(StoreVersionError);
  });
});

describe('sqlite store: recording', () => {
  it('records a run with its results, measurements, causes and catalogs, and gives the report back whole', async () => {
    const s = await store();
    const report = runOf('HQ', '2026-03-01T08:00:00.000Z', 80);
    const out = await s.record(report);
    expect(out.created).toBe(true);
    expect(await s.run(out.id)).toEqual(report);
    expect(count('results')).toBe(report.results.length);
    expect(count('measurements')).toBe(report.results.reduce((n, r) => n + r.measurements.length, 0));
    expect(count('causes')).toBe(1);
    const [run] = await s.runs();
    expect(run).toMatchObject({ id: out.id, site: 'HQ', score: 80, grade: report.grade, verdict: report.verdict, complete: true });
    expect(run!.catalogs).toEqual([{ platform: 'microsoft-teams', version: '2026.11' }]);
  });

  it('importing the same run twice records it once', async () => {
    const s = await store();
    const report = runOf('HQ', '2026-03-01T08:00:00.000Z', 80);
    const first = await s.record(report);
    // A copy of the same run (e.g. the JSON file read back) is the same run.
    const second = await s.record(JSON.parse(JSON.stringify(report)) as Report);
    expect(second).toEqual({ id: first.id, created: false });
    expect(count('runs')).toBe(1);
    expect(count('results')).toBe(report.results.length);
    expect(runKey(report)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a failure half-way through a run leaves nothing of it behind', async () => {
    const s = await store();
    // A fault after the run row and its results are written, while measurements are.
    const db = new Database(file);
    db.exec("CREATE TRIGGER fail_measurements BEFORE INSERT ON measurements BEGIN SELECT RAISE(ABORT, 'simulated failure'); END");
    db.close();
    await expect(s.record(runOf('HQ', '2026-03-01T08:00:00.000Z', 80))).rejects.toThrow(/simulated failure/);
    for (const table of ['runs', 'run_catalogs', 'results', 'measurements', 'causes']) expect(count(table), table).toBe(0);
    expect(await s.runs()).toEqual([]);
    // The store still works: the same run is recorded once the fault is gone.
    const fix = new Database(file);
    fix.exec('DROP TRIGGER fail_measurements');
    fix.close();
    expect((await s.record(runOf('HQ', '2026-03-01T08:00:00.000Z', 80))).created).toBe(true);
  });
});

describe('sqlite store: queries', () => {
  async function filled(): Promise<HistoryStore> {
    const s = await store();
    await s.record(runOf('HQ', '2026-03-01T08:00:00.000Z', 60, [10, 30, 20]));
    await s.record(runOf('HQ', '2026-04-01T08:00:00.000Z', 70));
    await s.record(runOf('Branch', '2026-04-15T08:00:00.000Z', 90));
    await s.record(runOf('HQ', '2026-05-01T08:00:00.000Z', 80));
    return s;
  }

  it('lists runs newest first, by site, since a date, limited, and oldest first', async () => {
    const s = await filled();
    expect((await s.runs()).map((r) => r.score)).toEqual([80, 90, 70, 60]);
    expect((await s.runs({ site: 'HQ' })).map((r) => r.score)).toEqual([80, 70, 60]);
    expect((await s.runs({ since: '2026-04-01' })).map((r) => r.score)).toEqual([80, 90, 70]);
    expect((await s.runs({ limit: 2 })).map((r) => r.score)).toEqual([80, 90]);
    expect((await s.runs({ site: 'HQ', order: 'oldest' })).map((r) => r.score)).toEqual([60, 70, 80]);
    expect(await s.sites()).toEqual(['Branch', 'HQ']);
  });

  it('key measurements are medians over the targets', async () => {
    const s = await filled();
    const [oldest] = await s.runs({ site: 'HQ', order: 'oldest', limit: 1 });
    expect(oldest!.key.latencyMs).toBe(20);
  });

  it('a date picks the latest run at or before it (a day: its end), else the earliest after it', async () => {
    const s = await filled();
    const at = async (text: string, site?: string) => (await pickRun(s, parseRunRef(text), site))?.score;
    expect(await at('2026-04-01', 'HQ')).toBe(70);
    expect(await at('2026-03-31T23:00Z', 'HQ')).toBe(60);
    expect(await at('2026-01-01', 'HQ')).toBe(60);
    expect(await at('2027-01-01', 'Branch')).toBe(90);
    const [newest] = await s.runs({ limit: 1 });
    expect((await pickRun(s, parseRunRef(String(newest!.id)), undefined))?.id).toBe(newest!.id);
    expect(() => parseRunRef('yesterday')).toThrow(/neither a run id nor a date/);
  });
});
