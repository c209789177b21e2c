// Conditions over the facts document, in three-valued logic: true, false, or unknown (a fact the
// rule needs was not measured). Unknown never turns into a pass: and/or follow Kleene's rules
// (false wins an and, true wins an or), and a rule whose verdict is unknown is "not evaluated",
// with the reason. Every leaf records the facts it read and where they came from.

import { MAX_DECIDED_BY, MAX_EVALUATION_STEPS, MAX_MATCH_INPUT } from './limits.js';
import { compilePattern, type PatternTest } from './safe-regex.js';
import { cidrContains, parseAddress, parseCidr, type Cidr } from '../util/cidr.js';
import { sourceOf, type Facts, type Origin } from './facts.js';
import { parsePath, type Segment } from './paths.js';
import type { Message } from '../i18n/types.js';
import type { Condition, FactUse, LeafCondition, LeafOperator, MissingPolicy, Quantifier } from './types.js';
import { allOf, anyOf, need, why } from './why.js';

export type Truth = true | false | 'unknown';

export interface Evaluation {
  value: Truth;
  uses: FactUse[];
  /** Why, in messages: the leaves that decided the value. */
  why: Message[];
}

interface Binding {
  value: unknown;
  display: string;
  origin: Origin | undefined;
  rest: Array<string | number>;
  measured: boolean;
}

interface Resolved {
  found: boolean;
  value?: unknown;
  display: string;
  origin: Origin | undefined;
  rest: Array<string | number>;
  /** Whether the path went through measured facts (results, resolved addresses). */
  measured: boolean;
  /** For a missing fact: which part was missing. */
  missing?: Message;
}

/** Facts that only exist when a check ran; missing ones make a rule "not evaluated", not failed. */
const MEASURED = new Set(['results', 'resolved']);

export class BudgetExceeded extends Error {}

export class Evaluator {
  private steps = 0;
  private readonly regexCache = new Map<string, PatternTest>();

  constructor(private readonly facts: Facts) {}

  evaluate(cond: Condition, vars: Map<string, Binding> = new Map()): Evaluation {
    if (++this.steps > MAX_EVALUATION_STEPS) throw new BudgetExceeded(`more than ${MAX_EVALUATION_STEPS} evaluation steps`);
    switch (cond.kind) {
      case 'and':
      case 'or': {
        const parts = cond.of.map((c) => this.evaluate(c, vars));
        const decisive = cond.kind === 'and' ? false : true;
        const hit = parts.filter((p) => p.value === decisive);
        if (hit.length) return merge(decisive, hit);
        const unknown = parts.filter((p) => p.value === 'unknown');
        if (unknown.length) return merge('unknown', unknown);
        const all = merge(!decisive, parts);
        // "x = 1; needs one of [..]" and "x = 1; needs = 2" from one or read as one requirement.
        return cond.kind === 'or' ? { ...all, why: joinAlternatives(parts.flatMap((p) => p.why)) } : all;
      }
      case 'not': {
        const inner = this.evaluate(cond.of, vars);
        return { ...inner, value: inner.value === 'unknown' ? 'unknown' : !inner.value, why: inner.why.map((w) => why.not(w)) };
      }
      case 'all':
      case 'any':
      case 'none':
        return this.quantify(cond.kind, cond.q, vars);
      case 'leaf':
        return this.leaf(cond.leaf, vars);
    }
  }

