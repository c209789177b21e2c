#!/usr/bin/env node
// `npm install` step: builds the DSCP module (native/dscp.c) with node-gyp. It is optional: when it
// cannot be built, the install still succeeds, one line says why, and the QoS check reports
// "unsupported here" with the same reason. Everything else in siteready is plain JavaScript.
//
// The headers come from the running Node's own installation when it ships them (official builds
// and distribution packages do: <prefix>/include/node), so the build needs no download.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = join(root, 'build', 'dscp-build.log');
const say = (line) => process.stderr.write(`siteready: ${line}\n`);

if (process.platform !== 'linux') {
  const why =
    process.platform === 'win32'
      ? 'Windows sets DSCP marks by Group Policy (policy-based QoS) or qWAVE, not per socket'
      : `only Linux is supported so far (this is ${process.platform})`;
  say(`QoS marking tests are unavailable here: ${why}. Everything else works.`);
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else the one bundled with npm, else one on PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const found = candidates.find((f) => f && existsSync(f));
  return found ? [process.execPath, found] : ['node-gyp'];
}

/** Headers of the running Node when its installation has them; node-gyp downloads them otherwise. */
function nodeDir() {
  if (process.env.npm_config_nodedir) return undefined;
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

const [cmd, ...pre] = nodeGyp();
const dir = nodeDir();
const args = [...pre, 'rebuild', ...(dir ? [`--nodedir=${dir}`] : [])];
const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const output = `${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
try {
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, output);
} catch {
  // the log is a convenience; the one line below is the message
}
if (r.status !== 0) {
  const reason = r.error
    ? 'node-gyp could not be started'
    : /not found: (make|g\+\+|c\+\+|cc|gcc)\b|No such file or directory:? '?[^\s']*\b(make|g\+\+|c\+\+|cc|gcc|clang)'?|Could not find any Python/i.test(
          output,
        )
      ? 'a C compiler, make or python3 is missing'
      : `node-gyp failed (see ${log})`;
  say(`QoS marking tests are unavailable: the DSCP module was not built (${reason}). Everything else works.`);
}
process.exit(0);
