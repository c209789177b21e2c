// Opening a store by its location. Each driver is imported here, on first use only: commands that
// do not touch a store never load better-sqlite3 or pg.

import type { StoreLocation } from './location.js';
import type { HistoryStore } from './store.js';

export async function openStore(location: StoreLocation): Promise<HistoryStore> {
  if (location.kind === 'sqlite') {
    const { openSqliteStore } = await import('./sqlite.js');
    return openSqliteStore(location.path, location.display);
  }
  const { openPostgresStore } = await import('./postgres.js');
  return openPostgresStore(location.url, location.display, location.redactor);
}