  private quantify(kind: 'all' | 'any' | 'none', q: Quantifier, vars: Map<string, Binding>): Evaluation {
    const list = this.resolveAll(q.each, vars);
    if (list.length === 1 && !list[0]!.found) {
      const r = list[0]!;
      if (r.measured) return { value: 'unknown', uses: [this.use(r)], why: [r.missing ?? why.missing(r.display)] };
      // An undeclared list in the site file holds nothing.
      return q.ifEmpty ? policyOutcome(q.ifEmpty, [this.use(r)], why.notDeclared(r.display)) : outcomeOfEmpty(kind, [this.use(r)]);
    }
    const items: Binding[] = [];
    for (const r of list) {
      if (!r.found) continue;
      if (Array.isArray(r.value)) {
        r.value.forEach((v, i) => items.push(this.child({ ...r, value: r.value }, i, v)));
      } else {
        items.push({ value: r.value, display: r.display, origin: r.origin, rest: r.rest, measured: r.measured });
      }
    }
    const listUses = list.filter((r) => r.found).map((r) => this.use(r));
    const verdicts: Evaluation[] = [];
    const unmatched: Evaluation[] = [];
    for (const item of items) {
      const scope = new Map(vars).set(q.as, item);
      const w = q.where ? this.evaluate(q.where, scope) : undefined;
      if (w?.value === false) {
        unmatched.push(w);
        continue;
      }
      if (w?.value === 'unknown') {
        verdicts.push(w);
        continue;
      }
      // Without `satisfy`, matching `where` is what counts: its facts are the evidence.
      verdicts.push(q.satisfy ? this.evaluate(q.satisfy, scope) : (w ?? { value: true, uses: [], why: [why.exists(item.display)] }));
    }
    if (verdicts.length === 0) {
      const searched = merge(false, unmatched);
      const uses = [...listUses, ...searched.uses].slice(0, MAX_DECIDED_BY);
      const none = why.noneMatches(q.each, searched.why.length ? allOf(searched.why.slice(0, 3)) : undefined);
      if (q.ifEmpty) return policyOutcome(q.ifEmpty, uses, none);
      if (kind !== 'any') return outcomeOfEmpty(kind, listUses);
      return { value: false, uses, why: [none] };
    }
    const trues = verdicts.filter((v) => v.value === true);
    const falses = verdicts.filter((v) => v.value === false);
    const unknowns = verdicts.filter((v) => v.value === 'unknown');
    if (kind === 'all') {
      if (falses.length) return merge(false, falses);
      if (unknowns.length) return merge('unknown', unknowns);
      return merge(true, trues);
    }
    if (kind === 'any') {
      if (trues.length) return merge(true, trues.slice(0, 1));
      if (unknowns.length) return merge('unknown', unknowns);
      return merge(false, falses);
    }
    // none: the elements that satisfy the condition are what breaks it.
    if (trues.length) return { ...merge(false, trues), why: trues.flatMap((t) => t.why).map((w) => why.unexpected(w)) };
    if (unknowns.length) return merge('unknown', unknowns);
    return merge(true, falses);
  }

  private leaf(leaf: LeafCondition, vars: Map<string, Binding>): Evaluation {
    const resolved = this.resolveAll(leaf.fact, vars);
    const parsed = parsePath(leaf.fact);
    const wildcard = !('error' in parsed) && parsed.segments.some((s: Segment) => 'any' in s);
    const present = resolved.filter((r) => r.found);
    const first = resolved[0]!;
    const uses = (wildcard ? present : resolved).map((r) => this.use(r));
    if (!wildcard && !first.found) {
      if ('exists' in leaf.ops) {
        const want = leaf.ops.exists === true;
        return { value: !want, uses, why: [want ? why.notDeclared(first.display) : why.absent(first.display)] };
      }
      const policy: MissingPolicy = leaf.ifMissing ?? (first.measured ? 'not-evaluated' : 'fail');
      if (policy === 'pass') return { value: true, uses: [], why: [] }; // absence decided nothing
      if (policy === 'fail') return { value: false, uses, why: [why.notDeclared(first.display)] };
      return { value: 'unknown', uses, why: [first.missing ?? why.notMeasured(first.display)] };
    }
    const value = wildcard ? present.map((r) => r.value) : first.value;
    const display = wildcard ? leaf.fact : first.display;
    const whys: Message[] = [];
    let unknown = false;
    for (const [op, operand] of Object.entries(leaf.ops) as Array<[LeafOperator, unknown]>) {
      const res = this.operate(op, value, operand, vars, uses);
      if (res === 'unknown') unknown = true;
      else if (!res.ok) whys.push(why.valueNeeds(display, show(value), res.need));
    }
    if (whys.length) return { value: false, uses, why: whys };
    if (unknown) return { value: 'unknown', uses, why: [why.unresolved(display)] };
    return { value: true, uses, why: [why.value(display, show(value))] };
  }

