#!/usr/bin/env node
// Build step after tsc: ajv standalone code for the site schema and the compliance-profile schema
// (dist/src/site/*-validator.cjs) and for every built-in check's options
// (dist/checks/<id>/options-validator.cjs). Compiling the schema at every start cost ~150 ms of each
// command's start-up; the generated validator loads in a few. Built from dist/ itself, with the
// options the run-time fallback uses, so the two cannot disagree.

import { readdirSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const { Ajv } = require('ajv');
const standaloneCode = require('ajv/dist/standalone').default;
const { AJV_OPTIONS } = await import(join(ROOT, 'dist', 'src', 'site', 'validate.js'));
const { siteSchema } = await import(join(ROOT, 'dist', 'src', 'site', 'schema.js'));
const { profileSchema } = await import(join(ROOT, 'dist', 'src', 'compliance', 'profile-schema.js'));
const { catalogSchema } = await import(join(ROOT, 'dist', 'src', 'platforms', 'schema.js'));

const targets = [
  [join(ROOT, 'dist', 'src', 'site', 'site-validator.cjs'), siteSchema],
  [join(ROOT, 'dist', 'src', 'site', 'profile-validator.cjs'), profileSchema],
  [join(ROOT, 'dist', 'src', 'site', 'catalog-validator.cjs'), catalogSchema],
];
const checksDir = join(ROOT, 'dist', 'checks');
for (const id of readdirSync(checksDir)) {
  const file = join(checksDir, id, 'index.js');
  if (!existsSync(file)) continue;
  const schema = (await import(file)).default?.inputs?.schema;
  if (schema) targets.push([join(checksDir, id, 'options-validator.cjs'), schema]);
}
for (const [out, schema] of targets) {
  // One ajv per schema: standalone code holds everything its instance compiled.
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  writeFileSync(out, standaloneCode(ajv, ajv.compile(schema)));
}
