// JSON Schema of compliance profile files (profiles/*.yaml). Conditions are validated here for
// shape (known operators, known keys); fact paths, variables, patterns and nesting depth are
// checked by the loader, which knows the site sections and the limits.

import { LEAF_OPERATORS } from './types.js';

const severity = { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'] } as const;
const localText = {
  type: 'object',
  additionalProperties: false,
  required: ['en'],
  properties: { en: { type: 'string', minLength: 1 }, 'zh-CN': { type: 'string', minLength: 1 } },
} as const;
const id = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+|\\.[a-z0-9]+)*$', maxLength: 80 } as const;
const cond = { $ref: '#/definitions/condition' } as const;
const scalar = { type: ['string', 'number', 'boolean', 'null'] } as const;
const factRef = { type: 'object', additionalProperties: false, required: ['fact'], properties: { fact: { type: 'string' } } } as const;
const operand = { anyOf: [scalar, factRef] } as const;
const list = { anyOf: [{ type: 'array', items: operand, maxItems: 1000 }, factRef] } as const;

const operatorSchemas: Record<(typeof LEAF_OPERATORS)[number], object> = {
  eq: operand,
  ne: operand,
  in: list,
  notIn: list,
  gt: { anyOf: [{ type: 'number' }, factRef] },
  gte: { anyOf: [{ type: 'number' }, factRef] },
  lt: { anyOf: [{ type: 'number' }, factRef] },
  lte: { anyOf: [{ type: 'number' }, factRef] },
  matches: { type: 'string' },
  exists: { type: 'boolean' },
  inCidr: list,
  notInCidr: list,
  containsAny: list,
  containsNone: list,
};

const quantifier = {
  type: 'object',
  additionalProperties: false,
  required: ['each'],
  properties: {
    each: { type: 'string', description: 'Fact path of the list to go over.' },
    as: { type: 'string', pattern: '^[a-z][A-Za-z0-9]*$', description: 'Name of the current element (default: item).' },
    where: cond,
    satisfy: cond,
    ifEmpty: {
      type: 'string',
      enum: ['pass', 'fail', 'not-evaluated'],
      description: 'Outcome when no element matches `where` (default: all and none hold, any does not).',
    },
  },
} as const;

const branch = (key: string, schema: object) => ({
  if: { required: [key] },
  then: { additionalProperties: false, properties: { [key]: schema } },
});

export const profileSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://siteready.dev/schema/profile-v1.json',
  title: 'siteready compliance profile',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'version', 'sources', 'rules'],
  properties: {
    $schema: { type: 'string' },
    id: { ...id, description: 'Profile id, used in site files (compliance.profiles) and waivers.' },
    title: localText,
    version: { type: 'string', minLength: 1, description: 'Version of this profile (not of the standards it cites).' },
    description: localText,
    sources: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title'],
        properties: {
          id: { type: 'string', minLength: 1 },
          title: { type: 'string', minLength: 1 },
          url: { type: 'string' },
          edition: { type: 'string' },
        },
      },
    },
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'severity', 'references', 'assert', 'remediation'],
        properties: {
          id,
          title: localText,
          description: localText,
          severity,
          severityBySize: {
            type: 'object',
            additionalProperties: false,
            properties: { small: severity, medium: severity, large: severity, enterprise: severity },
            description: 'Severity for a site of this size (site.size), over `severity`.',
          },
          references: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['standard', 'clause', 'verified'],
              properties: {
                standard: { type: 'string', minLength: 1, description: 'A source id of this profile, or the standard by name.' },
                clause: {
                  anyOf: [{ type: 'string', minLength: 1 }, localText],
                  description: 'The clause: text, or { en, zh-CN } to show the Chinese text in Chinese reports.',
                },
                url: { type: 'string' },
                verified: { type: 'boolean', description: 'false: the clause could not be checked against a public text.' },
                note: { type: 'string' },
              },
            },
          },
          applies: cond,
          assert: cond,
          remediation: localText,
        },
      },
    },
  },
  definitions: {
    condition: {
      type: 'object',
      minProperties: 1,
      allOf: [
        branch('and', { type: 'array', minItems: 1, items: cond }),
        branch('or', { type: 'array', minItems: 1, items: cond }),
        branch('not', cond),
        branch('all', quantifier),
        branch('any', quantifier),
        branch('none', quantifier),
        {
          if: { required: ['fact'] },
          then: {
            additionalProperties: false,
            minProperties: 2,
            properties: {
              fact: { type: 'string' },
              ifMissing: { type: 'string', enum: ['fail', 'pass', 'not-evaluated'] },
              ...operatorSchemas,
            },
          },
        },
      ],
    },
  },
} as const;

export const CONDITION_KEYS = ['and', 'or', 'not', 'all', 'any', 'none', 'fact'] as const;
