// `siteready checks tls` explains every rule of every rule set with its source, in both languages.

import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { RULE_SET_IDS, describeTlsRules } from '../../src/tls/rules.js';

describe('siteready checks tls', () => {
  it('lists each rule set, each rule with its title and its source', async () => {
    const r = await runCli(['checks', 'tls', '--lang', 'en']);
    expect(r.code, r.stderr).toBe(0);
    for (const set of RULE_SET_IDS) expect(r.stdout).toContain(`  ${set} — `);
    const rules = describeTlsRules();
    expect(rules.length).toBeGreaterThan(30);
    for (const rule of rules) {
      expect(r.stdout).toContain(`${rule.id.slice(rule.ruleSet.length + 1)}: ${rule.title}`);
      expect(r.stdout).toContain(rule.source);
    }
  });

  it('speaks Chinese', async () => {
    const r = await runCli(['checks', 'tls', '--lang', 'zh-CN']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('规则集');
    expect(r.stdout).toContain(describeTlsRules(['mozilla-intermediate'], 'zh-CN')[0]!.title);
  });
});
