// The embedded store: one SQLite file, no server. better-sqlite3 is loaded only when a SQLite
// store is opened (it is a native module, installed as an optional dependency): a siteready built
// without it still runs, and says what is missing when a SQLite store is asked for.

import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { errorMessage } from '../errors.js';
import { openStoreOn, type Connection, type HistoryStore, type Queryable, type SqlValue } from './store.js';
import { StoreUnavailable } from './unavailable.js';

type Database = BetterSqlite3.Database;

async function loadDriver(): Promise<typeof BetterSqlite3> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (err) {
    throw new StoreUnavailable(
      `the SQLite driver (better-sqlite3) is not available: ${errorMessage(err)}`,
      'reinstall siteready where a C++ compiler, make and python3 are present (npm rebuild better-sqlite3), or use a postgres:// store',
    );
  }
}

const bind = (params: SqlValue[]) => params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));

class SqliteConnection implements Connection {
  readonly dialect = 'sqlite' as const;
  constructor(private readonly db: Database) {}

  query<R>(sql: string, params: SqlValue[] = []): Promise<R[]> {
    const stmt = this.db.prepare(sql);
    if (stmt.reader) return Promise.resolve(stmt.all(...bind(params)) as R[]);
    stmt.run(...bind(params));
    return Promise.resolve([]);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // IMMEDIATE: take the write lock up front, so two writers wait (busy_timeout) instead of failing half-way.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = await fn(this);
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }

  lockForMigration(): Promise<void> {
    return Promise.resolve(); // BEGIN IMMEDIATE already holds the write lock.
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

export async function openSqliteStore(path: string, display = `sqlite:${path}`): Promise<HistoryStore> {
  const Driver = await loadDriver();
  let db: Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const created = !existsSync(path);
    db = new Driver(path, { timeout: 10_000 });
    // The history names the site's servers and what was found on them: for its owner's eyes only.
    if (created && process.platform !== 'win32') chmodSync(path, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    throw new StoreUnavailable(`cannot open the file: ${errorMessage(err)}`);
  }
  const conn = new SqliteConnection(db);
  try {
    return await openStoreOn(conn, display);
  } catch (err) {
    db.close();
    throw err;
  }
}
