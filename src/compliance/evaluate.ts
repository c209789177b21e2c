// Conditions over the facts document, in three-valued logic: true, false, or unknown (a fact the
// rule needs was not measured). Unknown never turns into a pass: and/or follow Kleene's rules
// (false wins an and, true wins an or), and a rule whose verdict is unknown is "not evaluated",
// with the reason. Every leaf records the facts it read and where they came from.

import { MAX_DECIDED_BY, MAX_EVALUATION_STEPS, MAX_MATCH_INPUT } from './limits.js';
import { compilePattern, type PatternTest } from './safe-regex.js';
import { cidrContains, parseAddress, parseCidr, type Cidr } from '../util/cidr.js';
import { sourceOf, type Facts, type Origin } from './facts.js';
import { parsePath, type Segment } from './paths.js';
import type { Message, MessageParam } from '../i18n/types.js';
import type { Condition, FactSource, FactUse, LeafCondition, LeafOperator, MissingPolicy, Quantifier } from './types.js';
import { allOf, anyOf, list, need, why } from './why.js';

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
  /** For a missing fact: the whole path asked for (display stops where it broke off). */
  wanted?: string;
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
      const use = this.use(r);
      return q.ifEmpty ? policyOutcome(q.ifEmpty, [use], this.undeclared(r, use.source)) : outcomeOfEmpty(kind, [use]);
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
        return { value: !want, uses, why: [want ? this.undeclared(first, uses[0]?.source) : why.absent(first.display)] };
      }
      const policy: MissingPolicy = leaf.ifMissing ?? (first.measured ? 'not-evaluated' : 'fail');
      if (policy === 'pass') return { value: true, uses: [], why: [] }; // absence decided nothing
      if (policy === 'fail') return { value: false, uses, why: [this.undeclared(first, uses[0]?.source, this.needsOf(leaf, vars))] };
      return { value: 'unknown', uses, why: [first.missing ?? why.notMeasured(first.display)] };
    }
    const value = wildcard ? present.map((r) => r.value) : first.value;
    const display = wildcard ? leaf.fact : first.display;
    // The fact's own use comes first; operands that are facts add theirs after it.
    const source = uses[0]?.source;
    const whys: Message[] = [];
    let unknown = false;
    for (const [op, operand] of Object.entries(leaf.ops) as Array<[LeafOperator, unknown]>) {
      const res = this.operate(op, value, operand, vars, uses);
      if (res === 'unknown') unknown = true;
      else if (!res.ok) whys.push(this.failure(display, value, source, res.need, res.accept));
    }
    if (whys.length) return { value: false, uses, why: whys };
    if (unknown) return { value: 'unknown', uses, why: [why.unresolved(display)] };
    return { value: true, uses, why: [described(display, value, source)] };
  }

  /**
   * A value that fails a condition, said the way a reader fixes it: the value, where it is (the
   * site file's line, or the check that measured it), what the rule needs, and for an endpoint's
   * protocol the secure form to declare instead.
   */
  private failure(display: string, value: unknown, source: FactSource | undefined, needs: Message, accept?: unknown[]): Message {
    if (source?.kind === 'result') return why.measuredNeeds(display, shown(value), source.check, source.target, needs);
    if (source?.kind !== 'site') return why.valueNeeds(display, shown(value), needs);
    const ep = /^\/platform\/endpoints\/(\d+)\/protocol$/.exec(source.pointer);
    if (ep && typeof value === 'string') {
      const raw = ((this.facts.root.platform as { endpoints?: unknown[] } | undefined)?.endpoints?.[Number(ep[1])] ?? {}) as Record<
        string,
        unknown
      >;
      const hasUrl = typeof raw.url === 'string';
      const location = hasUrl ? this.facts.site.locate(`/platform/endpoints/${ep[1]}/url`) : source.location;
      const secure = secureCounterpart(value, raw);
      const fix =
        secure && accept?.some((a) => equal(a, secure))
          ? hasUrl
            ? why.fixUrl(`${secure}://…`)
            : why.fixProtocol(secureUrl(secure, raw))
          : undefined;
      return why.endpointProtocol(display.replace(/\.protocol$/, ''), value, at(location), needs, fix);
    }
    return why.siteNeeds(display, shown(value), at(source.location), needs);
  }

  /** A fact the site file lacks, named in full, with the file to declare it in. */
  private undeclared(r: Resolved, source: FactSource | undefined, needs?: Message): Message {
    const fact = r.wanted ?? r.display;
    if (source?.kind !== 'site') return why.notDeclared(fact);
    return why.undeclared(fact, source.location.file, needs);
  }

  /** What the operators of a leaf need, for a fact that has no value to compare. */
  private needsOf(leaf: LeafCondition, vars: Map<string, Binding>): Message | undefined {
    const needs: Message[] = [];
    for (const [op, operand] of Object.entries(leaf.ops) as Array<[LeafOperator, unknown]>) {
      if (!NEEDS_WITHOUT_VALUE.has(op)) continue;
      const res = this.operate(op, undefined, operand, vars, []);
      if (res !== 'unknown' && res.need.id !== NO_NEED.id) needs.push(res.need);
    }
    return needs.length ? allOf(needs) : undefined;
  }

  private operate(
    op: LeafOperator,
    value: unknown,
    operand: unknown,
    vars: Map<string, Binding>,
    uses: FactUse[],
  ): { ok: boolean; need: Message; accept?: unknown[] } | 'unknown' {
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
        return op === 'eq' ? { ok: same, need: need.eq(shown(o)), accept: [o] } : { ok: !same, need: need.ne(shown(o)) };
      }
      case 'in':
      case 'notIn': {
        const set = listOperand(operand);
        if (set === UNKNOWN) return 'unknown';
        const hit = set.some((s) => equal(value, s));
        return op === 'in' ? { ok: hit, need: need.in(words(set)), accept: set } : { ok: !hit, need: need.notIn(words(set)) };
      }
      case 'gt':
      case 'gte':
      case 'lt':
      case 'lte': {
        const o = resolveOperand(operand);
        if (o === UNKNOWN) return 'unknown';
        const cmp = need[op](typeof o === 'number' ? o : typeof o === 'symbol' ? '?' : itemText(o));
        if (typeof o !== 'number') return { ok: false, need: cmp };
        // A value that is not a number (or is not there) needs "a number of at least 90".
        if (typeof value !== 'number') return { ok: false, need: value === undefined ? cmp : need.number(cmp) };
        const ok = op === 'gt' ? value > o : op === 'gte' ? value >= o : op === 'lt' ? value < o : value <= o;
        return { ok, need: cmp };
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
          if (!c) return { ok: false, need: need.cidr(shown(b)) };
          blocks.push(c);
        }
        const addrs = (Array.isArray(value) ? value : [value]).map((v) =>
          v && typeof v === 'object' && 'address' in v ? (v as { address: unknown }).address : v,
        );
        for (const a of addrs) {
          const parsed = typeof a === 'string' ? parseAddress(a) : undefined;
          if (!parsed) return { ok: false, need: need.ip(shown(a)) };
          const inside = blocks.some((b) => cidrContains(b, parsed));
          if (op === 'inCidr' && !inside)
            return { ok: false, need: blocks.length ? need.inside(words(blocks.map((b) => b.text))) : need.insideNone() };
          if (op === 'notInCidr' && inside) return { ok: false, need: need.outside(words(blocks.map((b) => b.text))) };
        }
        return { ok: true, need: NO_NEED };
      }
      case 'containsAny':
      case 'containsNone': {
        const set = listOperand(operand);
        if (set === UNKNOWN) return 'unknown';
        const values = Array.isArray(value) ? value : [value];
        const hit = values.some((v) => set.some((s) => equal(v, s)));
        return op === 'containsAny' ? { ok: hit, need: need.containsAny(words(set)) } : { ok: !hit, need: need.containsNone(words(set)) };
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
          const w = r.wanted ?? r.display;
          next.push({ ...r, wanted: 'any' in seg ? `${w}[*]` : appendDisplay(w, 'key' in seg ? seg.key : seg.index, undefined) });
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

/** Operators whose need can be said for a fact that is not declared at all ("needs at least 90"). */
const NEEDS_WITHOUT_VALUE = new Set<LeafOperator>(['eq', 'ne', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'matches', 'containsAny']);

/**
 * The failures of one `or` on the same value read as one requirement: "is "tcp"; needs one of
 * https, wss or ldap", not one sentence per alternative. Messages that say what a value needs are
 * grouped by everything but the need (and the suggested fix, which any alternative may offer).
 */
function joinAlternatives(whys: Message[]): Message[] {
  const groups = new Map<string, { base: string; params: Record<string, MessageParam>; needs: Message[]; fix?: MessageParam }>();
  for (const w of whys) {
    const p = w.params;
    const needs = p && typeof p.needs === 'object' ? p.needs : undefined;
    if (!p || !needs) {
      groups.set(JSON.stringify(w), { base: w.id, params: p ?? {}, needs: [] });
      continue;
    }
    const { needs: _needs, fix, ...rest } = p;
    const base = w.id.replace(/-fix$/, '');
    const key = JSON.stringify([base, rest]);
    const g = groups.get(key) ?? { base, params: rest, needs: [] };
    g.needs.push(needs);
    g.fix ??= fix;
    groups.set(key, g);
  }
  return [...groups.values()]
    .map(({ base, params, needs, fix }): Message => {
      if (!needs.length) return { id: base, ...(Object.keys(params).length ? { params } : {}) };
      return { id: fix ? `${base}-fix` : base, params: { ...params, needs: mergeNeeds(needs), ...(fix ? { fix } : {}) } };
    })
    .slice(0, 6);
}

/** Alternatives as one need: "= a" or "one of b, c" become "one of a, b or c"; two values alone read "a" or "b". */
function mergeNeeds(needs: Message[]): Message {
  const unique = needs.filter((n, i) => needs.findIndex((x) => JSON.stringify(x) === JSON.stringify(n)) === i);
  if (unique.length === 1) return unique[0]!;
  const items: MessageParam[] = [];
  for (const n of unique) {
    const v = n.params?.value;
    const list = n.params?.values;
    if (n.id === 'need.eq' && typeof v !== 'object' && v !== undefined)
      items.push(typeof v === 'string' && v.startsWith('"') ? itemText(JSON.parse(v)) : v);
    else if (n.id === 'need.in' && typeof list === 'object' && /^list\.or\.\d+$/.test(list.id))
      items.push(...Object.values(list.params ?? {}));
    else return anyOf(unique);
  }
  const distinct = [...new Set(items)];
  // Exact values alone keep their quotes ("on-premises" or "in-country"); mixed with a list they join it.
  if (unique.every((n) => n.id === 'need.eq'))
    return need.eqAny(
      list(
        'or',
        unique.map((n) => n.params!.value!),
      ),
    );
  return need.in(list('or', distinct));
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

/** A value as a reader sees it: text in quotes, numbers as they are, a list as words. */
function shown(v: unknown): MessageParam {
  if (typeof v === 'symbol') return { id: 'value.nothing' };
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (Array.isArray(v)) return v.length ? words(v, 'and') : { id: 'value.empty-list' };
  return itemText(v);
}

/** A list of values as words: "https, wss or ldaps" (in the reader's language). */
function words(values: unknown[], kind: 'or' | 'and' = 'or'): Message {
  return list(kind, values.map(itemText));
}

/** One value of a list, bare when that cannot be misread (https, 10.0.0.0/8), else quoted. */
function itemText(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string' && /^[\w.:/@*+#-]+$/.test(v) && v.length <= 60) return v;
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function described(display: string, value: unknown, source: FactSource | undefined): Message {
  if (source?.kind === 'site') return why.valueAt(display, shown(value), at(source.location));
  if (source?.kind === 'result') return why.valueFrom(display, shown(value), source.check, source.target);
  return why.value(display, shown(value));
}

/** file:line, where a reader finds a fact in the site file. */
function at(location: { file: string; line: number }): string {
  return `${location.file}:${location.line}`;
}

/** The encrypted form of a plain protocol (ldap → ldaps), or of a port's well-known service. */
const SECURE: Record<string, string> = { http: 'https', ws: 'wss', ldap: 'ldaps', turn: 'turns', stun: 'turns' };
const SECURE_BY_PORT: Record<number, string> = { 80: 'https', 389: 'ldaps', 3478: 'turns' };

function secureCounterpart(protocol: string, raw: Record<string, unknown>): string | undefined {
  if (SECURE[protocol]) return SECURE[protocol];
  if (protocol === 'tcp' && typeof raw.port === 'number') return SECURE_BY_PORT[raw.port];
  return undefined;
}

/** The url an endpoint declared by host and port would have in its encrypted form (its plain port dropped). */
function secureUrl(scheme: string, raw: Record<string, unknown>): string {
  const host = typeof raw.host === 'string' ? raw.host : '…';
  const port = typeof raw.port === 'number' && !SECURE_BY_PORT[raw.port] ? `:${raw.port}` : '';
  return `${scheme}://${host}${port}`;
}

function clip(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'string' && v.length > 200 ? `${v.slice(0, 197)}...` : v;
  const s = JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 297)}...` : v;
}
