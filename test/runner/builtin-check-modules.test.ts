import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CHECK_MODULES } from '../../src/runner/builtin-check-modules.js';
import { builtinCheck } from '../../src/runner/registry.js';
import { packageRoot } from '../../src/version.js';

describe('the built-in check list', () => {
  it('names every folder under checks/ that has an index.ts, and nothing else', () => {
    const dir = join(packageRoot(), 'checks');
    const folders = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'index.ts')))
      .map((e) => e.name)
      .sort();
    expect(Object.keys(BUILTIN_CHECK_MODULES).sort()).toEqual(folders);
  });

  it('loads each check under its own folder name', async () => {
    for (const id of Object.keys(BUILTIN_CHECK_MODULES)) expect((await builtinCheck(id)).def?.meta.id).toBe(id);
  });
});
