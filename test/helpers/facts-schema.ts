// Facts as measured must match the schema their check declares: re-judging a saved report
// refuses facts that do not, so a measurement that breaks the schema (a negative time, a missing
// field) would only show when someone judges the report again. Integration tests check it at once.

import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { isMeasuredCheck } from '../../src/plugin-api.js';
import { builtinChecks } from '../../src/runner/registry.js';

const require = createRequire(import.meta.url);
let validators: Promise<Map<string, ValidateFunction>> | undefined;

function factValidators(): Promise<Map<string, ValidateFunction>> {
  validators ??= builtinChecks().then((checks) => {
    const { Ajv } = require('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    return new Map(checks.flatMap((c) => (c.def && isMeasuredCheck(c.def) ? [[c.id, ajv.compile(c.def.facts.schema)] as const] : [])));
  });
  return validators;
}

/** "check:target: problem" for every result with versioned facts that its check's schema refuses. */
export async function factsSchemaProblems(
  results: Array<{ check: string; target: string; facts?: unknown; factsVersion?: number }>,
): Promise<string[]> {
  const byCheck = await factValidators();
  return results.flatMap((r) => {
    const validate = r.factsVersion === undefined ? undefined : byCheck.get(r.check);
    if (!validate || validate(r.facts)) return [];
    return [
      `${r.check}:${r.target}: ${(validate.errors ?? []).map((e) => `${e.instancePath || '(facts)'} ${e.message ?? e.keyword}`).join('; ')}`,
    ];
  });
}
