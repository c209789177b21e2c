#!/usr/bin/env node
// Thin shim: everything lives in the compiled CLI so `--help` loads as little as possible.
import module from 'node:module';

// Node ≥ 22.1 can keep V8's compiled code of every module between runs (on disk, keyed by file
// content; NODE_DISABLE_COMPILE_CACHE=1 turns it off): a command then starts without compiling
// the hundreds of modules it loads again. Older Nodes have no such API and start as before.
module.enableCompileCache?.();
import('../dist/bundle/cli.js')
  .then((cli) => cli.main(process.argv))
  .catch((err) => {
    const missingBuild = err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist');
    process.stderr.write(
      missingBuild
        ? 'siteready: the compiled files are missing; run `npm install` (or `npm run build`) first.\n'
        : `siteready: internal error: ${err && err.message ? err.message : String(err)}\n`,
    );
    process.exit(3);
  });
