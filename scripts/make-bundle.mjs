#!/usr/bin/env node
// A self-contained release for hosts that cannot reach the npm registry (bank branches, air-gapped
// sites): the package as npm publishes it plus its production dependencies, installed from the
// lockfile and built (the native modules) for this platform and Node ABI. Unpack anywhere and run
// bin/siteready.js; the Ansible role in deploy/ installs it with `siteready_bundle_file`.
//
//   node scripts/make-bundle.mjs [--out DIR] [--offline]
//
// Needs a build (`npm run build`). --offline installs from npm's cache only (after `npm ci` it
// holds every tarball the lockfile names).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: ROOT }, offline: { type: 'boolean', default: false } } });
const out = resolve(values.out);
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const name = `siteready-${version}-${process.platform}-${process.arch}-node${process.versions.modules}`;

function sh(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`make-bundle: ${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n`);
    process.exit(1);
  }
  return r.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'siteready-bundle-'));
try {
  // What npm would publish (the `files` list), without running prepare again.
  const tarball = sh('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop();
  sh('tar', ['-xzf', join(work, tarball), '-C', work], ROOT);
  const dir = join(work, 'siteready');
  renameSync(join(work, 'package'), dir);
  copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  // The package is built already: npm ci must not run `prepare` (tsc is a dev dependency).
  sh('npm', ['pkg', 'delete', 'scripts.prepare'], dir);
  // The lockfile's exact versions; install scripts run, so the DSCP module is built here.
  sh('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', ...(values.offline ? ['--offline'] : [])], dir);
  mkdirSync(out, { recursive: true });
  const file = join(out, `${name}.tgz`);
  sh('tar', ['-czf', file, '-C', work, 'siteready'], ROOT);
  process.stdout.write(`${file}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
