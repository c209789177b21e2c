// Patterns from profile files run against facts that come from the network (banners, issuer
// names). JavaScript's regex engine backtracks, so a pattern such as (a+)+$ can take exponential
// time: patterns are bounded in length and refused when they have the shapes that backtrack
// catastrophically (a quantified group that itself repeats or alternates, back-references,
// lookarounds). What is left runs in time polynomial in a bounded input (MAX_MATCH_INPUT).

import { MAX_REGEX_LENGTH } from './limits.js';

export type RegexProblem = { message: string; hint: string };

export function regexProblem(pattern: string): RegexProblem | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return { message: `pattern is ${pattern.length} characters long; at most ${MAX_REGEX_LENGTH} are allowed`, hint: 'match a shorter, anchored pattern, or use eq / in' };
  }
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return { message: `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`, hint: 'patterns use JavaScript syntax with the u flag' };
  }
  if (/\\[1-9]|\\k</.test(pattern)) return { message: 'back-references are not allowed in patterns', hint: 'they make matching exponential in the worst case' };
  if (/\(\?<?[=!]/.test(pattern)) return { message: 'lookaround assertions are not allowed in patterns', hint: 'split the rule into two conditions with and / not' };

  // One pass over the pattern tracking groups: a group that contains a quantifier or an
  // alternation and is itself followed by a quantifier is the (a+)+ / (a|aa)* shape.
  const stack: Array<{ risky: boolean }> = [];
  let i = 0;
  let lastGroupRisky = false;
  let afterGroup = false;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      i += 2;
      afterGroup = false;
      continue;
    }
    if (c === '[') {
      // Character class: skip to its closing bracket (escapes inside included).
      i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
      afterGroup = false;
      continue;
    }
    if (c === '(') {
      stack.push({ risky: false });
      i++;
      if (pattern[i] === '?') i += pattern[i + 1] === '<' ? 2 : 2; // (?: and named groups (?<n>
      afterGroup = false;
      continue;
    }
    if (c === ')') {
      const g = stack.pop();
      lastGroupRisky = g?.risky ?? false;
      if (g && stack.length) stack[stack.length - 1]!.risky ||= g.risky;
      afterGroup = true;
      i++;
      continue;
    }
    const isQuantifier = c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)));
    if (isQuantifier) {
      const repeats = c !== '?' && !/^\{(\d+)\}/.test(pattern.slice(i)) && !/^\{[01](,1)?\}/.test(pattern.slice(i));
      if (afterGroup && lastGroupRisky && repeats) {
        return { message: 'a repeated group contains another repetition or an alternation (catastrophic backtracking)', hint: 'write (ab)+ instead of (a+b?)+, or list the alternatives without repeating them' };
      }
      if (repeats) for (const g of stack) g.risky = true;
      if (c === '{') i = pattern.indexOf('}', i);
      i++;
      if (pattern[i] === '?') i++; // lazy
      afterGroup = false;
      continue;
    }
    if (c === '|') for (const g of stack) g.risky = true;
    afterGroup = false;
    i++;
  }
  return undefined;
}
