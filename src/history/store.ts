// The history store, the same for every database: one run is one transaction (the run row, its
// platform catalogs, results, measurements and causes, all or nothing), keyed so that importing the
// same report twice records it once. The full report JSON is kept beside the normalised rows, so a
// stored run can be rendered again or compared; the rows are for queries.

import { createHash } from 'node:crypto';
import type { Report } from '../report/model.js';
import { LATEST_VERSION, MIGRATIONS, type Dialect } from './migrations.js';

export type SqlValue = string | number | boolean | null;

/** One statement in the current transaction (or on its own). `?` placeholders, in order. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<R[]>;
}

/** What a database driver gives the store: statements, transactions, and a way to let go. */
export interface Connection extends Queryable {
  dialect: Dialect;
  /** Runs fn in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Serialises migrations between processes opening the same store at once (inside a transaction). */
  lockForMigration(tx: Queryable): Promise<void>;
  close(): Promise<void>;
}

/** The few measurements a history row shows: medians over the run's targets, when measured. */
export interface KeyMeasurements {
  latencyMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  downMbps?: number;
  upMbps?: number;
  connectMs?: number;
}

export const KEY_MEASUREMENTS: Array<{ key: keyof KeyMeasurements; check: string; measurement: string; unit: string }> = [
  { key: 'latencyMs', check: 'latency', measurement: 'rtt-p50', unit: 'ms' },
  { key: 'jitterMs', check: 'latency', measurement: 'jitter', unit: 'ms' },
  { key: 'lossPercent', check: 'latency', measurement: 'loss', unit: '%' },
  { key: 'downMbps', check: 'throughput', measurement: 'throughput-down', unit: 'Mbit/s' },
  { key: 'upMbps', check: 'throughput', measurement: 'throughput-up', unit: 'Mbit/s' },
  { key: 'connectMs', check: 'tcp', measurement: 'connectMs', unit: 'ms' },
];

export interface StoredRun {
  id: number;
  site: string;
  siteFile: string;
  siteSha256: string;
  startedAt: string;
  finishedAt: string;
  recordedAt: string;
  toolVersion: string;
  schemaVersion: string;
  score: number | null;
  grade: string | null;
  verdict: string;
  complete: boolean;
  catalogs: Array<{ platform: string; version: string }>;
  blockers: number;
  risks: number;
  key: KeyMeasurements;
}

export interface RunQuery {
  id?: number;
  site?: string;
  /** ISO date or date-time: runs that started at or after it. */
  since?: string;
  /** Runs that started at or before it. */
  until?: string;
  limit?: number;
  /** Newest first (the default) or oldest first. */
  order?: 'newest' | 'oldest';
}

export interface RecordOutcome {
  id: number;
  /** false: the same run was already stored (same site file, start time and tool version). */
  created: boolean;
}

export interface HistoryStore {
  /** Where the store is, password masked. */
  readonly display: string;
  record(report: Report): Promise<RecordOutcome>;
  runs(query?: RunQuery): Promise<StoredRun[]>;
  /** The report as it was recorded. */
  run(id: number): Promise<Report | undefined>;
  sites(): Promise<string[]>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** A store whose schema is newer than this siteready knows. */
export class StoreVersionError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the store's schema is version ${found}, newer than this siteready knows (${known}): upgrade siteready`);
    this.name = 'StoreVersionError';
  }
}

/** Same site file, same start, same tool: the same run, whichever copy of its report is imported. */
export function runKey(report: Report): string {
  return createHash('sha256')
    .update(`${report.site.sha256}\u0000${iso(report.startedAt)}\u0000${report.tool.name}@${report.tool.version}`)
    .digest('hex');
}

function iso(v: unknown): string {
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
}

const ROWS_PER_INSERT = 200;

async function insertMany(tx: Queryable, table: string, columns: string[], rows: SqlValue[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    await tx.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`, chunk.flat());
  }
}

export async function migrate(conn: Connection): Promise<number> {
  return conn.transaction(async (tx) => {
    await conn.lockForMigration(tx);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${conn.dialect === 'sqlite' ? 'TEXT' : 'TIMESTAMPTZ'} NOT NULL)`,
    );
    const [row] = await tx.query<{ v: number | string | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    const current = row?.v === null || row?.v === undefined ? 0 : Number(row.v);
    if (current > LATEST_VERSION) throw new StoreVersionError(current, LATEST_VERSION);
    for (const m of MIGRATIONS.filter((x) => x.version > current)) {
      for (const statement of m.sql(conn.dialect)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
    return LATEST_VERSION;
  });
}

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return Math.round(m * 100) / 100;
}

interface RunRow {
  id: number | string;
  site_name: string;
  site_file: string;
  site_sha256: string;
  started_at: unknown;
  finished_at: unknown;
  recorded_at: unknown;
  tool_version: string;
  schema_version: string;
  score: unknown;
  grade: string | null;
  verdict: string;
  complete: unknown;
  blockers: number | string;
  risks: number | string;
}

/** The store on an open connection: brings the schema up to date first. */
export async function openStoreOn(conn: Connection, display: string): Promise<HistoryStore> {
  await migrate(conn);
  return new SqlStore(conn, display);
}

class SqlStore implements HistoryStore {
  constructor(
    private readonly conn: Connection,
    readonly display: string,
  ) {}

