// The central store: PostgreSQL through `pg` (pure JavaScript), loaded only when a postgres://
// store is opened. One client per command; a run is one transaction; concurrent first opens take an
// advisory lock so that only one of them migrates.

import type pg from 'pg';
import { errorMessage } from '../errors.js';
import type { Redactor } from '../site/secrets.js';
import { openStoreOn, type Connection, type HistoryStore, type Queryable, type SqlValue } from './store.js';
import { StoreUnavailable } from './unavailable.js';

/** `?` placeholders (as the store writes them) to PostgreSQL's `$1, $2, …`. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

// An arbitrary constant: the advisory lock that serialises siteready's migrations.
const MIGRATION_LOCK = 74_613_901;

class PostgresConnection implements Connection {
  readonly dialect = 'postgres' as const;
  constructor(private readonly client: pg.Client) {}

  async query<R>(sql: string, params: SqlValue[] = []): Promise<R[]> {
    const res = await this.client.query(numberPlaceholders(sql), params);
    return res.rows as R[];
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const out = await fn(this);
      await this.client.query('COMMIT');
      return out;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async lockForMigration(tx: Queryable): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

export async function openPostgresStore(url: string, display: string, redactor: Redactor): Promise<HistoryStore> {
  let driver: typeof pg;
  try {
    driver = (await import('pg')).default;
  } catch (err) {
    throw new StoreUnavailable(`the PostgreSQL driver (pg) is not available: ${errorMessage(err)}`);
  }
  const client = new driver.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    // A server that stops answering mid-run (a partition, not a refusal) must not hold the run hostage.
    query_timeout: 60_000,
    application_name: 'siteready',
  });
  // A server that goes away between queries emits 'error' on the client: a failed query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new StoreUnavailable(`cannot connect: ${redactor.redact(errorMessage(err))}`);
  }
  const conn = new PostgresConnection(client);
  try {
    return await openStoreOn(conn, display);
  } catch (err) {
    await conn.close();
    throw err;
  }
}
