import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CHECK_MODULES, BUILTIN_CHECK_PLANNING } from '../../src/runner/builtin-check-modules.js';
import { builtinCheck, builtinCheckPlanning } from '../../src/runner/registry.js';
import { packageRoot } from '../../src/version.js';

const folders = (file: string) => {
  const dir = join(packageRoot(), 'checks');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, file)))
    .map((e) => e.name)
    .sort();
};

describe('the built-in check list', () => {
  it('names every folder under checks/ that has an index.ts, and nothing else', () => {
    expect(Object.keys(BUILTIN_CHECK_MODULES).sort()).toEqual(folders('index.ts'));
  });

  it('names the planning part (plan.ts) of every one of them', () => {
    expect(folders('plan.ts')).toEqual(folders('index.ts'));
    expect(Object.keys(BUILTIN_CHECK_PLANNING).sort()).toEqual(Object.keys(BUILTIN_CHECK_MODULES).sort());
  });

  it('loads each check under its own folder name', async () => {
    for (const id of Object.keys(BUILTIN_CHECK_MODULES)) expect((await builtinCheck(id)).def?.meta.id).toBe(id);
  });

  it('plans with the very meta, options and targets each whole check has (its plan.ts, spread into index.ts)', async () => {
    for (const id of Object.keys(BUILTIN_CHECK_PLANNING)) {
      const { planning, def } = await builtinCheckPlanning(id);
      expect(def, id).toBeUndefined();
      const whole = (await builtinCheck(id)).def!;
      expect(planning!.meta, id).toBe(whole.meta);
      expect(planning!.inputs, id).toBe(whole.inputs);
      expect(planning!.targets, id).toBe(whole.targets);
      expect(planning!.deadlineMs, id).toBe(whole.deadlineMs);
    }
  });
});
