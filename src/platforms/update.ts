// `siteready platforms update`, as a library: read a catalog's vendor feed, store the snapshot in
// the cache, and say what changed. Microsoft's version method is asked first (and at most once an
// hour, as Microsoft asks), so an unchanged list is not downloaded again.

import type { PlatformCatalog } from './types.js';
import { readSnapshot, writeSnapshot, type CachedSnapshot } from './cache.js';
import { diffSnapshot, isEmptyDiff, type FeedDiff } from './diff.js';
import { fetchFeed, DEFAULT_FEED_TIMEOUT_MS, redact, type FetchFeedOptions } from './feed-fetch.js';
import { applySnapshot, feedSource } from './apply.js';
import { FeedError } from './feeds/errors.js';
import {
  MICROSOFT_VERSION_INTERVAL_MS,
  microsoftInstance,
  microsoftUrls,
  parseMicrosoftEndpoints,
  parseMicrosoftVersion,
  withClientRequestId,
  withoutClientRequestId,
} from './feeds/microsoft.js';
import { SNAPSHOT_SCHEMA, contentVersion, type FeedSnapshot, type ParsedFeed } from './feeds/snapshot.js';
import { parseWebexCsv } from './feeds/webex.js';
import { parseZoomRanges, zoomServiceFromUrl } from './feeds/zoom.js';

export { applySnapshot, feedSource };
export { FeedError, isFeedError, type FeedErrorKind, type FeedProblem } from './feeds/errors.js';
export type { FeedSnapshot, FeedRange, FeedHost } from './feeds/snapshot.js';
export type { FeedDiff } from './diff.js';

export interface UpdateOptions {
  /**
   * A mirror to read instead of the vendor. Microsoft: the base, read as `{sourceUrl}/version/{instance}`
   * and `{sourceUrl}/endpoints/{instance}`; Zoom and Webex: the file's URL.
   */
  sourceUrl?: string;
  signal?: AbortSignal;
  /** For the whole update, every request included (default 30 s). */
  timeoutMs?: number;
  cacheDir?: string;
  /** Ask the vendor even within the hour, and read the list even when the version is the same. */
  force?: boolean;
  /** An http(s) proxy URL. */
  proxy?: string;
  /** Body bytes per request (default 16 MiB). */
  maxBytes?: number;
  /** The clock (tests). */
  now?: () => Date;
}

export interface UpdateResult {
  snapshot: FeedSnapshot;
  /** Against the previous snapshot when there is one, else against the catalog as shipped. */
  diff: FeedDiff;
  /** Nothing to apply: no block or host added or removed, same version. */
  unchanged: boolean;
  /**
   * "skipped": asked within the hour, nothing was sent; "same": the vendor's version (or the file's
   * hash) is the cached one; "new": a new snapshot was read and stored.
   */
  check: 'skipped' | 'same' | 'new';
  cachePath: string;
  /** A cache file that was there but unusable, and so ignored. */
  warnings: string[];
}

