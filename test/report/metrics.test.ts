import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportMetrics } from '../../src/report/metrics.js';
import type { Report } from '../../src/report/model.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/report-every-status.json', import.meta.url), 'utf8')) as Report;

describe('reportMetrics', () => {
  it('gives every family a sample, each label set once, the site on every one', () => {
    const families = reportMetrics(fixture);
    expect(new Set(families.map((f) => f.name)).size).toBe(families.length);
    for (const f of families) {
      expect(f.name).toMatch(/^siteready_[a-z_]+$/);
      expect(f.samples.length, f.name).toBeGreaterThan(0);
      const keys = f.samples.map((s) => JSON.stringify(s.labels));
      expect(new Set(keys).size, f.name).toBe(keys.length);
      for (const s of f.samples) expect(s.labels.site).toBe('Demo HQ');
    }
  });

  it('names a unit only where the name already ends in it', () => {
    const withUnit = reportMetrics(fixture).filter((f) => f.unit !== undefined);
    expect(withUnit.map((f) => [f.name, f.unit])).toEqual([
      ['siteready_run_timestamp_seconds', 's'],
      ['siteready_run_duration_seconds', 's'],
    ]);
  });

  it('keeps the first of two results with the same check and target', () => {
    const twice: Report = { ...fixture, results: [fixture.results[0]!, { ...fixture.results[0]!, score: 0.123 }] };
    const score = reportMetrics(twice).find((f) => f.name === 'siteready_result_score')!;
    expect(score.samples).toHaveLength(1);
    expect(score.samples[0]!.value).toBe(fixture.results[0]!.score);
  });
});
