// A profile as people and programs read it: conditions written out as text, rules with their
// references, and the JSON shape `siteready profiles <id> --json` prints (with its schema).

import type { Condition, LeafCondition, LocalText, Profile, Rule } from './types.js';

export function conditionText(c: Condition): string {
  switch (c.kind) {
    case 'and':
    case 'or':
      return c.of.map((x) => wrap(x)).join(` ${c.kind} `);
    case 'not':
      return `not ${wrap(c.of)}`;
    case 'all':
    case 'any':
    case 'none': {
      const q = c.q;
      const where = q.where ? ` where ${wrap(q.where)}` : '';
      const verb = { all: 'every', any: 'some', none: 'no' }[c.kind];
      const satisfy = q.satisfy ? `: ${wrap(q.satisfy)}` : c.kind === 'all' ? '' : ' exists';
      const empty = q.ifEmpty ? ` [if none: ${q.ifEmpty}]` : '';
      return `${verb} ${q.as} in ${q.each}${where}${satisfy}${empty}`;
    }
    case 'leaf':
      return leafText(c.leaf);
  }
}

function wrap(c: Condition): string {
  const t = conditionText(c);
  return c.kind === 'leaf' ? t : `(${t})`;
}

const OP_TEXT: Record<string, string> = {
  eq: '=',
  ne: '≠',
  in: 'in',
  notIn: 'not in',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  matches: 'matches',
  inCidr: 'inside',
  notInCidr: 'outside',
  containsAny: 'contains any of',
  containsNone: 'contains none of',
};

function leafText(l: LeafCondition): string {
  const parts = Object.entries(l.ops).map(([op, v]) => {
    if (op === 'exists') return v === true ? `${l.fact} is declared` : `${l.fact} is absent`;
    if (op === 'matches') return `${l.fact} matches /${String(v)}/`;
    return `${l.fact} ${OP_TEXT[op] ?? op} ${operandText(v)}`;
  });
  const missing = l.ifMissing ? ` [if missing: ${l.ifMissing}]` : '';
  return `${parts.join(' and ')}${missing}`;
}

function operandText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(operandText).join(', ')}]`;
  if (v && typeof v === 'object' && 'fact' in v) return `{${String((v as { fact: unknown }).fact)}}`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export interface RuleJson {
  id: string;
  key: string;
  title: LocalText;
  description?: LocalText;
  severity: string;
  severityBySize?: Record<string, string>;
  references: Rule['references'];
  applies?: string;
  assert: string;
  remediation: LocalText;
  location: { file: string; line: number; column: number };
}

export interface ProfileJson {
  id: string;
  title: LocalText;
  version: string;
  description?: LocalText;
  origin: string;
  file: string;
  sources: Profile['sources'];
  rules: RuleJson[];
}

export function profileJson(p: Profile): ProfileJson {
  return {
    id: p.id,
    title: p.title,
    version: p.version,
    ...(p.description ? { description: p.description } : {}),
    origin: p.origin,
    file: p.file,
    sources: p.sources,
    rules: p.rules.map((r) => ({
      id: r.id,
      key: `${p.id}.${r.id}`,
      title: r.title,
      ...(r.description ? { description: r.description } : {}),
      severity: r.severity,
      ...(r.severityBySize ? { severityBySize: r.severityBySize as Record<string, string> } : {}),
      references: r.references,
      ...(r.applies ? { applies: conditionText(r.applies) } : {}),
      assert: conditionText(r.assert),
      remediation: r.remediation,
      location: { file: r.location.file, line: r.location.line, column: r.location.column },
    })),
  };
}

const localText = { type: 'object', required: ['en'], properties: { en: { type: 'string' }, 'zh-CN': { type: 'string' } } } as const;
const severity = { enum: ['info', 'low', 'medium', 'high', 'critical'] } as const;

/** Schema of `siteready profiles <id> --json`. */
export const profileJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://siteready.dev/schema/profile-explained-v1.json',
  type: 'object',
  required: ['id', 'title', 'version', 'origin', 'file', 'sources', 'rules'],
  properties: {
    id: { type: 'string' },
    title: localText,
    version: { type: 'string' },
    description: localText,
    origin: { enum: ['shipped', 'file'] },
    file: { type: 'string' },
    sources: { type: 'array', minItems: 1, items: { type: 'object', required: ['id', 'title'] } },
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'key', 'title', 'severity', 'references', 'assert', 'remediation', 'location'],
        properties: {
          id: { type: 'string' },
          key: { type: 'string', pattern: '^[a-z0-9.-]+\\.[a-z0-9.-]+$' },
          title: localText,
          severity,
          severityBySize: { type: 'object', additionalProperties: severity },
          references: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['standard', 'clause', 'verified'],
              properties: {
                standard: { type: 'string' },
                clause: { type: 'string' },
                clauseZh: { type: 'string' },
                verified: { type: 'boolean' },
                url: { type: 'string' },
                note: { type: 'string' },
              },
            },
          },
          applies: { type: 'string' },
          assert: { type: 'string' },
          remediation: localText,
          location: { type: 'object', required: ['file', 'line', 'column'] },
        },
      },
    },
  },
} as const;
