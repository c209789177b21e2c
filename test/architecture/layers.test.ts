// The dependency picture of the source: data flows one way (load → plan → measure → judge →
// score → report → gate), text at the bottom, the CLI on top. Every import of src/ and checks/,
// static or dynamic, must go to the same layer or a lower one.

import { readFileSync } from 'node:fs';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Lowest first. A module may import its own layer and those before it, never one after it. */
const LAYERS: string[][] = [
  ['i18n', 'util', 'errors', 'version'],
  ['platforms'],
  ['site'],
  ['plugin-api'],
  ['net'],
  ['tls'],
  ['quality', 'capacity', 'probe'],
  ['qos', 'integration', 'lab'],
  ['plugin'],
  ['checks'],
  ['runner'],
  ['compliance', 'testing'],
  ['scoring'],
  ['report'],
  ['history'],
  ['fleet'],
  ['platform-verdicts'],
  ['plan-site'],
  ['assess', 'rejudge'],
  ['index'],
  ['cli'],
];

const layerOf = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The unit a file belongs to: its folder under src/ (or the file, for src/*.ts), or "checks". */
function unitOf(file: string): string {
  const parts = relative(ROOT, file).split(sep);
  if (parts[0] === 'checks') return 'checks';
  return parts.length === 2 ? parts[1]!.replace(/\.[jt]s$/, '') : parts[1]!;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"`;]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specs.map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const sources = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'checks'))];

describe('layers', () => {
  it('every unit of the source has a layer', () => {
    const unknown = [...new Set(sources.map(unitOf))].filter((u) => !layerOf.has(u));
    expect(unknown).toEqual([]);
  });

  it('no import runs from a lower layer to a higher one', () => {
    const upward: string[] = [];
    for (const file of sources) {
      const from = unitOf(file);
      for (const target of importsOf(file)) {
        if (!target.startsWith(ROOT)) continue;
        const to = unitOf(target);
        if (layerOf.get(to)! > layerOf.get(from)!) upward.push(`${relative(ROOT, file)} → ${relative(ROOT, target)} (${from} → ${to})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the tcp check, as proof that plugins are first class, imports only siteready/plugin and Node', () => {
    const dir = join(ROOT, 'checks', 'tcp');
    const outside = files(dir).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const specs = [...text.matchAll(/(?:import|export)\s[^'"`;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
      // plugin-api.js is the contract half of siteready/plugin (plugin.ts re-exports all of it): plan.ts
      // takes only that, so that planning stays light.
      const publicApi = new Set(['../../src/plugin.js', '../../src/plugin-api.js']);
      return specs
        .filter((s) => !s.startsWith('node:') && !publicApi.has(s) && !/^\.\/[\w-]+\.js$/.test(s))
        .map((s) => `${relative(ROOT, file)}: ${s}`);
    });
    expect(files(dir).length).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  it('no two units depend on each other', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of sources) {
      const from = unitOf(file);
      for (const target of importsOf(file)) {
        const to = unitOf(target);
        if (to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
      }
    }
    const both = [...edges].flatMap(([a, tos]) => [...tos].filter((b) => a < b && edges.get(b)?.has(a)).map((b) => `${a} ↔ ${b}`));
    expect(both).toEqual([]);
  });
});
