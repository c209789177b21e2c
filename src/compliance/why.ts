// Why a rule came out as it did, as messages: the engine says "this fact is missing", "this value
// needs to be one of …" as ids with parameters (fact paths and values, the same in every language),
// and each reader gets the sentence in their own language. Replaces English sentences translated
// afterwards by pattern, which broke whenever a value looked like a phrase.

import type { Catalog, Message, MessageParam } from '../i18n/types.js';

function m(id: string, params?: Record<string, MessageParam>): Message {
  return params ? { id, params } : { id };
}

/** What the engine can say about a leaf, a quantifier or a missing fact. */
export const why = {
  budget: (detail: string) => m('why.budget', { detail }),
  noResults: () => m('why.no-results'),
  checkNoResults: (check: string) => m('why.check-no-results', { check }),
  noResult: (subject: string, check: string) => m('why.no-result', { subject, check }),
  noAddresses: (endpoint: string) => m('why.no-addresses', { endpoint }),
  missing: (fact: string) => m('why.missing', { fact }),
  missingFrom: (fact: string, check: string, target: string, status: string, note?: string) =>
    note ? m('why.missing-from-note', { fact, check, target, status, note }) : m('why.missing-from', { fact, check, target, status }),
  notList: (fact: string) => m('why.not-list', { fact }),
  notDeclared: (fact: string) => m('why.not-declared', { fact }),
  absent: (fact: string) => m('why.absent', { fact }),
  notMeasured: (fact: string) => m('why.not-measured', { fact }),
  exists: (fact: string) => m('why.exists', { fact }),
  unresolved: (fact: string) => m('why.unresolved', { fact }),
  value: (fact: string, value: string) => m('why.value', { fact, value }),
  valueNeeds: (fact: string, value: string, needs: Message) => m('why.value-needs', { fact, value, needs }),
  noneMatches: (each: string, reasons?: Message) =>
    reasons ? m('why.none-matches-because', { each, reasons }) : m('why.none-matches', { each }),
  not: (inner: Message) => m('why.not', { inner }),
  unexpected: (inner: Message) => m('why.unexpected', { inner }),
  noElementMatches: () => m('why.no-element-matches'),
  noElements: () => m('why.no-elements'),
  /** A pattern or path the engine could not use, in its own (untranslated) words. */
  raw: (text: string) => m('why.raw', { text }),
};

/** What a value needed, after "needs". */
export const need = {
  eq: (value: string) => m('need.eq', { value }),
  ne: (value: string) => m('need.ne', { value }),
  in: (values: string) => m('need.in', { values }),
  notIn: (values: string) => m('need.not-in', { values }),
  number: (op: string, value: string) => m('need.number', { op, value }),
  compare: (op: string, value: string | number) => m('need.compare', { op, value }),
  textMatching: (pattern: string) => m('need.text-matching', { pattern }),
  match: (pattern: string) => m('need.match', { pattern }),
  declared: () => m('need.declared'),
  absent: () => m('need.absent'),
  cidr: (got: string) => m('need.cidr', { got }),
  ip: (got: string) => m('need.ip', { got }),
  insideNone: () => m('need.inside-none'),
  inside: (ranges: string) => m('need.inside', { ranges }),
  outside: (ranges: string) => m('need.outside', { ranges }),
  containsAny: (values: string) => m('need.contains-any', { values }),
  containsNone: (values: string) => m('need.contains-none', { values }),
};

/** Alternatives a value could meet ("= 2, or one of [3, 4]"), as one message. */
export function anyOf(needs: Message[]): Message {
  return needs.reduceRight((rest, n) => m('need.or', { a: n, b: rest }));
}

/** Several reasons as one message ("a; b; c"). */
export function allOf(reasons: Message[]): Message {
  if (!reasons.length) return m('why.nothing');
  return reasons.reduceRight((rest, r) => m('why.and', { a: r, b: rest }));
}

