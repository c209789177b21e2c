// The terminal report in Chinese: no English catalog text left, check findings and fixes included.

import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.js';
import { renderTerminal } from '../../src/report/render/terminal.js';
import { catalogValues, englishPieces, leaks } from './english-leaks.js';
import { fixtureCatalogs, fixtureReport } from './report-fixture.js';

describe('terminal report in zh-CN', () => {
  it('has no English text from the report or check catalogs', async () => {
    const report = fixtureReport();
    const catalogs = await fixtureCatalogs(report);
    const text = renderTerminal(report, { lang: 'zh-CN', color: false, verbose: true, catalogs, width: 160 });
    expect(text).toContain('就绪评估报告');
    const values = catalogValues(en, ['report.', 'status.', 'verdict.', 'category.', 'severity.', 'cap.', 'col.']);
    for (const [, c] of catalogs) values.push(...Object.values(c.en));
    expect(leaks(text, englishPieces(values))).toEqual([]);
  });
});
