// The floor under every siteready command that reads a site file: the libraries it stands on —
// yaml (site files), commander (the command line) and the generated site-schema validator — loaded
// the way the CLI loads them (V8's compile cache where Node has it), then one site parsed and
// validated. Nothing of siteready's own runs: bench/startup.mjs times this beside the commands, so
// the ratio that is left to siteready's own work can be read off.
//
// Usage: node bench/lib/startup-floor.mjs SITE.yaml   (from the repository root, after a build)

import module from 'node:module';
import { readFileSync } from 'node:fs';

module.enableCompileCache?.();
const require = module.createRequire(import.meta.url);
const { parseDocument } = require('yaml');
const { Command } = require('commander');
const validate = require('../../dist/src/site/site-validator.cjs');

const file = process.argv[2];
new Command('siteready').argument('<site.yaml>').parse(['node', 'siteready', file]);
const doc = parseDocument(readFileSync(file, 'utf8'));
if (!validate(doc.toJS())) {
  process.stderr.write(`${JSON.stringify(validate.errors)}\n`);
  process.exit(2);
}
