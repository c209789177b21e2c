// Where updated snapshots live between runs: $SITEREADY_CACHE_DIR, else $XDG_CACHE_HOME/siteready,
// else ~/.cache/siteready; one file platforms/<id>.json per catalog. Writes are atomic (a temporary
// file renamed over the old one), so a crash or a concurrent run never leaves half a snapshot; a
// file that is damaged anyway is ignored with a warning and the next update replaces it.

import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { FeedError } from './feeds/errors.js';
import { normalizeCidr } from './feeds/cidr.js';
import { SNAPSHOT_SCHEMA, type FeedSnapshot } from './feeds/snapshot.js';

/** A cache file past this is not one this code wrote. */
const MAX_CACHE_FILE_BYTES = 64 * 1024 * 1024;
const FORMATS = new Set(['microsoft-endpoints', 'zoom-ranges', 'webex-csv']);
const CATEGORIES = new Set(['optimize', 'allow', 'default']);

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SITEREADY_CACHE_DIR) return env.SITEREADY_CACHE_DIR;
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'siteready');
  return join(homedir(), '.cache', 'siteready');
}

/** The snapshot file of a catalog. The id becomes a file name, so only catalog-style ids are accepted. */
export function snapshotPath(id: string, cacheDir: string = defaultCacheDir()): string {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) throw new FeedError('invalid-id', `"${id.slice(0, 80)}" is not a catalog id`);
  return join(cacheDir, 'platforms', `${id}.json`);
}

export interface CachedSnapshot {
  path: string;
  snapshot?: FeedSnapshot;
  /** Why a file that exists was not used. */
  warning?: string;
}

export async function readSnapshot(id: string, cacheDir?: string): Promise<CachedSnapshot> {
  const path = snapshotPath(id, cacheDir);
  try {
    const info = await stat(path);
    if (!info.isFile()) return { path, warning: `${path} is not a file; ignored` };
    if (info.size > MAX_CACHE_FILE_BYTES) return { path, warning: `${path} is larger than any snapshot; ignored` };
    return parseSnapshotText(path, id, await readFile(path, 'utf8'));
  } catch (err) {
    return unreadable(path, err);
  }
}

/** readSnapshot for the site loader, which is synchronous: one small file, read once per catalog. */
export function readSnapshotSync(id: string, cacheDir?: string): CachedSnapshot {
  const path = snapshotPath(id, cacheDir);
  try {
    const info = statSync(path);
    if (!info.isFile()) return { path, warning: `${path} is not a file; ignored` };
    if (info.size > MAX_CACHE_FILE_BYTES) return { path, warning: `${path} is larger than any snapshot; ignored` };
    return parseSnapshotText(path, id, readFileSync(path, 'utf8'));
  } catch (err) {
    return unreadable(path, err);
  }
}

function unreadable(path: string, err: unknown): CachedSnapshot {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path };
  return { path, warning: `${path} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); ignored` };
}

function parseSnapshotText(path: string, id: string, text: string): CachedSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { path, warning: `${path} is not valid JSON; ignored` };
  }
  const problem = snapshotProblem(value, id);
  if (problem) return { path, warning: `${path} is not a usable snapshot (${problem}); ignored` };
  return { path, snapshot: value as FeedSnapshot };
}

export async function writeSnapshot(snapshot: FeedSnapshot, cacheDir?: string): Promise<string> {
  const path = snapshotPath(snapshot.platform, cacheDir);
  await mkdir(join(path, '..'), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(snapshot, null, 1)}\n`, 'utf8');
    // On disk before the rename makes it the snapshot: a power cut leaves the old file, not an empty one.
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (err) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
  return path;
}

/** Why a parsed cache file is not a snapshot of this catalog; undefined when it is one. */
export function snapshotProblem(value: unknown, id?: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const s = value as Record<string, unknown>;
  if (s.schema !== SNAPSHOT_SCHEMA) return `schema ${String(s.schema)}, expected ${SNAPSHOT_SCHEMA}`;
  if (typeof s.platform !== 'string' || (id !== undefined && s.platform !== id)) return 'another platform';
  if (typeof s.format !== 'string' || !FORMATS.has(s.format)) return 'unknown format';
  for (const key of ['version', 'fetchedAt', 'checkedAt', 'sourceUrl', 'requestedUrl', 'sha256'] as const) {
    if (typeof s[key] !== 'string' || s[key] === '') return `no ${key}`;
  }
  if (!/^[0-9a-f]{64}$/.test(s.sha256 as string)) return 'bad sha256';
  for (const key of ['fetchedAt', 'checkedAt'] as const) if (Number.isNaN(Date.parse(s[key] as string))) return `bad ${key}`;
  if (!Array.isArray(s.ranges) || !Array.isArray(s.hosts)) return 'no ranges or hosts';
  if (typeof s.problemCount !== 'number' || !Array.isArray(s.problems)) return 'no problem count';
  for (const r of s.ranges as unknown[]) {
    const range = r as { cidr?: unknown; category?: unknown };
    if (typeof range !== 'object' || range === null || typeof range.cidr !== 'string') return 'a range without a CIDR';
    // Compared by text later: a block that is not in canonical form would show up as a change.
    if (normalizeCidr(range.cidr)?.cidr !== range.cidr) return `range ${range.cidr.slice(0, 60)} is not a normalised CIDR`;
    if (range.category !== undefined && !CATEGORIES.has(range.category as string)) return 'a range with an unknown category';
  }
  for (const h of s.hosts as unknown[]) {
    const host = h as { host?: unknown; category?: unknown; tcp?: unknown; udp?: unknown };
    if (typeof host !== 'object' || host === null || typeof host.host !== 'string' || host.host === '') return 'a host without a name';
    if (host.category !== undefined && !CATEGORIES.has(host.category as string)) return 'a host with an unknown category';
    for (const ports of [host.tcp, host.udp]) {
      if (ports !== undefined && (!Array.isArray(ports) || ports.some((p) => typeof p !== 'number' && typeof p !== 'string')))
        return 'a host with bad ports';
    }
  }
  return undefined;
}
