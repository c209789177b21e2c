// Fact values as a person reads them: no raw JSON with escaped quotes in human formats.

import { describe, expect, it } from 'vitest';
import { factValue } from '../../src/report/render/fact-value.js';

describe('factValue', () => {
  it('scalars as they are, strings quoted', () => {
    expect(factValue('tcp')).toBe('"tcp"');
    expect(factValue(30)).toBe('30');
    expect(factValue(true)).toBe('true');
  });

  it('lists of objects by their names, not as JSON', () => {
    const endpoints = [
      { name: 'chat', url: 'wss://chat.example/ws' },
      { name: 'api', protocol: 'https' },
    ];
    expect(factValue(endpoints)).toBe('[chat, api]');
    expect(factValue(endpoints)).not.toContain('\\"');
  });

  it('cuts long values', () => {
    expect(factValue('x'.repeat(100), 20)).toHaveLength(20);
  });
});
