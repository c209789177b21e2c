import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPrometheus } from '../../src/report/render/prometheus.js';
import type { Report } from '../../src/report/model.js';
import { platformVerdict } from '../helpers/fixtures.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/report-every-status.json', import.meta.url), 'utf8')) as Report;

/** A sample line of the text format: name, optional {labels}, a Go float. */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NaN|[+-]Inf)$/;

function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('renderPrometheus', () => {
  it('writes only well-formed HELP, TYPE and sample lines, each family once, no sample twice', () => {
    const text = renderPrometheus(fixture);
    const lines = text.trimEnd().split('\n');
    const families = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    expect(new Set(families).size).toBe(families.length);
    for (const l of lines) {
      if (l.startsWith('# HELP ') || l.startsWith('# TYPE ')) continue;
      expect(l).toMatch(SAMPLE);
    }
    const keys = lines.filter((l) => !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('says when the site was measured, its score, grade and verdict', () => {
    const s = samples(renderPrometheus(fixture));
    expect(s.get('siteready_run_timestamp_seconds{site="Demo HQ"}')).toBe(Date.parse(fixture.startedAt) / 1000);
    expect(s.get('siteready_score{site="Demo HQ"}')).toBe(fixture.score);
    expect(s.get(`siteready_grade{site="Demo HQ",grade="${fixture.grade}"}`)).toBe(1);
    expect(s.get(`siteready_verdict{site="Demo HQ",verdict="${fixture.verdict}"}`)).toBe(1);
    expect([...s].filter(([k, v]) => k.startsWith('siteready_verdict{') && v === 1)).toHaveLength(1);
    expect(s.get('siteready_blockers{site="Demo HQ"}')).toBe(fixture.blockers.length);
  });

  it('has every numeric measurement of every result, booleans as 1/0, and skips text', () => {
    const s = samples(renderPrometheus(fixture));
    let numeric = 0;
    for (const r of fixture.results) {
      for (const m of r.measurements) {
        if (typeof m.value !== 'number') continue;
        numeric++;
        const target = r.check === 'compliance' && typeof r.facts.rule === 'string' ? `${r.target}.${r.facts.rule}` : r.target;
        expect(
          s.get(`siteready_measurement{site="Demo HQ",check="${r.check}",target="${target}",measurement="${m.id}",unit="${m.unit ?? ''}"}`),
        ).toBe(m.value);
      }
    }
    expect(numeric).toBeGreaterThan(20);
  });

  it('escapes label values and reports booleans, per platform too', () => {
    const report: Report = {
      ...fixture,
      site: { ...fixture.site, name: 'Branch "7" \\ Shanghai\nsecond line' },
      results: [
        {
          ...fixture.results[0]!,
          check: 'x',
          target: 't',
          measurements: [
            { id: 'ok', value: true },
            { id: 'name', value: 'text' },
            { id: 'rtt', value: 12.5, unit: 'ms' },
          ],
        },
      ],
      platforms: [platformVerdict({ score: 71 })],
    };
    const text = renderPrometheus(report);
    const site = 'site="Branch \\"7\\" \\\\ Shanghai\\nsecond line"';
    const s = samples(text);
    expect(s.get(`siteready_measurement{${site},check="x",target="t",measurement="ok",unit=""}`)).toBe(1);
    expect(s.get(`siteready_measurement{${site},check="x",target="t",measurement="rtt",unit="ms"}`)).toBe(12.5);
    expect(text).not.toContain('measurement="name"');
    expect(s.get(`siteready_platform_score{${site},platform="zoom"}`)).toBe(71);
    expect(s.get(`siteready_platform_verdict{${site},platform="zoom",verdict="NOT READY"}`)).toBe(1);
    expect(s.get(`siteready_platform_blockers{${site},platform="zoom"}`)).toBe(2);
    for (const l of text.trimEnd().split('\n')) if (!l.startsWith('#')) expect(l).toMatch(SAMPLE);
  });
});
