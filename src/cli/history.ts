// `siteready history`: the runs a store holds, of one site or all, newest first — score, grade,
// verdict and a few key measurements — in the terminal, as JSON ({ runs: [...] }), Markdown, or
// HTML with a trend chart of the score per site.

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, UsageError, errorMessage } from '../errors.js';
import { HISTORY_FORMATS, renderHistory, type HistoryFormat } from '../history/render.js';
import { parseFormats } from '../report/render/index.js';
import { writeFileAtomic } from '../report/write-file.js';
import { toolVersion } from '../version.js';
import { writeStdout } from './lifecycle.js';
import { langOf, type OutputFlags } from './output.js';
import { openForReading, storeLocation, storeSpec, type StoreFlags } from './store.js';
import { colorEnabled } from './terminal.js';

export interface HistoryFlags extends OutputFlags, StoreFlags {
  site?: string;
  since?: string;
  limit?: string;
}

export function parseSince(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime()))
    throw new UsageError(`--since must be a date, got "${text}"`, 'e.g. --since 2026-01-31 or --since 2026-01-31T08:00Z');
  return d.toISOString();
}

export async function historyCommand(flags: HistoryFlags): Promise<void> {
  if (flags.json && flags.format && flags.format !== 'terminal' && flags.format !== 'json')
    throw new UsageError('--json cannot be combined with --format');
  const targets = parseFormats(flags.json ? 'json' : (flags.format ?? 'terminal'), flags.out, HISTORY_FORMATS);
  const since = parseSince(flags.since);
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new UsageError(`--limit must be a whole number above 0, got "${flags.limit}"`);
  const location = storeLocation(storeSpec(flags));
  const store = await openForReading(location);
  let runs;
  try {
    runs = await store.runs({
      ...(flags.site !== undefined ? { site: flags.site } : {}),
      ...(since ? { since } : {}),
      ...(limit ? { limit } : {}),
    });
  } catch (err) {
    throw new ConfigError(`cannot read the history store ${location.display}`, [
      { message: `cannot read the history store ${location.display}: ${location.redactor.redact(errorMessage(err))}` },
    ]);
  } finally {
    await store.close().catch(() => undefined);
  }
  const view = {
    store: location.display,
    ...(flags.site !== undefined ? { site: flags.site } : {}),
    ...(since ? { since } : {}),
    runs,
    toolVersion: toolVersion(),
  };
  const lang = langOf(flags);
  for (const target of targets) {
    const format = target.format as HistoryFormat;
    if (target.path === '-') {
      await writeStdout(
        renderHistory(view, format, { lang, color: colorEnabled(process.stdout, flags.color === false ? false : undefined) }),
      );
    } else {
      await mkdir(dirname(target.path), { recursive: true });
      await writeFileAtomic(target.path, renderHistory(view, format, { lang, color: false }));
    }
  }
  process.exitCode = 0;
}
