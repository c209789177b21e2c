// Patterns from profile files run against facts that come from the network (banners, issuer
// names, certificate subjects). JavaScript's own engine backtracks: `.*a.*b.*c.*d.*e$` over a few
// thousand characters runs for hours, and no deadline can interrupt a synchronous match. Patterns
// therefore run in RE2's engine (re2js, a pure-JavaScript port of RE2), whose matching time is
// linear in the text whatever the pattern; the syntax is RE2's, which is JavaScript's minus
// back-references and lookarounds.

import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';
import { MAX_REGEX_LENGTH } from './limits.js';

export type RegexProblem = { message: string; hint: string };

const require = createRequire(import.meta.url);
let engine: typeof RE2JSClass | undefined;

/** The engine, loaded with the first pattern: no shipped profile has one, and it costs a start-up. */
function re2(): typeof RE2JSClass {
  engine ??= (require('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
  return engine;
}

export function regexProblem(pattern: string): RegexProblem | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return {
      message: `pattern is ${pattern.length} characters long; at most ${MAX_REGEX_LENGTH} are allowed`,
      hint: 'match a shorter, anchored pattern, or use eq / in',
    };
  }
  if (/\\[1-9]|\\k</.test(pattern))
    return {
      message: 'back-references are not allowed in patterns',
      hint: 'they cannot be matched in linear time; compare with eq instead',
    };
  if (/\(\?<?[=!]/.test(pattern))
    return { message: 'lookaround assertions are not allowed in patterns', hint: 'split the rule into two conditions with and / not' };
  try {
    re2().compile(pattern);
  } catch (err) {
    return {
      message: `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`,
      hint: 'patterns use RE2 syntax (as JavaScript, without back-references and lookarounds)',
    };
  }
  return undefined;
}

/** A compiled pattern: true when it matches anywhere in the text, as RegExp.prototype.test. */
export type PatternTest = (text: string) => boolean;

export function compilePattern(pattern: string): PatternTest {
  const re = re2().compile(pattern);
  return (text) => re.test(text);
}
