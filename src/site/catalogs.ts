// Platform catalogs as a site uses them: the shipped snapshot under platforms/<id>.yaml, checked
// against the catalog schema and its own consistency rules. A catalog that fails is a
// configuration error naming the catalog file, never a half-expanded site.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import { applySnapshot } from '../platforms/apply.js';
import { readSnapshotSync } from '../platforms/cache.js';
import { checkCatalog } from '../platforms/check.js';
import { catalogSchema } from '../platforms/schema.js';
import type { PlatformCatalog } from '../platforms/types.js';
import { didYouMean } from '../util/suggest.js';
import { packageRoot } from '../version.js';
import { usePrecompiled, validateAgainst } from './validate.js';
import { yamlIdsIn } from '../util/yaml-ids.js';

usePrecompiled(catalogSchema, 'catalog-validator.cjs');

export function shippedCatalogDir(): string {
  return join(packageRoot(), 'platforms');
}

export function shippedCatalogIds(): string[] {
  return yamlIdsIn(shippedCatalogDir());
}

/** Problems of a parsed catalog (schema, then consistency), as "pointer: message" lines. */
export function catalogProblems(data: unknown): string[] {
  const schema = validateAgainst(catalogSchema, data);
  if (schema.length) return schema.map((p) => `${p.path || '/'}: ${p.message}`);
  return checkCatalog(data as PlatformCatalog).map((p) => `${p.path}: ${p.message}`);
}

const loaded = new Map<string, PlatformCatalog>();

export interface CatalogInUse {
  catalog: PlatformCatalog;
  /** Set when `siteready platforms update` stored a newer vendor feed that replaced the shipped ranges. */
  updated?: { version: string; fetchedAt: string };
  /** A cached feed that exists but could not be used (damaged, unreadable). */
  warning?: string;
}

/**
 * The catalog as assessments use it: the shipped snapshot, with the vendor feed stored by
 * `siteready platforms update` applied over it when there is one. `cacheDir: false` ignores the cache.
 */
export function catalogInUse(id: string, cacheDir?: string | false): CatalogInUse {
  const shipped = readShippedCatalog(id);
  if (cacheDir === false || !shipped.sources.some((s) => s.feed)) return { catalog: shipped };
  const cached = readSnapshotSync(id, cacheDir);
  const warning = cached.warning ? { warning: cached.warning } : {};
  const snapshot = cached.snapshot;
  if (!snapshot || !shipped.sources.some((s) => s.feed?.format === snapshot.format)) return { catalog: shipped, ...warning };
  const catalog = applySnapshot(shipped, snapshot);
  const problems = catalogProblems(catalog);
  if (problems.length)
    return { catalog: shipped, warning: `the cached ${id} feed does not make a valid catalog (${problems[0]}); ignored` };
  return { catalog, updated: { version: snapshot.version, fetchedAt: snapshot.fetchedAt }, ...warning };
}

/** The shipped catalog `id`; a ConfigError for an unknown id (with a suggestion) or a broken file. */
export function readShippedCatalog(id: string): PlatformCatalog {
  const known = loaded.get(id);
  if (known) return known;
  const ids = shippedCatalogIds();
  if (!ids.includes(id)) {
    const guess = didYouMean(id, ids);
    throw new ConfigError(`unknown platform "${id}"`, [
      {
        message: `unknown platform "${id}"`,
        hint: `${guess ? `${guess} ` : ''}known platforms: ${ids.join(', ')} (see \`siteready platforms\`)`,
      },
    ]);
  }
  const file = join(shippedCatalogDir(), `${id}.yaml`);
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`platform catalog ${id}.yaml cannot be read`, [
      { file: `platforms/${id}.yaml`, message: err instanceof Error ? err.message : String(err) },
    ]);
  }
  const problems = catalogProblems(data);
  if (problems.length) {
    throw new ConfigError(
      `platform catalog ${id}.yaml is not valid`,
      problems.slice(0, 20).map((message) => ({ file: `platforms/${id}.yaml`, message })),
    );
  }
  const catalog = data as PlatformCatalog;
  loaded.set(id, catalog);
  return catalog;
}
