// `siteready platforms update [id…] [--source-url URL]`: read the vendors' machine-readable feeds
// (Microsoft's endpoints web service, Zoom's range files, ...), store them in the user's cache and
// say what changed. Assessments then use the stored feed; offline, the shipped snapshot serves.

import type { Lang } from '../i18n/index.js';
import { defaultCacheDir } from '../platforms/cache.js';
import { pm } from '../platforms/messages.js';
import { isFeedError, updatePlatform, type FeedDiff } from '../platforms/update.js';
import { catalogInUse, readShippedCatalog, shippedCatalogIds } from '../site/catalogs.js';
import { UsageError } from '../errors.js';

export interface UpdateFlags {
  json?: boolean;
  sourceUrl?: string;
  force?: boolean;
  timeout?: string;
  proxy?: string;
}

interface Outcome {
  id: string;
  status: 'new' | 'same' | 'skipped' | 'no-feed' | 'failed';
  version: string;
  diff?: FeedDiff;
  error?: { kind: string; message: string };
}

/** Shows at most this many CIDRs and hosts per list in the terminal; --json has them all. */
const SHOWN = 12;

export async function platformsUpdate(ids: string[], flags: UpdateFlags, lang: Lang): Promise<number> {
  const targets = ids.length ? ids : shippedCatalogIds().filter((id) => readShippedCatalog(id).sources.some((s) => s.feed));
  if (flags.sourceUrl && targets.length !== 1) {
    throw new UsageError(
      '--source-url is one mirror of one feed',
      'name the platform it mirrors: siteready platforms update microsoft-teams --source-url URL',
    );
  }
  const timeoutMs = flags.timeout ? Number(flags.timeout) * 1000 : 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout "${flags.timeout}" is not a number of seconds`);
  const proxy = flags.proxy ?? process.env.HTTPS_PROXY ?? process.env.https_proxy;
  const outcomes: Outcome[] = [];
  for (const id of targets) {
    const shipped = readShippedCatalog(id);
    const current = catalogInUse(id).catalog.version;
    if (!shipped.sources.some((s) => s.feed)) {
      outcomes.push({ id, status: 'no-feed', version: shipped.version });
      continue;
    }
    try {
      const result = await updatePlatform(shipped, {
        ...(flags.sourceUrl ? { sourceUrl: flags.sourceUrl } : {}),
        ...(flags.force ? { force: true } : {}),
        ...(proxy ? { proxy } : {}),
        timeoutMs,
      });
      outcomes.push({ id, status: result.check, version: result.snapshot.version, diff: result.diff });
    } catch (err) {
      if (!isFeedError(err)) throw err;
      outcomes.push({ id, status: 'failed', version: current, error: { kind: err.kind, message: err.message } });
    }
  }
  if (flags.json) process.stdout.write(`${JSON.stringify({ cache: defaultCacheDir(), platforms: outcomes }, null, 2)}\n`);
  else process.stdout.write(`${describe(outcomes, lang, flags.sourceUrl).join('\n')}\n`);
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

function describe(outcomes: Outcome[], lang: Lang, sourceUrl: string | undefined): string[] {
  const lines: string[] = [];
  for (const o of outcomes) {
    if (o.status === 'failed') lines.push(pm(lang, 'updateFailed', { id: o.id, why: o.error!.message, version: o.version }));
    else if (o.status === 'no-feed') lines.push(pm(lang, 'updateNoFeed', { id: o.id, version: o.version }));
    else if (o.status === 'skipped') lines.push(pm(lang, 'updateSkipped', { id: o.id, version: o.version }));
    else if (o.status === 'same' && o.diff?.ranges.added.length === 0 && o.diff.ranges.removed.length === 0)
      lines.push(pm(lang, 'updateSame', { id: o.id, version: o.version }));
    else {
      const d = o.diff!;
      lines.push(pm(lang, 'updateNew', { id: o.id, from: d.version.from, to: d.version.to, url: sourceUrl ?? 'the vendor' }));
      lines.push(pm(lang, 'updateRanges', { added: d.ranges.added.length, removed: d.ranges.removed.length }));
      lines.push(...list('+', d.ranges.added), ...list('−', d.ranges.removed));
      if (d.hosts.added.length || d.hosts.removed.length) {
        lines.push(pm(lang, 'updateHosts', { added: d.hosts.added.length, removed: d.hosts.removed.length }));
        lines.push(...list('+', d.hosts.added), ...list('−', d.hosts.removed));
      }
    }
  }
  if (outcomes.some((o) => o.status === 'new')) lines.push('', pm(lang, 'updateNext', { dir: defaultCacheDir() }));
  return lines;
}

function list(sign: string, items: string[]): string[] {
  const shown = items.slice(0, SHOWN).map((i) => `    ${sign} ${i}`);
  return items.length > SHOWN ? [...shown, `    … (${items.length - SHOWN} more; --json lists all)`] : shown;
}