  private operate(
    op: LeafOperator,
    value: unknown,
    operand: unknown,
    vars: Map<string, Binding>,
    uses: FactUse[],
  ): { ok: boolean; need: Message } | 'unknown' {
    const resolveOperand = (o: unknown): unknown | typeof UNKNOWN => {
      if (o && typeof o === 'object' && !Array.isArray(o) && typeof (o as { fact?: unknown }).fact === 'string') {
        const rs = this.resolveAll((o as { fact: string }).fact, vars);
        const found = rs.filter((r) => r.found);
        for (const r of found) uses.push(this.use(r));
        if (found.length === 0) return rs[0]?.measured ? UNKNOWN : MISSING;
        return rs.length === 1 ? found[0]!.value : found.map((r) => r.value);
      }
      return o;
    };
    const listOperand = (o: unknown): unknown[] | typeof UNKNOWN => {
      const items = Array.isArray(o) ? o : [o];
      const out: unknown[] = [];
      for (const it of items) {
        const v = resolveOperand(it);
        if (v === UNKNOWN) return UNKNOWN;
        if (v === MISSING) continue;
        if (Array.isArray(v)) out.push(...v.flat(2));
        else out.push(v);
      }
      return out;
    };
    switch (op) {
      case 'eq':
      case 'ne': {
        const o = resolveOperand(operand);
        if (o === UNKNOWN) return 'unknown';
        const same = o !== MISSING && equal(value, o);
        return op === 'eq' ? { ok: same, need: need.eq(show(o)) } : { ok: !same, need: need.ne(show(o)) };
      }
      case 'in':
      case 'notIn': {
        const set = listOperand(operand);
        if (set === UNKNOWN) return 'unknown';
        const hit = set.some((s) => equal(value, s));
        return op === 'in' ? { ok: hit, need: need.in(show(set)) } : { ok: !hit, need: need.notIn(show(set)) };
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const o = resolveOperand(operand);
        if (o === UNKNOWN) return 'unknown';
        const sym = { gt: '>', gte: '≥', lt: '<', lte: '≤' }[op];
        if (typeof value !== 'number' || typeof o !== 'number') return { ok: false, need: need.number(sym, show(o)) };
        const ok = op === 'gt' ? value > o : op === 'gte' ? value >= o : op === 'lt' ? value < o : value <= o;
        return { ok, need: need.compare(sym, o) };
      }
      case 'matches': {
        const pattern = String(operand);
        let re = this.regexCache.get(pattern);
        if (!re) {
          re = compilePattern(pattern);
          this.regexCache.set(pattern, re);
        }
        const values = Array.isArray(value) ? value : [value];
        for (const v of values) {
          if (typeof v !== 'string' && typeof v !== 'number') return { ok: false, need: need.textMatching(pattern) };
          const text = String(v);
          if (text.length > MAX_MATCH_INPUT) return 'unknown';
          if (!re(text)) return { ok: false, need: need.match(pattern) };
        }
        return { ok: true, need: NO_NEED };
      }
      case 'exists':
        return { ok: operand === true, need: operand === true ? need.declared() : need.absent() };
      case 'inCidr':
      case 'notInCidr': {
        const list = listOperand(operand);
        if (list === UNKNOWN) return 'unknown';
        const blocks: Cidr[] = [];
        for (const b of list) {
          const c = typeof b === 'string' ? parseCidr(b) : undefined;
          if (!c) return { ok: false, need: need.cidr(show(b)) };
          blocks.push(c);
        }
        const addrs = (Array.isArray(value) ? value : [value]).map((v) =>
          v && typeof v === 'object' && 'address' in v ? (v as { address: unknown }).address : v,
        );
        for (const a of addrs) {
          const parsed = typeof a === 'string' ? parseAddress(a) : undefined;
          if (!parsed) return { ok: false, need: need.ip(show(a)) };
          const inside = blocks.some((b) => cidrContains(b, parsed));
          if (op === 'inCidr' && !inside)
            return { ok: false, need: blocks.length ? need.inside(show(blocks.map((b) => b.text))) : need.insideNone() };
          if (op === 'notInCidr' && inside) return { ok: false, need: need.outside(show(blocks.map((b) => b.text))) };
        }
        return { ok: true, need: NO_NEED };
      }
      case 'containsAny':
      case 'containsNone': {
        const set = listOperand(operand);
        if (set === UNKNOWN) return 'unknown';
        const values = Array.isArray(value) ? value : [value];
        const hit = values.some((v) => set.some((s) => equal(v, s)));
        return op === 'containsAny' ? { ok: hit, need: need.containsAny(show(set)) } : { ok: !hit, need: need.containsNone(show(set)) };
      }
    }
  }

