// Profile file → Profile: read (bounded), parse YAML keeping positions (the site loader's
// machinery), refuse hostile shapes before anything recurses, validate against the profile
// schema, then check what a schema cannot: fact paths and their prefixes, variables in scope,
// patterns, condition depth, duplicate rule ids. Every problem comes back at once, each with
// file:line:column.

import { readFileSync, statSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, type Diagnostic } from '../errors.js';
import { yamlHint } from '../site/load.js';
import { buildPositionIndex, lookupPosition, type NodePosition } from '../site/positions.js';
import { siteSchema } from '../site/schema.js';
import { usePrecompiled, validateAgainst, type SchemaProblem } from '../site/validate.js';
import { didYouMean } from '../util/suggest.js';
import { MAX_CONDITION_DEPTH, MAX_PROFILE_BYTES, MAX_RULES, MAX_YAML_DEPTH } from './limits.js';
import { parsePath } from './paths.js';
import { profileSchema, CONDITION_KEYS } from './profile-schema.js';

usePrecompiled(profileSchema, 'profile-validator.cjs');
import { regexProblem } from './safe-regex.js';
import { LEAF_OPERATORS, type Condition, type LeafCondition, type LocalText, type Profile, type Rule } from './types.js';

// A profile is read after it matched the profile schema, and its YAML tree is walked for tags: both
// by shape, as the schema and the YAML library describe them, not by a TypeScript type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Schemaless = any;

/** Roots a fact path may start with, besides variables bound by a quantifier. */
export function factRoots(): string[] {
  const sections = Object.keys(siteSchema.properties).filter((k) => k !== 'checks' && k !== '$schema');
  return [...sections, 'results', 'endpoints'];
}

export function loadProfileFile(path: string, display: string, origin: Profile['origin']): Profile {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new ConfigError(`${display}: cannot read the profile (${(err as NodeJS.ErrnoException).code ?? String(err)})`, [
      { file: display, message: 'cannot read the profile file' },
    ]);
  }
  if (size > MAX_PROFILE_BYTES) {
    throw new ConfigError(`${display} is too large for a profile`, [
      {
        file: display,
        message: `profile is ${size} bytes; at most ${MAX_PROFILE_BYTES} are allowed`,
        hint: 'split it into several profiles',
      },
    ]);
  }
  return parseProfileText(readFileSync(path, 'utf8'), display, origin);
}

