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
  /** A fact the site file does not declare, named in full, with the file to add it to. */
  undeclared: (fact: string, file: string, needs?: Message) =>
    needs ? m('why.undeclared-needs', { fact, file, needs }) : m('why.undeclared', { fact, file }),
  absent: (fact: string) => m('why.absent', { fact }),
  notMeasured: (fact: string) => m('why.not-measured', { fact }),
  exists: (fact: string) => m('why.exists', { fact }),
  unresolved: (fact: string) => m('why.unresolved', { fact }),
  value: (fact: string, value: MessageParam) => m('why.value', { fact, value }),
  /** A value the site file declares, with its file:line. */
  valueAt: (fact: string, value: MessageParam, where: string) => m('why.value-at', { fact, value, where }),
  /** A value a check measured, with the check and target it came from. */
  valueFrom: (fact: string, value: MessageParam, check: string, target: string) => m('why.value-from', { fact, value, check, target }),
  valueNeeds: (fact: string, value: MessageParam, needs: Message) => m('why.value-needs', { fact, value, needs }),
  siteNeeds: (fact: string, value: MessageParam, where: string, needs: Message) => m('why.site-needs', { fact, value, where, needs }),
  measuredNeeds: (fact: string, value: MessageParam, check: string, target: string, needs: Message) =>
    m('why.measured-needs', { fact, value, check, target, needs }),
  /** An endpoint's protocol, with the change that would meet the rule when one is plain (ldap → ldaps). */
  endpointProtocol: (endpoint: string, value: string, where: string, needs: Message, fix?: Message) =>
    fix
      ? m('why.endpoint-protocol-fix', { endpoint, value, where, needs, fix })
      : m('why.endpoint-protocol', { endpoint, value, where, needs }),
  fixUrl: (url: string) => m('why.fix-url', { url }),
  fixProtocol: (url: string) => m('why.fix-protocol', { url }),
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
  eq: (value: MessageParam) => m('need.eq', { value }),
  /** One of several exact values ("on-premises" or "in-country"): the alternatives of an `or`. */
  eqAny: (values: MessageParam) => m('need.eq-any', { values }),
  ne: (value: MessageParam) => m('need.ne', { value }),
  in: (values: MessageParam) => m('need.in', { values }),
  notIn: (values: MessageParam) => m('need.not-in', { values }),
  /** A comparison the value was not a number for: "a number of at least 90". */
  number: (cmp: MessageParam) => m('need.number-cmp', { cmp }),
  gt: (value: string | number) => m('need.gt', { value }),
  gte: (value: string | number) => m('need.gte', { value }),
  lt: (value: string | number) => m('need.lt', { value }),
  lte: (value: string | number) => m('need.lte', { value }),
  textMatching: (pattern: string) => m('need.text-matching', { pattern }),
  match: (pattern: string) => m('need.match', { pattern }),
  declared: () => m('need.declared'),
  absent: () => m('need.absent'),
  cidr: (got: MessageParam) => m('need.cidr', { got }),
  ip: (got: MessageParam) => m('need.ip', { got }),
  insideNone: () => m('need.inside-none'),
  inside: (ranges: MessageParam) => m('need.inside', { ranges }),
  outside: (ranges: MessageParam) => m('need.outside', { ranges }),
  containsAny: (values: MessageParam) => m('need.contains-any', { values }),
  containsNone: (values: MessageParam) => m('need.contains-none', { values }),
};

/**
 * Lists as words, in the reader's language ("https, wss or ldaps", "https、wss 或 ldaps"): one
 * phrase per length, each item a parameter, so a list is one flat message whatever it holds.
 */
const LIST_MAX = 8;
type ListKind = 'or' | 'and' | 'all';

export function list(kind: ListKind, items: MessageParam[]): Message {
  if (items.length === 0) return m('why.nothing');
  const shown = items.length > LIST_MAX ? items.slice(0, LIST_MAX - 1) : items;
  const params: Record<string, MessageParam> = Object.fromEntries(shown.map((v, i) => [`v${i}`, v]));
  if (items.length > LIST_MAX) return m(`list.${kind}.more`, { ...params, more: items.length - shown.length });
  return m(`list.${kind}.${items.length}`, params);
}

