#!/usr/bin/env node
// Bundles the compiled program (dist/src, dist/checks) into dist/bundle/: the command-line program
// and the package's entry points share chunks, so a command loads a handful of files instead of
// hundreds (each ES module costs Node a resolve, a read and a compile before anything runs), and a
// plugin importing 'siteready/plugin' gets the very modules the CLI runs — one instance of every
// class and registry. Built-in checks stay separate chunks, loaded when a run needs them.
//
// Bundled: our code and the pure-JS packages every command loads up front (yaml, commander, chalk,
// and what they import). External: native modules, drivers and engines loaded on demand (they find
// files of their own at run time, or load only when used), and vitest for the judge tester.
//
// Usage: node scripts/bundle.mjs   (after tsc; part of `npm run build` and `prepare`)

import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT = join(ROOT, 'dist', 'bundle');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

const BUNDLED = new Set(['yaml', 'commander', 'chalk']);
const external = [
  ...Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies }).filter((name) => !BUNDLED.has(name)),
  // undici's own files are required one by one (src/net/undici-agent.ts), never its index.
  'undici/*',
];

/** Entry name → compiled file. The names are the files package.json and bin/ point at. */
const ENTRIES = {
  cli: 'dist/src/cli/main.js',
  index: 'dist/src/index.js',
  plugin: 'dist/src/plugin.js',
  testing: 'dist/src/testing/check-tester.js',
};

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, join(ROOT, file)])),
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  external,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  // yaml's CommonJS build calls require('process') etc.; an ES module has no require of its own.
  banner: {
    js: "import { createRequire as __siteready_createRequire } from 'node:module';\nconst require = __siteready_createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});

if (result.errors.length) process.exit(1);
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
process.stdout.write(`bundle: ${files.length} files in dist/bundle\n`);
