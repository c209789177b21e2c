// What the grade caps and the rule sets name — versions, suites, keys, certificate problems — as
// message parameters: data stays plain (`TLSv1.0`, `TLSv1.2 0xC013 TLS_ECDHE_RSA_…`), and every
// word around it is a message of phrase-messages.ts, so each report language words it itself.

import type { Message, MessageParam } from '../i18n/types.js';
import type { HstsError, HstsInvalid } from './types.js';

/** One thing named: plain data, or a phrase with its parameters. */
export type Phrase = MessageParam;

export function phrase(id: string, params?: Record<string, MessageParam>): Message {
  return params ? { id, params } : { id };
}

/** Longest list a phrase spells out; phrase-messages.ts has a message for every length up to it. */
export const MAX_LISTED = 8;

/**
 * Items as one phrase: each of the first `max` (at most MAX_LISTED), then how many more there are.
 * One message level whatever the length, so a list inside a finding stays within the depth the
 * translator renders.
 */
export function listOf(items: readonly Phrase[], max = MAX_LISTED): Phrase {
  const shown = items.slice(0, Math.min(max, MAX_LISTED));
  if (shown.length === 0) return '-';
  const params: Record<string, MessageParam> = Object.fromEntries(shown.map((item, i) => [`i${i}`, item]));
  if (items.length === shown.length) return shown.length === 1 ? shown[0]! : phrase(`tls.list.${shown.length}`, params);
  return phrase(`tls.list.${shown.length}.more`, { ...params, more: items.length - shown.length });
}

/** `a or b or c`, for "one of these must be offered". */
export function eitherOf(items: readonly Phrase[]): Phrase {
  return items.length ? items.reduce((a, b) => phrase('tls.or', { a, b })) : '-';
}

/** Items without repeats (phrases compared by what they say). */
export function uniquePhrases<T extends Phrase>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = typeof item === 'object' ? JSON.stringify(item) : String(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Why browsers ignore the Strict-Transport-Security field that was sent. */
export function hstsProblem(invalid: HstsInvalid): Message {
  const { problem, directive, found } = invalid;
  return phrase(`tls.hsts.invalid.${problem}`, { directive: directive ?? '-', found: found ?? phrase('tls.hsts.no-value') });
}

/** Why the HSTS request got no answer to read; what the client said stays as it said it. */
export function hstsFailure(error: HstsError): Message {
  const failure = `${error.classification ?? 'failed'}${error.tlsKind ? ` (${error.tlsKind})` : ''}`;
  return phrase(`tls.hsts.error.${error.kind}`, { message: error.message, timeoutMs: error.timeoutMs ?? '-', failure });
}
