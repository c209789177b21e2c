// JSON Schema validation (ajv, all errors) turned into diagnostics a person can act on.

import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../errors.js';
import { builtFile, runningFromSource } from '../version.js';
import { didYouMean } from '../util/suggest.js';

export type SchemaProblem = Pick<Diagnostic, 'path' | 'message' | 'hint'> & { keyPosition?: boolean };

/** The options every validator is built with, at run time and by scripts/compile-schemas.mjs. */
export const AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: false, allowUnionTypes: true };

const require = createRequire(import.meta.url);
let ajvInstance: Ajv | undefined;

function ajv(): Ajv {
  // Loaded only when a schema has no precompiled validator: ajv itself costs ~35 ms to load.
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  ajvInstance ??= new AjvClass(AJV_OPTIONS);
  return ajvInstance;
}

const compiled = new WeakMap<object, ValidateFunction>();
const precompiledFiles = new WeakMap<object, string>();

/**
 * Names the validator the build generated for `schema` (ajv standalone code in dist/src/site/):
 * compiling the site schema takes ~150 ms at every start, loading its code ~4 ms. Running from the
 * sources (tests) the schema is compiled as before, so a changed schema is never checked by stale code.
 */
export function usePrecompiled(schema: object, file: string): void {
  // `file`: a name in dist/src/site/, or an absolute path (a built-in check's own folder).
  if (!runningFromSource) precompiledFiles.set(schema, isAbsolute(file) ? file : builtFile('src', 'site', file));
}

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate) return validate;
  const file = precompiledFiles.get(schema);
  if (file) {
    try {
      validate = require(file) as ValidateFunction;
    } catch {
      validate = undefined;
    }
  }
  validate ??= ajv().compile(schema);
  compiled.set(schema, validate);
  return validate;
}

export function validateAgainst(schema: object, data: unknown, basePointer = ''): SchemaProblem[] {
  const validate = validatorFor(schema);
  if (validate(data)) return [];
  return simplify(validate.errors ?? []).map((e) => describe(e, basePointer));
}

// anyOf/oneOf report every branch; the branch errors are the useful ones, the summary is noise.
function simplify(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function describe(e: ErrorObject, base: string): SchemaProblem {
  const path = base + e.instancePath;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((parent.properties as object | undefined) ?? {});
      return {
        path: `${path}/${prop}`,
        keyPosition: true,
        message: `unknown field "${prop}"`,
        hint: didYouMean(prop, known) ?? (known.length ? `allowed here: ${known.join(', ')}` : undefined),
      };
    }
    case 'required': {
      const prop = String((e.params as { missingProperty: string }).missingProperty);
      return { path, message: `missing required field "${prop}"` };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      return {
        path,
        message: `${show(e.data)} is not one of: ${allowed.join(', ')}`,
        hint: typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined,
      };
    }
    case 'const':
      return { path, message: `must be ${show((e.params as { allowedValue: unknown }).allowedValue)}, got ${show(e.data)}` };
    case 'type': {
      const want = String((e.params as { type: string }).type);
      return {
        path,
        message: `expected ${want}, got ${typeOf(e.data)} ${show(e.data)}`,
        hint: want === 'integer' && typeof e.data === 'string' && /^\d+$/.test(e.data) ? 'remove the quotes around the number' : undefined,
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const p = e.params as { comparison: string; limit: number };
      return { path, message: `must be ${p.comparison} ${p.limit}, got ${show(e.data)}` };
    }
    case 'pattern':
      return {
        path,
        message: `${show(e.data)} does not have the expected form`,
        hint: typeof parent.description === 'string' ? parent.description : `pattern: ${(e.params as { pattern: string }).pattern}`,
      };
    case 'minLength':
      return { path, message: `must be at least ${(e.params as { limit: number }).limit} characters long` };
    case 'minItems':
      return { path, message: `must list at least ${(e.params as { limit: number }).limit} item(s)` };
    case 'propertyNames':
      return { path, message: `invalid key ${show((e.params as { propertyName?: string }).propertyName)}` };
    default:
      return { path, message: e.message ?? `violates ${e.keyword}` };
  }
}
