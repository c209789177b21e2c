// Grade reasons, offending items and block cells as a reader gets them: rendered with the tls
// check's catalogs. Strict: a message id the catalog of that language lacks, or a placeholder
// its text names and the message does not give, is an error, never text with an id in it.

import type { Message, MessageParam } from '../../src/i18n/types.js';
import { translator, type Lang } from '../../src/i18n/index.js';
import tls from '../../checks/tls/index.js';

const catalogs = tls.messages as Record<string, Record<string, string>>;

function verify(p: MessageParam, lang: Lang): void {
  if (typeof p !== 'object') return;
  const text = catalogs[lang]?.[p.id];
  if (text === undefined) throw new Error(`message id "${p.id}" is not in the tls check's ${lang} catalog`);
  for (const [, name] of text.matchAll(/\{(\w+)\}/g)) {
    if (!p.params || !(name! in p.params)) throw new Error(`message "${p.id}" (${lang}) names {${name}} but has no such parameter`);
  }
  for (const v of Object.values(p.params ?? {})) verify(v, lang);
}

/** A phrase or a piece of data in `lang`. */
export function textOf(p: MessageParam, lang: Lang = 'en'): string {
  verify(p, lang);
  return typeof p === 'object' ? translator(lang).check(catalogs, p as Message) : String(p);
}

export const en = (p: MessageParam): string => textOf(p, 'en');
export const zh = (p: MessageParam): string => textOf(p, 'zh-CN');
