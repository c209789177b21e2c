// The engine explains each outcome in a short formula-like sentence ("security.auditLog.retentionDays
// = 30; needs ≥ 90"). Fact paths, values and operators are the same in every language; the words
// around them come from a fixed set of templates (evaluate.ts), translated here template by
// template, so a Chinese report explains a rule in Chinese. A phrase not in the table stays as it
// is: a test keeps this table in step with the engine's templates.

import type { Lang } from './types.js';

type Rewrite = [RegExp, string];

const ZH: Rewrite[] = [
  [/^the rule is too expensive to evaluate \((.*)\)$/, '规则评估开销过大（$1）'],
  [/^no check results$/, '没有任何检查结果'],
  [/^the (\S+) check has no results \(not run, disabled, not applicable or not installed\)$/, '$1 检查没有结果（未运行、已禁用、不适用或未安装）'],
  [/^(.+) has no resolved addresses \(the dns check did not answer for it\)$/, '$1 没有解析出的地址（dns 检查未给出结果）'],
  [/^(.+) has no (\S+) result$/, '$1 没有 $2 检查结果'],
  [/^(.+) is missing \((.+)\)$/, '$1 缺失（$2）'],
  [/^(.+) is missing$/, '$1 缺失'],
  [/^(.+) is not a list$/, '$1 不是列表'],
  [/^(.+) was not measured$/, '$1 未测量'],
  [/^(.+) is not declared$/, '$1 未声明'],
  [/^(.+) is absent$/, '$1 不存在'],
  [/^(.+) exists$/, '$1 存在'],
  [/^(.+): an operand could not be resolved$/, '$1：有操作数无法解析'],
  [/^no element matches$/, '没有匹配的元素'],
  [/^no elements$/, '没有元素'],
];

/** What a value "needs", after "; needs ": operator phrases from Evaluator.operate. */
const ZH_NEEDS: Rewrite[] = [
  [/^to contain one of (.+)$/, '包含以下之一 $1'],
  [/^to contain none of (.+)$/, '不包含以下任何一项 $1'],
  [/^one of (.+)$/, '为以下之一 $1'],
  [/^none of (.+)$/, '不为以下任何一项 $1'],
  [/^a number (.+)$/, '为数字且 $1'],
  [/^text matching (.+)$/, '为匹配 $1 的文本'],
  [/^to match (.+)$/, '匹配 $1'],
  [/^to be declared$/, '已声明'],
  [/^to be absent$/, '不存在'],
  [/^valid CIDR ranges \(got (.+)\)$/, '有效的 CIDR 网段（实际为 $1）'],
  [/^an IP address \(got (.+)\)$/, 'IP 地址（实际为 $1）'],
  [/^inside a declared range \(none declared\)$/, '位于已声明的网段内（但未声明任何网段）'],
  [/^inside (.+)$/, '位于 $1 之内'],
  [/^outside (.+)$/, '位于 $1 之外'],
];

function rewrite(text: string, table: Rewrite[]): string {
  for (const [re, to] of table) if (re.test(text)) return text.replace(re, to);
  return text;
}

function needsZh(needs: string): string {
  return needs
    .split(', or ')
    .map((n) => rewrite(n, ZH_NEEDS))
    .join('，或');
}

function partZh(part: string): string {
  const none = /^no element of (\S+) matches(?: \((.*)\))?$/.exec(part);
  if (none) return `${none[1]} 中没有匹配的元素${none[2] ? `（${whyIn('zh-CN', none[2])}）` : ''}`;
  if (part.startsWith('not (') && part.endsWith(')')) return `非（${whyIn('zh-CN', part.slice(5, -1))}）`;
  if (part.startsWith('unexpected: ')) return `不应出现：${partZh(part.slice('unexpected: '.length))}`;
  const at = part.indexOf('; needs ');
  if (at >= 0) return `${part.slice(0, at)}；要求${needsZh(part.slice(at + '; needs '.length))}`;
  return rewrite(part, ZH);
}

/**
 * Splits at "; " outside parentheses and quotes: a part may list nested reasons in (…). Square
 * brackets are not counted: long lists of values are cut short ("…") and may never close.
 */
function splitParts(why: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < why.length; i++) {
    const ch = why[i];
    // A value cut short ends in `"...` (the engine's show()): that quote never closes.
    if (ch === '"' && why[i - 1] !== '\\' && why.slice(i + 1, i + 4) !== '...') quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if (depth === 0 && ch === ';' && why[i + 1] === ' ') {
      parts.push(why.slice(start, i));
      start = i + 2;
    }
  }
  parts.push(why.slice(start));
  return parts;
}

/** An outcome's explanation in `lang`; the engine joins several parts with "; ". */
export function whyIn(lang: Lang, why: string): string {
  if (lang !== 'zh-CN' || !why) return why;
  return splitParts(why)
    .reduce<string[]>((parts, piece) => {
      // "; needs …" belongs to the part before it.
      if (piece.startsWith('needs ') && parts.length) parts[parts.length - 1] += `; ${piece}`;
      else parts.push(piece);
      return parts;
    }, [])
    .map(partZh)
    .join('；');
}