  async schemaVersion(): Promise<number> {
    const [row] = await this.conn.query<{ v: number | string | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    return Number(row?.v ?? 0);
  }

  async record(report: Report): Promise<RecordOutcome> {
    const key = runKey(report);
    return this.conn.transaction(async (tx) => {
      const inserted = await tx.query<{ id: number | string }>(
        `INSERT INTO runs (run_key, site_name, site_file, site_sha256, started_at, finished_at, tool_version, schema_version,
           score, grade, verdict, complete, blockers, risks, recorded_at, report_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_key) DO NOTHING RETURNING id`,
        [
          key,
          report.site.name,
          report.site.file,
          report.site.sha256,
          iso(report.startedAt),
          iso(report.finishedAt),
          report.tool.version,
          report.schemaVersion,
          report.score,
          report.grade,
          report.verdict,
          report.complete,
          report.blockers.length,
          report.risks?.length ?? 0,
          new Date().toISOString(),
          JSON.stringify(report),
        ],
      );
      if (!inserted.length) {
        const [existing] = await tx.query<{ id: number | string }>('SELECT id FROM runs WHERE run_key = ?', [key]);
        return { id: Number(existing!.id), created: false };
      }
      const id = Number(inserted[0]!.id);
      const catalogs = new Map((report.platforms ?? []).map((p) => [p.id, p.version]));
      await insertMany(
        tx,
        'run_catalogs',
        ['run_id', 'platform', 'version'],
        [...catalogs].map(([p, v]) => [id, p, v]),
      );
      await insertMany(
        tx,
        'results',
        ['run_id', 'ord', 'check_id', 'target', 'category', 'status', 'score', 'classification'],
        report.results.map((r, i) => [id, i, r.check, r.target, r.category, r.status, r.score, r.classification ?? null]),
      );
      await insertMany(
        tx,
        'measurements',
        ['run_id', 'result_ord', 'ord', 'check_id', 'target', 'measurement', 'value_num', 'value_text', 'unit'],
        report.results.flatMap((r, i) =>
          r.measurements.map((m, j): SqlValue[] => [
            id,
            i,
            j,
            r.check,
            r.target,
            m.id,
            typeof m.value === 'number' && Number.isFinite(m.value) ? m.value : null,
            typeof m.value === 'string' ? m.value : typeof m.value === 'boolean' ? String(m.value) : null,
            m.unit ?? null,
          ]),
        ),
      );
      await insertMany(
        tx,
        'causes',
        ['run_id', 'ord', 'cause_id', 'kind', 'severity', 'blocking', 'lead_check', 'lead_target', 'lead_finding', 'results'],
        (report.causes ?? []).map((c, i) => [
          id,
          i,
          c.id,
          c.kind,
          c.severity,
          c.blocking,
          c.lead.check,
          c.lead.target,
          c.lead.finding,
          c.results,
        ]),
      );
      return { id, created: true };
    });
  }

  async runs(query: RunQuery = {}): Promise<StoredRun[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (query.id !== undefined) {
      where.push('id = ?');
      params.push(query.id);
    }
    if (query.site !== undefined) {
      where.push('site_name = ?');
      params.push(query.site);
    }
    if (query.since !== undefined) {
      where.push('started_at >= ?');
      params.push(iso(query.since));
    }
    if (query.until !== undefined) {
      where.push('started_at <= ?');
      params.push(iso(query.until));
    }
    const order = query.order === 'oldest' ? 'ASC' : 'DESC';
    const limit = query.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : '';
    const rows = await this.conn.query<RunRow>(
      `SELECT id, site_name, site_file, site_sha256, started_at, finished_at, recorded_at, tool_version, schema_version,
         score, grade, verdict, complete, blockers, risks
       FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at ${order}, id ${order}${limit}`,
      params,
    );
    if (!rows.length) return [];
    const ids = rows.map((r) => Number(r.id));
    const inIds = `(${ids.map(() => '?').join(', ')})`;
    const catalogs = await this.conn.query<{ run_id: number | string; platform: string; version: string }>(
      `SELECT run_id, platform, version FROM run_catalogs WHERE run_id IN ${inIds} ORDER BY platform`,
      ids,
    );
    const keyRows = await this.conn.query<{ run_id: number | string; check_id: string; measurement: string; value_num: unknown }>(
      `SELECT run_id, check_id, measurement, value_num FROM measurements
       WHERE value_num IS NOT NULL AND measurement IN (${KEY_MEASUREMENTS.map(() => '?').join(', ')}) AND run_id IN ${inIds}`,
      [...KEY_MEASUREMENTS.map((k) => k.measurement), ...ids],
    );
    return rows.map((r) => {
      const id = Number(r.id);
      const key: KeyMeasurements = {};
      for (const k of KEY_MEASUREMENTS) {
        const values = keyRows
          .filter((m) => Number(m.run_id) === id && m.check_id === k.check && m.measurement === k.measurement)
          .map((m) => Number(m.value_num));
        const value = median(values);
        if (value !== undefined) key[k.key] = value;
      }
      return {
        id,
        site: r.site_name,
        siteFile: r.site_file,
        siteSha256: r.site_sha256,
        startedAt: iso(r.started_at),
        finishedAt: iso(r.finished_at),
        recordedAt: iso(r.recorded_at),
        toolVersion: r.tool_version,
        schemaVersion: r.schema_version,
        score: num(r.score),
        grade: r.grade,
        verdict: r.verdict,
        complete: r.complete === true || Number(r.complete) === 1,
        catalogs: catalogs.filter((c) => Number(c.run_id) === id).map((c) => ({ platform: c.platform, version: c.version })),
        blockers: Number(r.blockers),
        risks: Number(r.risks),
        key,
      };
    });
  }

  async run(id: number): Promise<Report | undefined> {
    const [row] = await this.conn.query<{ report_json: string }>('SELECT report_json FROM runs WHERE id = ?', [id]);
    return row ? (JSON.parse(row.report_json) as Report) : undefined;
  }

  async sites(): Promise<string[]> {
    const rows = await this.conn.query<{ site_name: string }>('SELECT DISTINCT site_name FROM runs ORDER BY site_name');
    return rows.map((r) => r.site_name);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
