// The clauses rules cite, in Chinese: every reference of every shipped profile carries a Chinese
// clause text (standard names and clause numbers unchanged), the loader keeps the English one as
// `clause` for every reader of the JSON, and Chinese reports and `siteready profiles` show the
// Chinese text, falling back to English where a profile gives none.

import { describe, expect, it } from 'vitest';
import { parseProfileText } from '../../src/compliance/load-profile.js';
import { loadProfileRef, shippedProfileIds } from '../../src/compliance/registry.js';
import { referencesOf } from '../../src/compliance/stage.js';
import type { Report } from '../../src/report/model.js';
import { renderHtml } from '../../src/report/render/html.js';
import { renderMarkdown } from '../../src/report/render/markdown.js';
import { renderTerminal } from '../../src/report/render/terminal.js';
import { fixtureCatalogs, fixtureReport } from '../report/report-fixture.js';

/**
 * References allowed to have no Chinese clause text, as `<profile>.<rule>#<index>` → why. Empty:
 * every shipped clause has one. A new reference whose clause cannot be rendered faithfully goes
 * here with the reason, instead of an invented translation.
 */
const NO_CHINESE_CLAUSE: Record<string, string> = {};

describe('Chinese clause texts of the shipped profiles', () => {
  for (const id of shippedProfileIds()) {
    it(`${id}: every reference has one, keeping the clause numbers`, () => {
      const profile = loadProfileRef(id, process.cwd());
      for (const rule of profile.rules) {
        rule.references.forEach((ref, i) => {
          const key = `${id}.${rule.id}#${i}`;
          if (key in NO_CHINESE_CLAUSE) {
            expect(NO_CHINESE_CLAUSE[key]!.length, `${key}: an exception says why`).toBeGreaterThan(10);
            return;
          }
          expect(ref.clauseZh, `${key}: no Chinese clause text`).toMatch(/[\u4e00-\u9fff]/);
          // Dotted clause and version numbers (3.10, 164.312, 8.1.4.1, TLS 1.2) and code points stay as they are.
          for (const n of ref.clause.match(/\b\d+(?:\.\d+)+\b|0x[0-9A-F]{4}/g) ?? []) expect(ref.clauseZh, `${key}: ${n}`).toContain(n);
        });
      }
    });
  }

  it('the exceptions name references that exist', () => {
    for (const key of Object.keys(NO_CHINESE_CLAUSE)) {
      const [, profileId, ruleId, index] = /^(.+?)\.(.+)#(\d+)$/.exec(key)!;
      const rule = loadProfileRef(profileId!, process.cwd()).rules.find((r) => r.id === ruleId);
      expect(rule?.references[Number(index)], key).toBeDefined();
    }
  });
});

describe('a bilingual clause in a profile file', () => {
  const profile = (clause: string) =>
    parseProfileText(
      `id: t\ntitle: { en: T }\nversion: "1"\nsources: [{ id: s, title: S }]\nrules:\n  - id: r\n    title: { en: R }\n    severity: high\n    references: [{ standard: s, clause: ${clause}, verified: true }]\n    assert: { fact: security.sso.enabled, eq: true }\n    remediation: { en: fix }\n`,
      't.yaml',
      'file',
    );

  it('loads as the English clause with the Chinese alongside', () => {
    expect(profile('{ en: "§4.2 Storage", zh-CN: "§4.2 存储" }').rules[0]!.references[0]).toEqual({
      standard: 's',
      clause: '§4.2 Storage',
      clauseZh: '§4.2 存储',
      verified: true,
    });
  });

  it('a plain clause stays as it was, and English is required', () => {
    expect(profile('"§4.2 Storage"').rules[0]!.references[0]).toEqual({ standard: 's', clause: '§4.2 Storage', verified: true });
    expect(profile('{ en: "§4.2 Storage" }').rules[0]!.references[0]!.clauseZh).toBeUndefined();
    expect(() => profile('{ zh-CN: "§4.2 存储" }')).toThrow(/profile schema/);
  });
});

/** The fixture report with its rules' references as a run with today's profiles stores them. */
function reportWithClauses(): Report {
  const report = fixtureReport();
  const baseline = loadProfileRef('baseline', process.cwd());
  for (const r of report.results) {
    if (r.check !== 'compliance') continue;
    const rule = baseline.rules.find((x) => x.id === r.facts.rule)!;
    r.facts.references = referencesOf(baseline, rule);
  }
  return report;
}

const ZH = 'CIS Controls v8 保障措施 3.10 对传输中的敏感数据加密';
const EN = 'CIS Controls v8 Safeguard 3.10 Encrypt Sensitive Data in Transit';

describe('reports show the clause in the reader’s language', () => {
  it('the report stores the Chinese clause next to the English one', () => {
    const ref = reportWithClauses().results.find((r) => r.check === 'compliance' && r.facts.rule === 'encryption-in-transit')!.facts
      .references as Array<{ clause: string; clauseZh?: string }>;
    expect(ref[0]).toMatchObject({
      clause: 'Safeguard 3.10 Encrypt Sensitive Data in Transit',
      clauseZh: '保障措施 3.10 对传输中的敏感数据加密',
    });
  });

  it('terminal, Markdown and HTML in zh-CN', async () => {
    const report = reportWithClauses();
    const catalogs = await fixtureCatalogs(report);
    const outputs = {
      terminal: renderTerminal(report, { lang: 'zh-CN', color: false, verbose: true, catalogs, width: 200 }),
      markdown: renderMarkdown(report, { lang: 'zh-CN', catalogs, verbose: true }),
      html: renderHtml(report, { lang: 'zh-CN', catalogs }),
    };
    for (const [name, out] of Object.entries(outputs)) {
      expect(out, name).toContain(ZH);
      expect(out, name).not.toContain(EN);
    }
  });

  it('in English they stay English', async () => {
    const report = reportWithClauses();
    const catalogs = await fixtureCatalogs(report);
    for (const out of [
      renderTerminal(report, { lang: 'en', color: false, verbose: true, catalogs, width: 200 }),
      renderMarkdown(report, { lang: 'en', catalogs, verbose: true }),
      renderHtml(report, { lang: 'en', catalogs }),
    ]) {
      expect(out).toContain(EN);
      expect(out).not.toContain(ZH);
    }
  });

  it('a report written before Chinese clauses falls back to English', async () => {
    const report = fixtureReport();
    const catalogs = await fixtureCatalogs(report);
    expect(renderMarkdown(report, { lang: 'zh-CN', catalogs, verbose: true })).toContain(EN);
  });
});