/** Alternatives a value could meet ("90 or more, or exactly 0"), as one message. */
export function anyOf(needs: Message[]): Message {
  return needs.length === 1 ? needs[0]! : list('or', needs);
}

/** Several reasons as one message ("a; b; c"). */
export function allOf(reasons: Message[]): Message {
  if (!reasons.length) return m('why.nothing');
  return reasons.length === 1 ? reasons[0]! : list('all', reasons);
}

function listCatalog(sep: string, last: Record<ListKind, string>, more: Record<ListKind, string>): Catalog {
  const out: Catalog = {};
  for (const kind of ['or', 'and', 'all'] as const) {
    for (let n = 1; n <= LIST_MAX; n++) {
      const items = Array.from({ length: n }, (_, i) => `{v${i}}`);
      out[`list.${kind}.${n}`] =
        n === 1 ? items[0]! : `${items.slice(0, -1).join(kind === 'all' ? last.all : sep)}${last[kind]}${items.at(-1)}`;
    }
    const shown = Array.from({ length: LIST_MAX - 1 }, (_, i) => `{v${i}}`);
    out[`list.${kind}.more`] = `${shown.join(kind === 'all' ? last.all : sep)}${more[kind]}`;
  }
  return out;
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
    'why.undeclared': '{fact} is not declared in {file} — declare it',
    'why.undeclared-needs': '{fact} is not declared in {file}; the rule needs {needs} — declare it',
    'why.absent': '{fact} is absent',
    'why.not-measured': '{fact} was not measured',
    'why.exists': '{fact} exists',
    'why.unresolved': '{fact}: an operand could not be resolved',
    'why.value': '{fact} is {value}',
    'why.value-at': '{fact} is {value} ({where})',
    'why.value-from': '{fact} is {value} (measured by {check} on {target})',
    'why.value-needs': '{fact} is {value}; the rule needs {needs}',
    'why.site-needs': '{fact} is {value} ({where}); the rule needs {needs}',
    'why.measured-needs': '{fact} is {value} (measured by {check} on {target}); the rule needs {needs}',
    'why.endpoint-protocol': '{endpoint} uses protocol {value} ({where}); the rule needs {needs}',
    'why.endpoint-protocol-fix': '{endpoint} uses protocol {value} ({where}); the rule needs {needs} — {fix}',
    'why.fix-url': 'change its url to {url}',
    'why.fix-protocol': 'declare it with url: {url}',
    'why.none-matches': 'no element of {each} matches',
    'why.none-matches-because': 'no element of {each} matches ({reasons})',
    'why.not': 'the rule does not allow this: {inner}',
    'why.unexpected': 'not allowed: {inner}',
    'why.no-element-matches': 'no element matches',
    'why.no-elements': 'no elements',
    'why.raw': '{text}',
    // Phrases of reports written before the messages above; kept so those still read.
    'why.and': '{a}; {b}',
    'why.nothing': '',
    'need.eq': '{value}',
    'need.eq-any': '{values}',
    'need.ne': 'anything but {value}',
    'need.in': 'one of {values}',
    'need.not-in': 'anything but {values}',
    'need.number-cmp': 'a number of {cmp}',
    'need.gt': 'more than {value}',
    'need.gte': 'at least {value}',
    'need.lt': 'less than {value}',
    'need.lte': 'at most {value}',
    'need.text-matching': 'text matching the pattern /{pattern}/',
    'need.match': 'it to match the pattern /{pattern}/',
    'need.declared': 'it to be declared',
    'need.absent': 'it to be absent',
    'need.cidr': 'valid CIDR ranges, not {got}',
    'need.ip': 'an IP address, not {got}',
    'need.inside-none': 'an address inside a declared range, and none is declared',
    'need.inside': 'an address inside {ranges}',
    'need.outside': 'an address outside {ranges}',
    'need.contains-any': 'it to contain {values}',
    'need.contains-none': 'it to contain none of {values}',
    'value.empty-list': 'an empty list',
    'value.nothing': 'nothing (the fact it names is not declared)',
    // Phrases of reports written before the messages above; kept so those still read.
    'need.number': 'a number {op} {value}',
    'need.compare': '{op} {value}',
    'need.or': '{a}, or {b}',
    ...listCatalog(
      ', ',
      { or: ' or ', and: ' and ', all: '; ' },
      { or: ' or {more} more', and: ' and {more} more', all: '; and {more} more' },
    ),
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
    'why.undeclared': '{file} 中未声明 {fact}——请声明',
    'why.undeclared-needs': '{file} 中未声明 {fact}；规则要求{needs}——请声明',
    'why.absent': '{fact} 不存在',
    'why.not-measured': '{fact} 未测量',
    'why.exists': '{fact} 存在',
    'why.unresolved': '{fact}：有操作数无法解析',
    'why.value': '{fact} 为 {value}',
    'why.value-at': '{fact} 为 {value}（{where}）',
    'why.value-from': '{fact} 为 {value}（由 {check} 检查在 {target} 上测得）',
    'why.value-needs': '{fact} 为 {value}；规则要求{needs}',
    'why.site-needs': '{fact} 为 {value}（{where}）；规则要求{needs}',
    'why.measured-needs': '{fact} 为 {value}（由 {check} 检查在 {target} 上测得）；规则要求{needs}',
    'why.endpoint-protocol': '{endpoint} 使用协议 {value}（{where}）；规则要求{needs}',
    'why.endpoint-protocol-fix': '{endpoint} 使用协议 {value}（{where}）；规则要求{needs}——{fix}',
    'why.fix-url': '将其 url 改为 {url}',
    'why.fix-protocol': '改用 url: {url} 声明',
    'why.none-matches': '{each} 中没有匹配的元素',
    'why.none-matches-because': '{each} 中没有匹配的元素（{reasons}）',
    'why.not': '规则不允许：{inner}',
    'why.unexpected': '不允许：{inner}',
    'why.no-element-matches': '没有匹配的元素',
    'why.no-elements': '没有元素',
    'why.raw': '{text}',
    'why.and': '{a}；{b}',
    'why.nothing': '',
    'need.eq': '为 {value}',
    'need.eq-any': '为 {values}',
    'need.ne': '不为 {value}',
    'need.in': '为 {values} 之一',
    'need.not-in': '不为 {values}',
    'need.number-cmp': '数值{cmp}',
    'need.gt': '大于 {value}',
    'need.gte': '至少 {value}',
    'need.lt': '小于 {value}',
    'need.lte': '至多 {value}',
    'need.text-matching': '匹配模式 /{pattern}/ 的文本',
    'need.match': '匹配模式 /{pattern}/',
    'need.declared': '已声明',
    'need.absent': '不存在',
    'need.cidr': '有效的 CIDR 网段（实际为 {got}）',
    'need.ip': 'IP 地址（实际为 {got}）',
    'need.inside-none': '位于已声明网段内的地址（但未声明任何网段）',
    'need.inside': '位于 {ranges} 之内的地址',
    'need.outside': '位于 {ranges} 之外的地址',
    'need.contains-any': '包含 {values}',
    'need.contains-none': '不包含 {values} 中的任何一项',
    'value.empty-list': '空列表',
    'value.nothing': '空（所引用的事实未声明）',
    'need.number': '为数字且 {op} {value}',
    'need.compare': '{op} {value}',
    'need.or': '{a}，或{b}',
    ...listCatalog(
      '、',
      { or: ' 或 ', and: ' 和 ', all: '；' },
      { or: ' 或其他 {more} 项', and: ' 等（另有 {more} 项）', all: '；另有 {more} 项' },
    ),
  },
};