export async function updatePlatform(catalog: PlatformCatalog, opts: UpdateOptions = {}): Promise<UpdateResult> {
  const source = feedSource(catalog);
  const now = opts.now ?? (() => new Date());
  const cached = await readSnapshot(catalog.id, opts.cacheDir);
  const warnings = cached.warning ? [cached.warning] : [];
  let previous = cached.snapshot;
  if (previous && previous.format !== source.feed.format) {
    warnings.push(`the cached snapshot is of a ${previous.format} feed, the catalog's is ${source.feed.format}; ignored`);
    previous = undefined;
  }
  const started = Date.now();
  const budget = opts.timeoutMs ?? DEFAULT_FEED_TIMEOUT_MS;
  // One budget for the whole update: the version call's time is the list call's loss.
  const fetchOpts = (accept: string): FetchFeedOptions => {
    const left = started + budget - Date.now();
    if (left <= 0) throw new FeedError('timeout', `no complete answer within ${budget} ms`, { limit: budget });
    return {
      timeoutMs: left,
      accept,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.proxy ? { proxy: opts.proxy } : {}),
      ...(opts.maxBytes ? { maxBytes: opts.maxBytes } : {}),
    };
  };
  const done = async (snapshot: FeedSnapshot, check: UpdateResult['check']): Promise<UpdateResult> => {
    const cachePath = await store(snapshot, opts.cacheDir, cached);
    const diff = diffSnapshot(previous ?? catalog, snapshot);
    return { snapshot, diff, unchanged: isEmptyDiff(diff), check, cachePath, warnings };
  };
  const fetchedAt = () => now().toISOString();

  if (source.feed.format === 'microsoft-endpoints') {
    const instance = microsoftInstance(source.feed.url, catalog.instance);
    const urls = microsoftUrls({
      feedUrl: source.feed.url,
      instance,
      ...(source.feed.versionUrl ? { versionUrl: source.feed.versionUrl } : {}),
      ...(opts.sourceUrl ? { base: opts.sourceUrl } : {}),
    });
    const requestedUrl = withoutClientRequestId(redact(urls.endpointsUrl));
    const same = previous?.requestedUrl === requestedUrl ? previous : undefined;
    if (same && !opts.force && checkedRecently(same, now())) {
      return { snapshot: same, diff: diffSnapshot(same, same), unchanged: true, check: 'skipped', cachePath: cached.path, warnings };
    }
    const v = await fetchFeed(withClientRequestId(urls.versionUrl), fetchOpts('application/json'));
    const latest = parseMicrosoftVersion(v.body, instance);
    if (same && !opts.force && same.version === latest) return done({ ...same, checkedAt: fetchedAt() }, 'same');
    const e = await fetchFeed(withClientRequestId(urls.endpointsUrl), fetchOpts('application/json'));
    const at = fetchedAt();
    return done(
      snapshotOf(catalog.id, source.feed.format, parseMicrosoftEndpoints(e.body), {
        version: latest,
        instance,
        fetchedAt: at,
        sourceUrl: withoutClientRequestId(e.url),
        requestedUrl,
        sha256: e.sha256,
      }),
      'new',
    );
  }

  const url = opts.sourceUrl ?? source.feed.url;
  const f = await fetchFeed(
    url,
    fetchOpts(source.feed.format === 'webex-csv' ? 'text/csv, text/plain;q=0.9, */*;q=0.5' : 'text/plain, */*;q=0.5'),
  );
  const at = fetchedAt();
  const same = previous?.requestedUrl === f.requestedUrl && previous.sha256 === f.sha256 ? previous : undefined;
  // An unversioned file that is byte for byte the cached one keeps the cached version (its date is
  // when it last changed, as far as anyone here saw), so an unchanged list does not look new daily.
  if (same && !opts.force) return done({ ...same, checkedAt: at }, 'same');
  const service = zoomServiceFromUrl(f.url);
  const parsed = source.feed.format === 'zoom-ranges' ? parseZoomRanges(f.body, service ? { service } : {}) : parseWebexCsv(f.body);
  return done(
    snapshotOf(catalog.id, source.feed.format, parsed, {
      version: same?.version ?? contentVersion(at, f.sha256),
      fetchedAt: at,
      sourceUrl: f.url,
      requestedUrl: f.requestedUrl,
      sha256: f.sha256,
    }),
    same ? 'same' : 'new',
  );
}

/** The snapshot in the cache, if any and usable; a damaged file gives a warning, not an error. */
export function loadCachedSnapshot(id: string, cacheDir?: string): Promise<CachedSnapshot> {
  return readSnapshot(id, cacheDir);
}

/** The catalog with its cached snapshot applied, or as shipped when there is none. */
export async function catalogWithCachedSnapshot(
  catalog: PlatformCatalog,
  cacheDir?: string,
): Promise<{ catalog: PlatformCatalog; snapshot?: FeedSnapshot; warning?: string }> {
  const cached = await readSnapshot(catalog.id, cacheDir);
  const warning = cached.warning ? { warning: cached.warning } : {};
  const hasFeed = catalog.sources.some((s) => s.feed?.format === cached.snapshot?.format);
  if (!cached.snapshot || !hasFeed) return { catalog, ...warning };
  return { catalog: applySnapshot(catalog, cached.snapshot), snapshot: cached.snapshot, ...warning };
}

function checkedRecently(s: FeedSnapshot, now: Date): boolean {
  const age = now.getTime() - Date.parse(s.checkedAt);
  // A check time in the future (a clock set back) does not silence the feed for longer than an hour.
  return age >= 0 && age < MICROSOFT_VERSION_INTERVAL_MS;
}

function snapshotOf(
  platform: string,
  format: FeedSnapshot['format'],
  parsed: ParsedFeed,
  meta: Pick<FeedSnapshot, 'version' | 'fetchedAt' | 'sourceUrl' | 'requestedUrl' | 'sha256'> & { instance?: string },
): FeedSnapshot {
  return {
    schema: SNAPSHOT_SCHEMA,
    platform,
    format,
    version: meta.version,
    ...(meta.instance ? { instance: meta.instance } : {}),
    fetchedAt: meta.fetchedAt,
    checkedAt: meta.fetchedAt,
    sourceUrl: meta.sourceUrl,
    requestedUrl: meta.requestedUrl,
    sha256: meta.sha256,
    ranges: parsed.ranges,
    hosts: parsed.hosts,
    problemCount: parsed.problemCount,
    problems: parsed.problems,
  };
}

async function store(snapshot: FeedSnapshot, cacheDir: string | undefined, cached: CachedSnapshot): Promise<string> {
  try {
    return await writeSnapshot(snapshot, cacheDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FeedError('cache', `the snapshot could not be stored in ${cached.path}${code ? ` (${code})` : ''}`, code ? { code } : {}, {
      cause: err,
    });
  }
}
