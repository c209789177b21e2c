#!/usr/bin/env node
// Build step after tsc: ajv standalone code for the site schema, next to the module that uses it
// (dist/src/site/site-validator.cjs). Compiling the schema at every start cost ~150 ms of each
// command's start-up; the generated validator loads in a few. Built from dist/ itself, with the
// options the run-time fallback uses, so the two cannot disagree.

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const { Ajv } = require('ajv');
const standaloneCode = require('ajv/dist/standalone').default;
const { AJV_OPTIONS } = await import(join(ROOT, 'dist', 'src', 'site', 'validate.js'));
const { siteSchema } = await import(join(ROOT, 'dist', 'src', 'site', 'schema.js'));

const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const out = join(ROOT, 'dist', 'src', 'site', 'site-validator.cjs');
writeFileSync(out, standaloneCode(ajv, ajv.compile(siteSchema)));
