// Reading a saved report back: JSON, then the published report schema, so `report` and `compare`
// never render or gate half a file. Every problem is a configuration error (exit 2).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigError, errorMessage, type Diagnostic } from '../errors.js';
import type { Report } from '../report/model.js';
import { migrateReport } from '../report/migrate.js';
import { reportSchema } from '../report/schema.js';

const require = createRequire(import.meta.url);
let validator: ValidateFunction | undefined;

function validateReport(data: unknown): ErrorObject[] {
  if (!validator) {
    // Loaded on first use: only `report` and `compare` read reports back.
    const { Ajv } = require('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    ajv.addFormat(
      'date-time',
      (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
    );
    validator = ajv.compile(reportSchema);
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

function describe(e: ErrorObject): string {
  const where = e.instancePath || '(top level)';
  if (e.keyword === 'required') return `${where}: missing "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'additionalProperties')
    return `${where}: unexpected "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  return `${where}: ${e.message ?? e.keyword}`;
}

export async function loadReportFile(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read report ${file}`, [{ file, message: `cannot read the report: ${errorMessage(err)}` }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not JSON`, [
      {
        file,
        message: `not a JSON report: ${errorMessage(err)}`,
        hint: 'give the file written by --format json=FILE (or siteready demo --report-file)',
      },
    ]);
  }
  data = migrateReport(data);
  const errors = validateReport(data);
  if (errors.length) {
    const shown = errors.slice(0, 10);
    const diagnostics: Diagnostic[] = shown.map((e, i) => ({
      file,
      ...(e.instancePath ? { path: e.instancePath } : {}),
      message: describe(e),
      ...(i === shown.length - 1
        ? {
            hint: `${errors.length > shown.length ? `${errors.length - shown.length} more problem(s); ` : ''}the file does not match \`siteready schema --report\`: was it written by siteready, and by a compatible version?`,
          }
        : {}),
    }));
    throw new ConfigError(`${file} is not a valid siteready report`, diagnostics);
  }
  return data as Report;
}
