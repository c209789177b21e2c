// Picking a stored run by id or by date, for `compare`. An id is a whole number. A date (YYYY-MM-DD)
// means the end of that day (UTC); a date-time means that instant. The run picked is the site's
// latest that started at or before it; when the site has none that early, its earliest after it.

import { UsageError } from '../errors.js';
import type { HistoryStore, StoredRun } from './store.js';

export type RunRef = { kind: 'id'; id: number } | { kind: 'date'; at: string; text: string };

export function parseRunRef(text: string): RunRef {
  if (/^\d+$/.test(text)) return { kind: 'id', id: Number(text) };
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const at = new Date(dateOnly ? `${text}T23:59:59.999Z` : text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at.getTime()))
    throw new UsageError(
      `"${text}" is neither a run id nor a date`,
      'give a run id from `siteready history` or a date: 2026-03-01, 2026-03-01T09:30Z',
    );
  return { kind: 'date', at: at.toISOString(), text };
}

export async function pickRun(store: HistoryStore, ref: RunRef, site: string | undefined): Promise<StoredRun | undefined> {
  if (ref.kind === 'id') {
    const [run] = await store.runs({ id: ref.id });
    return run;
  }
  const before = await store.runs({ ...(site !== undefined ? { site } : {}), until: ref.at, limit: 1, order: 'newest' });
  if (before.length) return before[0];
  const after = await store.runs({ ...(site !== undefined ? { site } : {}), since: ref.at, limit: 1, order: 'oldest' });
  return after[0];
}
