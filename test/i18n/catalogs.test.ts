// Every catalog speaks both languages: the same ids in English and Chinese, each with the same
// placeholders, for the core text, the HTML report, the compliance engine and every built-in check.
// (Which ids a judgement uses is checked per check by its CheckTester.)

import { describe, expect, it } from 'vitest';
import { whyCatalogs } from '../../src/compliance/why.js';
import { en } from '../../src/i18n/en.js';
import { htmlEn, htmlZhCN } from '../../src/i18n/html.js';
import { zhCN } from '../../src/i18n/zh-CN.js';
import type { Catalog } from '../../src/plugin-api.js';
import { builtinChecks } from '../../src/runner/registry.js';

const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

function problems(name: string, english: Catalog, chinese: Catalog): string[] {
  const out: string[] = [];
  for (const id of Object.keys(english)) {
    if (chinese[id] === undefined) out.push(`${name}: "${id}" has no Chinese text`);
    else if (placeholders(chinese[id]!).join() !== placeholders(english[id]!).join())
      out.push(
        `${name}: "${id}" placeholders differ: en {${placeholders(english[id]!).join(', ')}} zh {${placeholders(chinese[id]!).join(', ')}}`,
      );
  }
  for (const id of Object.keys(chinese)) if (english[id] === undefined) out.push(`${name}: "${id}" is Chinese only`);
  return out;
}

describe('catalogs', () => {
  it('core, HTML and compliance-engine text', () => {
    expect([
      ...problems('core', en, zhCN),
      ...problems('html', htmlEn, htmlZhCN),
      ...problems('why', whyCatalogs.en, whyCatalogs['zh-CN']),
    ]).toEqual([]);
  });

  it('every built-in check', async () => {
    const found: string[] = [];
    for (const c of await builtinChecks()) {
      const messages = c.def!.messages as Record<string, Catalog>;
      if (!messages['zh-CN']) found.push(`${c.id}: no zh-CN catalog`);
      else found.push(...problems(c.id, messages.en, messages['zh-CN']));
    }
    expect(found).toEqual([]);
  });
});
