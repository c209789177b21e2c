// Editors show a field's description on hover and completion (the schema is published by
// `siteready schema`): a field without one leaves the person writing the file guessing.

import { describe, expect, it } from 'vitest';
import { siteSchema } from '../../src/site/schema.js';

type Schema = Record<string, unknown>;

/** JSON pointers (into the schema) of every property schema that has no description. */
function undescribed(schema: unknown, at = ''): string[] {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return [];
  const s = schema as Schema;
  const out: string[] = [];
  for (const keyword of ['properties', 'patternProperties'] as const) {
    const props = s[keyword] as Record<string, Schema> | undefined;
    for (const [key, value] of Object.entries(props ?? {})) {
      const here = `${at}/${keyword}/${key}`;
      if (typeof value.description !== 'string' || value.description.trim() === '') out.push(here);
      out.push(...undescribed(value, here));
    }
  }
  // Fields nested in lists, maps and alternatives are fields too.
  if (s.items) out.push(...undescribed(s.items, `${at}/items`));
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.push(...undescribed(s.additionalProperties, `${at}/additionalProperties`));
  for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const)
    ((s[keyword] as unknown[] | undefined) ?? []).forEach((branch, i) => out.push(...undescribed(branch, `${at}/${keyword}/${i}`)));
  return out;
}

describe('the site schema', () => {
  it('describes every field', () => {
    expect(undescribed(siteSchema)).toEqual([]);
  });

  it('the walk finds fields in lists, maps and pattern properties', () => {
    const schema = {
      properties: {
        a: { description: 'a', type: 'array', items: { properties: { b: { type: 'string' } } } },
        c: { description: 'c', additionalProperties: { properties: { d: {} } }, patternProperties: { '^x-': {} } },
      },
    };
    expect(undescribed(schema)).toEqual([
      '/properties/a/items/properties/b',
      '/properties/c/patternProperties/^x-',
      '/properties/c/additionalProperties/properties/d',
    ]);
  });
});
