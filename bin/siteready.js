#!/usr/bin/env node
// Thin shim: everything lives in the compiled CLI so `--help` loads as little as possible.
import('../dist/src/cli/main.js')
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