  /** Every value a path reaches (one unless it has [*]); a missing one is reported with where it broke off. */
  private resolveAll(text: string, vars: Map<string, Binding>): Resolved[] {
    const path = parsePath(text);
    if ('error' in path)
      return [{ found: false, display: text, origin: undefined, rest: [], measured: false, missing: why.raw(path.error) }];
    const bound = vars.get(path.root);
    let frontier: Resolved[];
    if (bound) {
      frontier = [
        { found: true, value: bound.value, display: bound.display, origin: bound.origin, rest: [...bound.rest], measured: bound.measured },
      ];
    } else {
      const value = this.facts.root[path.root];
      const origin = value && typeof value === 'object' ? this.facts.origins.get(value) : undefined;
      frontier = [
        {
          found: value !== undefined && value !== null,
          value,
          display: path.root,
          origin,
          rest: origin ? [] : [path.root],
          measured: MEASURED.has(path.root),
          ...(value === undefined ? { missing: missingText(path.root, path.root) } : {}),
        },
      ];
      if (!origin && path.root !== 'results' && path.root !== 'endpoints') frontier[0]!.origin = { kind: 'site', pointer: '' };
    }
    for (const seg of path.segments) {
      const next: Resolved[] = [];
      for (const r of frontier) {
        if (!r.found) {
          next.push(r);
          continue;
        }
        if ('any' in seg) {
          if (!Array.isArray(r.value)) {
            next.push({ ...r, found: false, missing: why.notList(r.display) });
            continue;
          }
          r.value.forEach((v, i) => next.push(this.step(r, i, v)));
          continue;
        }
        const key = 'key' in seg ? seg.key : seg.index;
        const container = r.value as Record<string | number, unknown> | undefined;
        const v = container && typeof container === 'object' ? container[key] : undefined;
        if (v === undefined || v === null) {
          const display = appendDisplay(r.display, key, undefined);
          next.push({
            ...r,
            found: false,
            value: undefined,
            display,
            rest: [...r.rest, key],
            measured: r.measured || MEASURED.has(String(key)),
            missing: missingText(display, String(key), r.origin),
          });
          continue;
        }
        next.push(this.step(r, key, v));
      }
      frontier = next;
      if (++this.steps > MAX_EVALUATION_STEPS) throw new BudgetExceeded(`more than ${MAX_EVALUATION_STEPS} evaluation steps`);
    }
    return frontier;
  }

  private step(r: Resolved, key: string | number, v: unknown): Resolved {
    const origin = v && typeof v === 'object' ? this.facts.origins.get(v) : undefined;
    return {
      found: true,
      value: v,
      display: appendDisplay(r.display, key, v),
      origin: origin ?? r.origin,
      rest: origin ? [] : [...r.rest, key],
      measured: r.measured || MEASURED.has(String(key)),
    };
  }

  private child(r: Resolved, i: number, v: unknown): Binding {
    const s = this.step(r, i, v);
    return { value: s.value, display: s.display, origin: s.origin, rest: s.rest, measured: s.measured };
  }

