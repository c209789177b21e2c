// What `assess`, `report`, `history` and `compare` share about --store: where the store is, opening
// it with a usable message when it cannot be, and recording a run without ever losing it.

import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, errorMessage } from '../errors.js';
import { dataDir, parseStoreLocation, type StoreLocation } from '../history/location.js';
import { openStore } from '../history/open.js';
import type { HistoryStore } from '../history/store.js';
import { StoreUnavailable } from '../history/unavailable.js';
import { translator } from '../i18n/index.js';
import type { Report } from '../report/model.js';
import { writeFileAtomic } from '../report/write-file.js';
import { savedReportFile, type AfterReportOptions } from './after-report.js';
import { shellWord } from './shell-word.js';

export interface StoreFlags {
  /** --store URL; true for --store with no value (the default SQLite file). */
  store?: string | boolean;
}

/** --store, else $SITEREADY_STORE, else the default SQLite file (for commands that only read a store). */
export function storeSpec(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env): string | boolean | undefined {
  return flags.store ?? (env.SITEREADY_STORE || undefined);
}

function describeFailure(location: StoreLocation, err: unknown): string {
  return location.redactor.redact(errorMessage(err));
}

/** Opens a store for reading; a store that cannot be opened is a configuration error (exit 2). */
export async function openForReading(location: StoreLocation): Promise<HistoryStore> {
  try {
    return await openStore(location);
  } catch (err) {
    const hint = err instanceof StoreUnavailable ? err.hint : undefined;
    throw new ConfigError(`cannot open the history store ${location.display}`, [
      {
        message: `cannot open the history store ${location.display}: ${describeFailure(location, err)}`,
        hint: hint ?? 'check that the server is running and the URL, user and password are right (--store, $SITEREADY_STORE)',
      },
    ]);
  }
}

function safeName(text: string): string {
  return (
    text
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'site'
  );
}

/**
 * Records a finished run. The JSON report must exist somewhere first: the json=FILE the user asked
 * for, else a copy in the data directory (removed again once the store has the run). A store that
 * fails is a warning that says where the report is and how to import it; it never changes the exit
 * code, and the run is never lost.
 */
export async function recordRun(report: Report, location: StoreLocation, opts: AfterReportOptions): Promise<boolean> {
  const { t } = translator(opts.lang);
  const stored = opts.redactor ? opts.redactor.redactDeep(report) : report;
  const say = (line: string) => process.stderr.write(`siteready: ${line}\n`);
  let file = savedReportFile(opts);
  let copy: string | undefined;
  if (!file) {
    copy = join(dataDir(), 'reports', `${safeName(report.site.name)}-${report.startedAt.replace(/[:.]/g, '-')}.json`);
    try {
      await writeFileAtomic(copy, `${JSON.stringify(stored, null, 2)}\n`);
      file = copy;
    } catch (err) {
      say(`warning: cannot keep a copy of the report in ${copy}: ${errorMessage(err)}`);
      copy = undefined;
    }
  }
  let store: HistoryStore | undefined;
  try {
    store = await openStore(location);
    const outcome = await store.record(stored);
    if (copy) await unlink(copy).catch(() => undefined);
    if (!opts.quiet) say(t(outcome.created ? 'history.recorded' : 'history.alreadyStored', { store: location.display, id: outcome.id }));
    return true;
  } catch (err) {
    say(t('history.notRecorded', { store: location.display, error: describeFailure(location, err) }));
    if (err instanceof StoreUnavailable && err.hint) say(err.hint);
    if (file) {
      if (copy) say(t('history.keptCopy', { file }));
      say(t('history.importLater', { file: shellWord(file), store: shellWord(location.spec) }));
    }
    return false;
  } finally {
    await store?.close().catch(() => undefined);
  }
}

export function storeLocation(spec: string | boolean | undefined): StoreLocation {
  return parseStoreLocation(spec);
}
