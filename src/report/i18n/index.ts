// Message catalogs. Core text lives in en.ts / zh-CN.ts; each check carries its own catalog.
// Machine formats keep ids; people-facing renderers look the text up here.

import type { Catalog, Message } from '../../plugin-api.js';
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
  t(id: string, params?: Record<string, string | number>): string;
  /** A check's message, falling back to English, then to the id itself. */
  check(checkCatalogs: Record<string, Catalog> | undefined, msg: Message): string;
}

export function translator(lang: Lang): Translator {
  const core = CORE[lang];
  return {
    lang,
    t: (id, params) => format(core[id] ?? CORE.en[id] ?? id, params),
    check: (catalogs, msg) => {
      const lookup = (id: string) => catalogs?.[lang]?.[id] ?? catalogs?.en?.[id];
      const params = msg.params
        ? Object.fromEntries(
            Object.entries(msg.params).map(([k, v]) => [k, typeof v === 'string' && v.startsWith('@') ? format(lookup(v.slice(1)) ?? v.slice(1), msg.params) : v]),
          )
        : undefined;
      return format(lookup(msg.id) ?? msg.id, params);
    },
  };
}