  private use(r: Resolved): FactUse {
    const source = sourceOf(this.facts, r.origin, r.rest);
    return { path: r.display, ...(r.found ? { value: clip(r.value) } : { missing: true }), ...(source ? { source } : {}) };
  }
}

const UNKNOWN = Symbol('unknown');
/** The need of a condition that held: never shown. */
const NO_NEED: Message = { id: 'why.nothing' };
const MISSING = Symbol('missing');

/** "x = 1; needs one of [..]" and "x = 1; needs = 2" from one `or` read as one requirement. */
function joinAlternatives(whys: Message[]): Message[] {
  const byFact = new Map<string, { head: Message; needs: Message[] }>();
  for (const w of whys) {
    const needs = w.id === 'why.value-needs' ? (w.params!.needs as Message) : undefined;
    const head = needs ? why.value(String(w.params!.fact), String(w.params!.value)) : w;
    const key = JSON.stringify(head);
    if (!byFact.has(key)) byFact.set(key, { head, needs: [] });
    if (needs) byFact.get(key)!.needs.push(needs);
  }
  return [...byFact.values()]
    .map(({ head, needs }) => (needs.length ? why.valueNeeds(String(head.params!.fact), String(head.params!.value), anyOf(needs)) : head))
    .slice(0, 6);
}

function policyOutcome(policy: MissingPolicy, uses: FactUse[], reason: Message): Evaluation {
  return { value: policy === 'pass' ? true : policy === 'fail' ? false : 'unknown', uses, why: [reason] };
}

function outcomeOfEmpty(kind: 'all' | 'any' | 'none', uses: FactUse[]): Evaluation {
  return { value: kind !== 'any', uses, why: [kind === 'any' ? why.noElementMatches() : why.noElements()] };
}

function merge(value: Truth, parts: Evaluation[]): Evaluation {
  const uses: FactUse[] = [];
  const seen = new Set<string>();
  for (const u of parts.flatMap((p) => p.uses)) {
    if (seen.has(u.path) || uses.length >= MAX_DECIDED_BY) continue;
    seen.add(u.path);
    uses.push(u);
  }
  const seenWhy = new Set<string>();
  const reasons = parts
    .flatMap((p) => p.why)
    .filter((w) => {
      const k = JSON.stringify(w);
      return !seenWhy.has(k) && seenWhy.add(k);
    });
  return { value, uses, why: reasons.slice(0, 6) };
}

/** endpoints[2] reads better as endpoints[files]: list elements with a name or target show it. */
function appendDisplay(base: string, key: string | number, value: unknown): string {
  if (typeof key === 'number') {
    const label =
      value && typeof value === 'object' ? ((value as { name?: unknown }).name ?? (value as { target?: unknown }).target) : undefined;
    return `${base}[${typeof label === 'string' ? label : key}]`;
  }
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${base}.${key}` : `${base}["${key}"]`;
}

function missingText(display: string, key: string, origin?: Origin): Message {
  if (display === 'results') return why.noResults();
  const m = /^results\.([^.[]+)$/.exec(display);
  if (m) return why.checkNoResults(m[1]!);
  const ep = /^(.*)\.results\.([^.[]+)$/.exec(display);
  if (ep) return why.noResult(ep[1]!, ep[2]!);
  if (key === 'resolved') return why.noAddresses(display.replace(/\.resolved$/, ''));
  if (origin?.kind === 'result' && !['pass', 'warn', 'fail'].includes(origin.status))
    return why.missingFrom(display, origin.check, origin.target, origin.status, origin.note);
  return why.missing(display);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'string') return String(a) === b;
  if (typeof a === 'string' && typeof b === 'number') return a === String(b);
  return false;
}

function show(v: unknown): string {
  if (typeof v === 'symbol') return 'nothing';
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function clip(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'string' && v.length > 200 ? `${v.slice(0, 197)}...` : v;
  const s = JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 297)}...` : v;
}