export const whyCatalogs: { en: Catalog; 'zh-CN': Catalog } = {
  en: {
    'why.budget': 'the rule is too expensive to evaluate ({detail})',
    'why.no-results': 'no check results',
    'why.check-no-results': 'the {check} check has no results (not run, disabled, not applicable or not installed)',
    'why.no-result': '{subject} has no {check} result',
    'why.no-addresses': '{endpoint} has no resolved addresses (the dns check did not answer for it)',
    'why.missing': '{fact} is missing',
    'why.missing-from': '{fact} is missing ({check} on {target}: {status})',
    'why.missing-from-note': '{fact} is missing ({check} on {target}: {status}, {note})',
    'why.not-list': '{fact} is not a list',
    'why.not-declared': '{fact} is not declared',
    'why.absent': '{fact} is absent',
    'why.not-measured': '{fact} was not measured',
    'why.exists': '{fact} exists',
    'why.unresolved': '{fact}: an operand could not be resolved',
    'why.value': '{fact} = {value}',
    'why.value-needs': '{fact} = {value}; needs {needs}',
    'why.none-matches': 'no element of {each} matches',
    'why.none-matches-because': 'no element of {each} matches ({reasons})',
    'why.not': 'not ({inner})',
    'why.unexpected': 'unexpected: {inner}',
    'why.no-element-matches': 'no element matches',
    'why.no-elements': 'no elements',
    'why.raw': '{text}',
    'why.and': '{a}; {b}',
    'why.nothing': '',
    'need.eq': '= {value}',
    'need.ne': '≠ {value}',
    'need.in': 'one of {values}',
    'need.not-in': 'none of {values}',
    'need.number': 'a number {op} {value}',
    'need.compare': '{op} {value}',
    'need.text-matching': 'text matching /{pattern}/',
    'need.match': 'to match /{pattern}/',
    'need.declared': 'to be declared',
    'need.absent': 'to be absent',
    'need.cidr': 'valid CIDR ranges (got {got})',
    'need.ip': 'an IP address (got {got})',
    'need.inside-none': 'inside a declared range (none declared)',
    'need.inside': 'inside {ranges}',
    'need.outside': 'outside {ranges}',
    'need.contains-any': 'to contain one of {values}',
    'need.contains-none': 'to contain none of {values}',
    'need.or': '{a}, or {b}',
  },
  'zh-CN': {
    'why.budget': '规则评估开销过大（{detail}）',
    'why.no-results': '没有任何检查结果',
    'why.check-no-results': '{check} 检查没有结果（未运行、已禁用、不适用或未安装）',
    'why.no-result': '{subject} 没有 {check} 检查结果',
    'why.no-addresses': '{endpoint} 没有解析出的地址（dns 检查未给出结果）',
    'why.missing': '{fact} 缺失',
    'why.missing-from': '{fact} 缺失（{check} 对 {target}：{status}）',
    'why.missing-from-note': '{fact} 缺失（{check} 对 {target}：{status}，{note}）',
    'why.not-list': '{fact} 不是列表',
    'why.not-declared': '{fact} 未声明',
    'why.absent': '{fact} 不存在',
    'why.not-measured': '{fact} 未测量',
    'why.exists': '{fact} 存在',
    'why.unresolved': '{fact}：有操作数无法解析',
    'why.value': '{fact} = {value}',
    'why.value-needs': '{fact} = {value}；要求{needs}',
    'why.none-matches': '{each} 中没有匹配的元素',
    'why.none-matches-because': '{each} 中没有匹配的元素（{reasons}）',
    'why.not': '非（{inner}）',
    'why.unexpected': '不应出现：{inner}',
    'why.no-element-matches': '没有匹配的元素',
    'why.no-elements': '没有元素',
    'why.raw': '{text}',
    'why.and': '{a}；{b}',
    'why.nothing': '',
    'need.eq': '= {value}',
    'need.ne': '≠ {value}',
    'need.in': '为以下之一 {values}',
    'need.not-in': '不为以下任何一项 {values}',
    'need.number': '为数字且 {op} {value}',
    'need.compare': '{op} {value}',
    'need.text-matching': '为匹配 /{pattern}/ 的文本',
    'need.match': '匹配 /{pattern}/',
    'need.declared': '已声明',
    'need.absent': '不存在',
    'need.cidr': '有效的 CIDR 网段（实际为 {got}）',
    'need.ip': 'IP 地址（实际为 {got}）',
    'need.inside-none': '位于已声明的网段内（但未声明任何网段）',
    'need.inside': '位于 {ranges} 之内',
    'need.outside': '位于 {ranges} 之外',
    'need.contains-any': '包含以下之一 {values}',
    'need.contains-none': '不包含以下任何一项 {values}',
    'need.or': '{a}，或{b}',
  },
};