export function parseProfileText(text: string, display: string, origin: Profile['origin']): Profile {
  const sourceLines = text.split(/\r?\n/);
  const lineCounter = new LineCounter();
  // No custom tags: the core schema only (no !!js/function, no object construction); unknown tags are errors.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, schema: 'core', customTags: [] });
  const errors = doc.errors;
  if (errors.length) {
    throw new ConfigError(
      `${display}: invalid YAML`,
      errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        const hint = yamlHint(e.code);
        return {
          file: display,
          line: pos.line,
          column: pos.col,
          message: `YAML syntax error: ${e.message.split('\n')[0]}`,
          ...(hint ? { hint } : {}),
          source: sourceLines[pos.line - 1],
        };
      }),
    );
  }
  const tagged = findTag(doc);
  if (tagged) {
    const pos = lineCounter.linePos(tagged.offset);
    throw new ConfigError(`${display}: YAML tags are not allowed in profiles`, [
      {
        file: display,
        line: pos.line,
        column: pos.col,
        message: `YAML tag ${tagged.tag} is not allowed in a profile`,
        hint: 'profiles are plain data: remove the tag',
        source: sourceLines[pos.line - 1],
      },
    ]);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw new ConfigError(`${display}: ${err instanceof Error ? err.message : String(err)}`, [{ file: display, message: String(err) }]);
  }
  const positions = buildPositionIndex(doc, lineCounter);
  const diag = (p: SchemaProblem): Diagnostic => {
    const pos: NodePosition = lookupPosition(positions, p.path ?? '');
    const line = p.keyPosition && pos.keyLine ? pos.keyLine : pos.line;
    const column = p.keyPosition && pos.keyColumn ? pos.keyColumn : pos.column;
    return {
      file: display,
      line,
      column,
      path: p.path || '/',
      message: p.message,
      ...(p.hint ? { hint: p.hint } : {}),
      source: sourceLines[line - 1],
    };
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${display}: not a compliance profile`, [
      diag({ path: '', message: 'expected a mapping with id, title, version, sources and rules' }),
    ]);
  }
  const deep = tooDeep(raw, '', 0);
  if (deep) {
    throw new ConfigError(`${display}: nesting too deep`, [
      diag({
        path: deep,
        message: `nesting deeper than ${MAX_YAML_DEPTH} levels`,
        hint: 'profiles this deep are not hand-written; flatten the conditions',
      }),
    ]);
  }
  const schemaProblems = validateAgainst(profileSchema, raw);
  if (schemaProblems.length)
    throw new ConfigError(`${display}: ${schemaProblems.length} problem(s) against the profile schema`, schemaProblems.map(diag));

  const data = raw as Record<string, Schemaless>;
  const problems: SchemaProblem[] = [];
  const roots = factRoots();
  if ((data.rules as unknown[]).length > MAX_RULES) problems.push({ path: '/rules', message: `more than ${MAX_RULES} rules` });

  const parseCondition = (node: Schemaless, at: string, vars: string[], depth: number): Condition | undefined => {
    if (depth > MAX_CONDITION_DEPTH) {
      problems.push({
        path: at,
        message: `conditions nested deeper than ${MAX_CONDITION_DEPTH} levels`,
        hint: 'split the rule into several rules',
      });
      return undefined;
    }
    const keys = Object.keys(node);
    const kind = CONDITION_KEYS.find((k) => k in node);
    if (!kind) {
      const first = keys[0] ?? '';
      problems.push({
        path: `${at}/${first}`,
        keyPosition: true,
        message: `unknown operator "${first}"`,
        hint:
          didYouMean(first, [...CONDITION_KEYS, ...LEAF_OPERATORS]) ??
          `a condition is one of: and, or, not, all, any, none, or {fact: <path>, <operator>: ...} with ${LEAF_OPERATORS.join(', ')}`,
      });
      return undefined;
    }
    if (kind === 'and' || kind === 'or') {
      const of = (node[kind] as unknown[]).map((c, i) => parseCondition(c, `${at}/${kind}/${i}`, vars, depth + 1));
      return of.every(Boolean) ? { kind, of: of as Condition[], at } : undefined;
    }
    if (kind === 'not') {
      const of = parseCondition(node.not, `${at}/not`, vars, depth + 1);
      return of ? { kind, of, at } : undefined;
    }
    if (kind === 'all' || kind === 'any' || kind === 'none') {
      const q = node[kind] as {
        each: string;
        as?: string;
        where?: unknown;
        satisfy?: unknown;
        ifEmpty?: 'pass' | 'fail' | 'not-evaluated';
      };
      const qAt = `${at}/${kind}`;
      checkPath(q.each, `${qAt}/each`, vars);
      const name = q.as ?? 'item';
      if (roots.includes(name))
        problems.push({
          path: `${qAt}/as`,
          message: `"${name}" is a fact root and cannot name an element`,
          hint: 'pick another name, e.g. ep',
        });
      const inner = [...vars, name];
      const where = q.where === undefined ? undefined : parseCondition(q.where, `${qAt}/where`, inner, depth + 1);
      const satisfy = q.satisfy === undefined ? undefined : parseCondition(q.satisfy, `${qAt}/satisfy`, inner, depth + 1);
      if (kind === 'all' && q.satisfy === undefined)
        problems.push({ path: qAt, message: '"all" needs "satisfy": the condition every element must meet' });
      return {
        kind,
        q: {
          each: q.each,
          as: name,
          ...(where ? { where } : {}),
          ...(satisfy ? { satisfy } : {}),
          ...(q.ifEmpty ? { ifEmpty: q.ifEmpty } : {}),
          at: qAt,
        },
        at,
      };
    }
    // A leaf: {fact: path, <operator>: operand, ...}
    checkPath(node.fact, `${at}/fact`, vars);
    const ops: LeafCondition['ops'] = {};
    for (const op of LEAF_OPERATORS) {
      if (!(op in node)) continue;
      ops[op] = node[op];
      forEachFactRef(node[op], (ref, sub) => checkPath(ref, `${at}/${op}${sub}/fact`, vars));
    }
    if (typeof node.matches === 'string') {
      const bad = regexProblem(node.matches);
      if (bad) problems.push({ path: `${at}/matches`, message: bad.message, hint: bad.hint });
    }
    if (Object.keys(ops).length === 0)
      problems.push({ path: at, message: 'a fact condition needs an operator', hint: `one of ${LEAF_OPERATORS.join(', ')}` });
    return { kind: 'leaf', leaf: { fact: node.fact, ops, ...(node.ifMissing ? { ifMissing: node.ifMissing } : {}), at }, at };
  };

  const checkPath = (text: string, at: string, vars: string[]) => {
    const p = parsePath(text);
    if ('error' in p) {
      problems.push({ path: at, message: p.error });
      return;
    }
    if (!roots.includes(p.root) && !vars.includes(p.root)) {
      problems.push({
        path: at,
        message: `unknown fact path prefix "${p.root}" in "${text}"`,
        hint:
          didYouMean(p.root, [...roots, ...vars]) ??
          `a path starts with a site section (${roots.filter((r) => r !== 'results' && r !== 'endpoints').join(', ')}), results, endpoints${vars.length ? `, or ${vars.join(', ')}` : ''}`,
      });
    }
  };

  const seen = new Set<string>();
  const rules: Rule[] = [];
  (data.rules as Array<Record<string, Schemaless>>).forEach((r, i) => {
    const at = `/rules/${i}`;
    if (seen.has(r.id)) problems.push({ path: `${at}/id`, message: `rule id "${r.id}" is used twice in this profile` });
    seen.add(r.id);
    const applies = r.applies === undefined ? undefined : parseCondition(r.applies, `${at}/applies`, [], 1);
    const assert = parseCondition(r.assert, `${at}/assert`, [], 1);
    for (const [j, ref] of (r.references as Array<{ standard: string }>).entries()) {
      if (!ref.standard.trim()) problems.push({ path: `${at}/references/${j}/standard`, message: 'empty standard' });
    }
    // A clause may be bilingual ({ en, zh-CN }): readers of the report JSON keep getting the English
    // text under `clause`, and the Chinese one comes alongside.
    const references = (r.references as Array<Record<string, Schemaless>>).map((ref) => {
      if (typeof ref.clause === 'string') return ref;
      const clause = ref.clause as LocalText;
      return { ...ref, clause: clause.en, ...(clause['zh-CN'] ? { clauseZh: clause['zh-CN'] } : {}) };
    });
    if (!assert) return;
    const pos = lookupPosition(positions, at);
    rules.push({
      id: r.id,
      title: r.title as LocalText,
      ...(r.description ? { description: r.description as LocalText } : {}),
      severity: r.severity,
      ...(r.severityBySize ? { severityBySize: r.severityBySize } : {}),
      references: references as Rule['references'],
      ...(applies ? { applies } : {}),
      assert,
      remediation: r.remediation as LocalText,
      location: { file: display, line: pos.line, column: pos.column, path: at },
    });
  });
  if (problems.length) throw new ConfigError(`${display}: ${problems.length} problem(s) in the profile`, problems.map(diag));

  return {
    id: data.id,
    title: data.title,
    version: data.version,
    ...(data.description ? { description: data.description } : {}),
    sources: data.sources,
    rules,
    origin,
    file: display,
    location: { file: display, line: 1, column: 1, path: '/' },
  };
}

function forEachFactRef(operand: unknown, fn: (path: string, sub: string) => void): void {
  if (operand && typeof operand === 'object' && !Array.isArray(operand) && typeof (operand as { fact?: unknown }).fact === 'string') {
    fn((operand as { fact: string }).fact, '');
  } else if (Array.isArray(operand)) {
    operand.forEach((o, i) => {
      if (o && typeof o === 'object' && typeof (o as { fact?: unknown }).fact === 'string') fn((o as { fact: string }).fact, `/${i}`);
    });
  }
}

function tooDeep(node: unknown, pointer: string, depth: number): string | undefined {
  if (depth > MAX_YAML_DEPTH) return pointer;
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) {
      const hit = tooDeep(v, `${pointer}/${i}`, depth + 1);
      if (hit) return hit;
    }
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const hit = tooDeep(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** The first explicitly tagged node (`!!js/function`, `!custom`, even `!!str`), if any: the parser sets `tag` only for those. */
function findTag(doc: Document): { tag: string; offset: number } | undefined {
  let found: { tag: string; offset: number } | undefined;
  const visit = (node: Schemaless, depth: number): void => {
    if (found || !node || typeof node !== 'object' || depth > MAX_YAML_DEPTH + 5) return;
    if (typeof node.tag === 'string' && Array.isArray(node.range)) {
      found = { tag: node.tag.replace(/^tag:yaml\.org,2002:/, '!!'), offset: node.range[0] };
      return;
    }
    if (Array.isArray(node.items)) for (const it of node.items) visit(it, depth + 1);
    if ('key' in node) visit(node.key, depth + 1);
    if ('value' in node) visit(node.value, depth + 1);
  };
  visit(doc.contents, 0);
  return found;
}
