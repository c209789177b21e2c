// Message catalogs. Core text lives in en.ts / zh-CN.ts; each check carries its own catalog.
// Machine formats keep ids; people-facing renderers look the text up here.

import type { Catalog, Message, MessageParam } from './types.js';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

export type Lang = 'en' | 'zh-CN';
export const LANGS: readonly Lang[] = ['en', 'zh-CN'];

const CORE: Record<Lang, Catalog> = { en, 'zh-CN': zhCN };

/** Language from --lang, else LC_ALL / LC_MESSAGES / LANG (zh_CN.UTF-8 → zh-CN), else English. */
export function detectLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const raw = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh([_-](CN|Hans|SG))?/i.test(raw) ? 'zh-CN' : 'en';
}

export function format(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

export interface Translator {
  lang: Lang;
  /** Core text. */
  t(id: string, params?: Record<string, MessageParam>): string;
  /** A check's message, falling back to English, then to the id itself. */
  check(checkCatalogs: Record<string, Catalog> | undefined, msg: Message): string;
}

export function translator(lang: Lang): Translator {
  const core = CORE[lang];
  return {
    lang,
    t: function t(id, params): string {
      const plain =
        params && Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'object' ? t(v.id, v.params) : v]));
      return format(core[id] ?? CORE.en[id] ?? id, plain);
    },
    check: (catalogs, msg) => {
      const lookup = (id: string) => catalogs?.[lang]?.[id] ?? catalogs?.en?.[id];
      const render = (m: Message, depth: number): string => {
        const params = m.params
          ? Object.fromEntries(
              Object.entries(m.params).map(([k, v]): [string, string | number] => {
                // Bounded, as a report's messages are data; deep enough for a rule's explanation
                // (finding → reasons → quantifier → reasons → fact → need → list of values).
                if (typeof v === 'object') return [k, depth < 8 ? render(v, depth + 1) : v.id];
                // "@id" names a phrase of the catalog (the older form of a message parameter); a
                // value that names no phrase is data, shown exactly as it came.
                if (typeof v === 'string' && v.startsWith('@')) {
                  const phrase = lookup(v.slice(1));
                  if (phrase !== undefined) return [k, format(phrase, flat(m.params!))];
                }
                return [k, v];
              }),
            )
          : undefined;
        return format(lookup(m.id) ?? m.id, params);
      };
      return render(msg, 0);
    },
  };
}

/** Parameters as plain values, for phrases that name the same ones as the message around them. */
function flat(params: Record<string, MessageParam>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string | number] => typeof e[1] !== 'object'));
}
