// SARIF 2.1.0 from the fixture, validated against the official OASIS schema (shipped as test
// data: test/fixtures/sarif-schema-2.1.0.json, from oasis-tcs/sarif-spec Schemata/), plus what
// GitHub code scanning relies on: rules with help, security-severity, locations on the YAML line,
// suppressions for waivers and fingerprints that survive a re-run.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fingerprint, neutralText, renderSarif, SECURITY_SEVERITY } from '../../src/report/render/sarif.js';
import { evaluateGate } from '../../src/report/gate.js';
import type { Report } from '../../src/report/model.js';
import { fixtureCatalogs, fixtureReport } from './report-fixture.js';

const require = createRequire(import.meta.url);

/**
 * The official schema is JSON Schema 2020-12 with two known blemishes ajv must be told about: a
 * pattern with an inline "(?i)" flag JavaScript lacks, and an `anyOf` misplaced inside
 * region.properties (so the schema itself is not checked against the meta-schema).
 */
function sarifValidator() {
  const { Ajv2020 } = require('ajv/dist/2020') as typeof import('ajv/dist/2020');
  const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
  const regExp = (pattern: string, flags?: string) =>
    pattern.startsWith('^(?i)') ? new RegExp(`^${pattern.slice(5)}`, `${flags ?? ''}i`) : new RegExp(pattern, flags);
  regExp.code = 'new RegExp';
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: false, code: { regExp } });
  ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:\S*$/i.test(s));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s));
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s));
  return ajv.compile(schema);
}

interface SarifLog {
  version: string;
  runs: Array<{
    tool: {
      driver: {
        name: string;
        rules: Array<{ id: string; help: { text: string }; fullDescription: { text: string }; properties: Record<string, unknown> }>;
      };
    };
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations?: Array<{
        physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } };
      }>;
      partialFingerprints: Record<string, string>;
      suppressions?: Array<{ kind: string; justification: string }>;
      properties: { check: string; target: string };
    }>;
  }>;
}

describe('sarif from the fixture', () => {
  const report = fixtureReport();
  const descriptions = new Map([['tls', 'Audits the TLS configuration of every HTTPS endpoint.']]);
  const text = renderSarif(report, { descriptions, root: '/repo' });
  const log = JSON.parse(text) as SarifLog;
  const run = log.runs[0]!;

  it('is valid against the official SARIF 2.1.0 schema', () => {
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
  });

  it('has a rule per finding id with help text (description + remediation) and GitHub security-severity', () => {
    const ids = new Set(report.results.flatMap((r) => (r.status === 'pass' || r.status === 'skipped' ? [] : r.findings.map((f) => f.id))));
    expect(new Set(run.tool.driver.rules.map((r) => r.id))).toEqual(ids);
    const tls = run.tool.driver.rules.find((r) => r.id === 'tls.cap.tls10')!;
    expect(tls.fullDescription.text).toBe(descriptions.get('tls'));
    expect(tls.help.text).toContain('Remediation: ');
    expect(tls.properties['security-severity']).toBe(SECURITY_SEVERITY.medium);
    const compliance = run.tool.driver.rules.find((r) => r.id === 'baseline.encryption-in-transit')!;
    expect(compliance.properties['security-severity']).toBe('8.0');
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
  });

  it('levels follow severity; results sit on the YAML line that caused them, relative to the repository', () => {
    const critical = run.results.find((r) => r.ruleId === 'http.dns-failure')!;
    expect(critical.level).toBe('error');
    const medium = run.results.find((r) => r.ruleId === 'tls.cap.tls10')!;
    expect(medium.level).toBe('warning');
    const loc = medium.locations![0]!.physicalLocation;
    expect(loc.artifactLocation).toEqual({ uri: 'examples/demo-site.yaml', uriBaseId: 'SRCROOT' });
    expect(loc.region).toEqual({ startLine: 76, startColumn: 7 });
    const low = run.results.find((r) => r.ruleId === 'idle.short');
    if (low) expect(low.level).toBe('note');
  });

  it('an absolute site-file path inside the repository becomes relative', () => {
    const r = fixtureReport();
    for (const x of r.results) for (const f of x.findings) if (f.location) f.location.file = '/repo/sites/hq.yaml';
    const out = JSON.parse(renderSarif(r, { root: '/repo' })) as SarifLog;
    expect(out.runs[0]!.results.find((x) => x.locations)!.locations![0]!.physicalLocation.artifactLocation.uri).toBe('sites/hq.yaml');
  });

  it('waived results carry an external suppression with the justification', () => {
    const waived = run.results.filter((r) => r.suppressions);
    expect(waived.length).toBe(report.results.filter((r) => r.waiver && r.status !== 'pass').length);
    const tcp = waived.find((r) => r.properties.check === 'tcp')!;
    expect(tcp.suppressions![0]).toMatchObject({ kind: 'external', justification: expect.stringMatching(/^Recording archive/) });
  });

  it('fingerprints are stable across runs: messages and measurements do not change them', () => {
    const again = fixtureReport();
    for (const r of again.results) {
      r.durationMs += 1000;
      for (const m of r.measurements) m.value = typeof m.value === 'number' ? m.value * 2 : m.value;
      for (const f of r.findings) f.message = `${f.message} (different wording)`;
    }
    const second = (JSON.parse(renderSarif(again, { root: '/repo' })) as SarifLog).runs[0]!;
    const prints = (rs: SarifLog['runs'][number]['results']) => rs.map((r) => r.partialFingerprints['siteready/v1']).sort();
    expect(prints(second.results)).toEqual(prints(run.results));
    const first = run.results[0]!;
    expect(first.partialFingerprints['siteready/v1']).toBe(fingerprint(first.properties.check, first.properties.target, first.ruleId));
    expect(new Set(prints(run.results)).size).toBe(run.results.length);
  });
});

describe('sarif rules: one per finding kind, each with its own words', () => {
  it('describes each kind by its message template without one target’s specifics, fixes included', async () => {
    const report = fixtureReport();
    const catalogs = await fixtureCatalogs(report);
    const template = (check: string, id: string) => catalogs.get(check)?.en?.[id];
    const log = JSON.parse(renderSarif(report, { root: '/repo', template })) as SarifLog;
    const rules = log.runs[0]!.tool.driver.rules as unknown as Array<{
      id: string;
      shortDescription: { text: string };
      help: { text: string };
      helpUri?: string;
      defaultConfiguration: { level: string };
      properties: { tags: string[] };
    }>;
    const byId = new Map(rules.map((r) => [r.id, r]));
    const cap = byId.get('tls.cap.tls10')!;
    // Every grade cap shares one template: the id tells the kinds apart.
    expect(cap.shortDescription.text).toBe('endpoint: grade capped at cap: reason. (tls.cap.tls10)');
    expect(byId.get('tls.cap.tls11')!.shortDescription.text).not.toBe(cap.shortDescription.text);
    expect(cap.help.text).toContain('Remediation: ');
    expect(cap.help.text).not.toContain('legacy');
    expect(cap.helpUri).toBe('https://github.com/ssllabs/research/wiki/SSL-Server-Rating-Guide');
    expect(cap.properties.tags).toContain('security');
    expect(cap.defaultConfiguration.level).toBe('warning');
    const dns = byId.get('http.dns-failure')!;
    // http and tcp word a name that does not resolve alike (the shared path catalog).
    expect(dns.shortDescription.text).toBe('endpoint: host does not resolve (reason). (http.dns-failure)');
    expect(byId.get('capacity.tight')!.shortDescription.text).not.toMatch(/\(capacity\.tight\)$/);
    expect(dns.defaultConfiguration.level).toBe('error');
    for (const r of rules) expect(r.shortDescription.text, r.id).not.toMatch(/\{\w+\}/);
    // No two rules read alike, and results point at their own rule.
    expect(new Set(rules.map((r) => r.shortDescription.text)).size).toBe(rules.length);
    for (const r of log.runs[0]!.results) expect(rules[r.ruleIndex]!.id).toBe(r.ruleId);
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
  });

  it('without a template, a rule says the check’s failure title and its id', () => {
    const log = JSON.parse(renderSarif(fixtureReport(), { root: '/repo' })) as SarifLog;
    const rule = log.runs[0]!.tool.driver.rules.find((r) => r.id === 'tls.cap.tls10') as unknown as { shortDescription: { text: string } };
    expect(rule.shortDescription.text).toBe('TLS is configured badly (tls.cap.tls10)');
  });

  it('neutralText turns placeholders into plain words', () => {
    expect(neutralText('{endpoint}: {maxRttMs} ms over {link_name}')).toBe('endpoint: max rtt ms ms over link name');
  });
});

describe('sarif invocation', () => {
  type Invocation = {
    executionSuccessful: boolean;
    exitSignalName?: string;
    toolExecutionNotifications?: Array<{ level: string; message: { text: string } }>;
    properties: { complete: boolean; gate?: { passed: boolean; reasons: Array<{ id: string; text: string }> } };
  };
  const invocationOf = (report: Report): Invocation => {
    const log = JSON.parse(renderSarif(report, { root: '/repo' })) as { runs: Array<{ invocations: Invocation[] }> };
    const validate = sarifValidator();
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
    return log.runs[0]!.invocations[0]!;
  };

  it('a failing gate is a successful run: the gate is in the properties, in English with its ids', () => {
    const report = fixtureReport();
    report.gate = evaluateGate(report, { failOn: 'high' });
    expect(report.gate.passed).toBe(false);
    const inv = invocationOf(report);
    expect(inv.executionSuccessful).toBe(true);
    expect(inv.toolExecutionNotifications).toBeUndefined();
    expect(inv.properties.gate).toMatchObject({ passed: false, options: { failOn: 'high' } });
    expect(inv.properties.gate!.reasons[0]).toMatchObject({ id: 'gate.failOn', text: expect.stringMatching(/severity high or higher/) });
  });

  it('a run stopped by a signal, or hit by the tool’s own defect, did not execute successfully', () => {
    const stopped = fixtureReport();
    stopped.complete = false;
    stopped.interruption = { kind: 'signal', signal: 'SIGTERM', message: 'stopped by SIGTERM' };
    const a = invocationOf(stopped);
    expect(a).toMatchObject({ executionSuccessful: false, exitSignalName: 'SIGTERM', properties: { complete: false } });
    expect(a.toolExecutionNotifications![0]!.message.text).toBe('stopped by SIGTERM');

    const faulty = fixtureReport();
    const r = faulty.results.find((x) => x.check === 'tcp')!;
    r.status = 'error';
    r.error = { kind: 'uncaught', message: 'boom' } as NonNullable<typeof r.error>;
    const b = invocationOf(faulty);
    expect(b.executionSuccessful).toBe(false);
    expect(b.toolExecutionNotifications![0]!.message.text).toMatch(/internal error in tcp on .*: boom/);
  });

  it('a check that could not measure is a finding, not a failed invocation', () => {
    const report = fixtureReport();
    expect(report.results.some((r) => r.status === 'error')).toBe(true);
    expect(invocationOf(report).executionSuccessful).toBe(true);
  });
});
