// The fleet model on small hand-made reports: which run of a site counts, the order of the sites,
// how causes group and rank across sites, platforms across sites, and the CSV's escaping.

import { describe, expect, it } from 'vitest';
import { buildFleet, causeKey, median, slimReport } from '../../src/fleet/model.js';
import { csvField, renderFleetCsv } from '../../src/fleet/render/csv.js';
import { renderFleet } from '../../src/fleet/render/index.js';
import { fleetText } from '../../src/fleet/render/text.js';
import type { Report, ReportCause, ReportPlatform } from '../../src/report/model.js';

type Verdict = Report['verdict'];

function cause(
  id: string,
  kind: ReportCause['kind'],
  severity: ReportCause['severity'],
  lead: ReportCause['lead'],
  title = { id: 'cause.x' },
): ReportCause {
  return {
    id,
    kind,
    severity,
    blocking: severity === 'critical' || severity === 'high',
    title,
    lead,
    results: 1,
    affected: [{ ...lead, severity }],
  };
}

function platform(
  id: string,
  verdict: Verdict,
  score: number | null,
  version = '2026-11-01',
  blockers: ReportPlatform['blockers'] = [],
): ReportPlatform {
  return {
    id,
    name: id.toUpperCase(),
    vendor: 'V',
    kind: 'saas',
    version,
    sources: [],
    unconfirmed: [],
    endpoints: 3,
    untested: [],
    score,
    grade: null,
    verdict,
    complete: true,
    blockerCount: blockers.length,
    ownBlockerCount: 0,
    blockers,
  };
}

function report(
  name: string,
  verdict: Verdict,
  score: number | null,
  opts: { causes?: ReportCause[]; platforms?: ReportPlatform[]; at?: string; complete?: boolean; organisation?: string } = {},
): Report {
  const causes = opts.causes ?? [];
  return {
    schemaVersion: '2.2.0',
    tool: { name: 'siteready', version: '0.1.0', node: '20' },
    site: { name, ...(opts.organisation ? { organisation: opts.organisation } : {}), file: `${name}.yaml`, sha256: 'x' },
    startedAt: opts.at ?? '2026-11-01T09:00:00.000Z',
    finishedAt: opts.at ?? '2026-11-01T09:00:00.000Z',
    durationMs: 1,
    score,
    grade: score === null ? null : score >= 80 ? 'A' : 'C',
    verdict,
    complete: opts.complete ?? true,
    categories: [],
    checks: [],
    results: causes.map((c) => ({
      check: c.lead.check,
      target: c.lead.target,
      category: 'network',
      status: 'fail',
      score: 0,
      durationMs: 1,
      measurements: [],
      facts: { big: 'x'.repeat(1000) },
      findings: [
        {
          id: c.lead.finding,
          severity: c.severity,
          message: { id: 'm' },
          remediation: { id: `${c.lead.finding}.fix`, params: { site: name } },
        },
      ],
    })),
    blockers: causes.filter((c) => c.blocking).map((c) => ({ ...c.lead, category: 'network', severity: c.severity })),
    risks: causes.filter((c) => !c.blocking).map((c) => ({ ...c.lead, category: 'network', severity: c.severity })),
    causes,
    waivers: [],
    ...(opts.platforms ? { platforms: opts.platforms } : {}),
    siteDescription: {},
  };
}

const proxyOf = (site: string, how = 'proxy-denied') =>
  cause(
    `proxy:http://proxy.${site}:3128:${how}`,
    'proxy',
    'critical',
    { check: 'tcp', target: 'signalling', finding: 'tcp.proxy-denied' },
    {
      id: 'cause.proxy',
      params: { proxy: `http://proxy.${site}:3128`, classification: { id: `class.${how}` } },
    } as never,
  );
const dns = cause('dns:media.vendor.example', 'dns', 'high', { check: 'tcp', target: 'media', finding: 'tcp.dns-failure' });
const tlsRisk = cause('tls:legacy.example:443', 'tls-server', 'medium', { check: 'tls', target: 'legacy', finding: 'tls.cap.tls10' });
const capacityOf = (site: string) =>
  cause(`finding:capacity:capacity.tight:${site}`, 'finding', 'medium', { check: 'capacity', target: site, finding: 'capacity.tight' });

describe('fleet model', () => {
  it('groups a cause across sites by a key that does not name per-site things', () => {
    expect(causeKey(proxyOf('paris'))).toBe('proxy:*:proxy-denied');
    expect(causeKey(proxyOf('lyon'))).toBe(causeKey(proxyOf('paris')));
    expect(causeKey(proxyOf('lyon', 'proxy-auth-required'))).not.toBe(causeKey(proxyOf('paris')));
    expect(causeKey(capacityOf('Paris'))).toBe('finding:capacity:capacity.tight');
    expect(causeKey(capacityOf('Paris'))).toBe(causeKey(capacityOf('Lyon')));
    // A vendor host is the same host on every site: its cause id is the key.
    expect(causeKey(dns)).toBe('dns:media.vendor.example');
  });

  it('ranks causes by the sites they block, then by the sites they are on', () => {
    const fleet = buildFleet(
      [
        report('Paris', 'NOT READY', 40, { causes: [proxyOf('paris'), dns, tlsRisk] }),
        report('Lyon', 'NOT READY', 50, { causes: [dns, tlsRisk, capacityOf('Lyon')] }),
        report('Nice', 'NOT READY', 45, { causes: [dns] }),
        report('Lille', 'READY WITH RISKS', 70, { causes: [tlsRisk, capacityOf('Lille')] }),
        report('Metz', 'READY', 95),
      ],
      { toolVersion: 'test' },
    );
    expect(fleet.causes.map((c) => [c.key, c.blocks.length, c.sites.length])).toEqual([
      ['dns:media.vendor.example', 3, 3],
      ['proxy:*:proxy-denied', 1, 1],
      // Risks block nothing: the one on more sites first.
      ['tls:legacy.example:443', 0, 3],
      ['finding:capacity:capacity.tight', 0, 2],
    ]);
    const dnsCause = fleet.causes[0]!;
    // Worst site first; the fix is the lead finding's remediation.
    expect(dnsCause.blocks).toEqual(['Paris', 'Nice', 'Lyon']);
    expect(dnsCause.fix).toEqual({ id: 'tcp.dns-failure.fix', params: { site: 'Paris' } });
    // A site-local cause is titled without the site's address.
    expect(fleet.causes[1]!.title.id).toBe('fleet.cause.proxy');
    expect(fleet.summary).toMatchObject({ sites: 5, ready: 1, readyWithRisks: 1, notReady: 3, medianScore: 50 });
  });

  it('lists sites worst first: verdict, then score (none first), incomplete runs before complete ones', () => {
    const fleet = buildFleet(
      [
        report('A', 'READY', 90),
        report('B', 'READY WITH RISKS', 60),
        report('C', 'NOT READY', 55),
        report('D', 'NOT READY', null),
        report('E', 'READY WITH RISKS', 60, { complete: false }),
        report('F', 'NOT READY', 30),
      ],
      { toolVersion: 'test' },
    );
    expect(fleet.sites.map((s) => s.site)).toEqual(['D', 'F', 'C', 'E', 'B', 'A']);
    expect(fleet.summary.incomplete).toBe(1);
  });

  it('keeps the latest run of each site and says which runs it replaced', () => {
    const fleet = buildFleet(
      [
        report('Paris', 'NOT READY', 40, { at: '2026-11-01T09:00:00Z' }),
        report('Paris', 'READY', 90, { at: '2026-11-20T09:00:00Z' }),
        report('Paris', 'READY WITH RISKS', 70, { at: '2026-11-10T09:00:00Z' }),
        // Another organisation's Paris is another site.
        report('Paris', 'NOT READY', 20, { organisation: 'Other Corp' }),
      ],
      { toolVersion: 'test', sources: ['p1.json', 'p3.json', 'p2.json', 'other.json'] },
    );
    expect(fleet.sites.map((s) => [s.site, s.verdict, s.source])).toEqual([
      ['Paris (Other Corp)', 'NOT READY', 'other.json'],
      ['Paris', 'READY', 'p3.json'],
    ]);
    expect(fleet.summary.superseded).toBe(2);
    expect(fleet.superseded.map((r) => [r.source, r.by.source])).toEqual([
      ['p1.json', 'p3.json'],
      ['p2.json', 'p3.json'],
    ]);
  });

  it('counts each platform across sites, with its median score, its blockers and the catalog versions seen', () => {
    const blocker = {
      check: 'tcp',
      target: 'media',
      category: 'network' as const,
      severity: 'high' as const,
      finding: 'tcp.dns-failure',
      message: { id: 'm' },
      own: true,
    };
    const fleet = buildFleet(
      [
        report('Paris', 'NOT READY', 40, {
          causes: [dns],
          platforms: [platform('teams', 'NOT READY', 40, '2026-11-01', [blocker]), platform('zoom', 'READY', 90)],
        }),
        report('Lyon', 'NOT READY', 50, { causes: [dns], platforms: [platform('teams', 'NOT READY', 50, '2026-09-01', [blocker])] }),
        report('Nice', 'READY', 90, { platforms: [platform('teams', 'READY', 90), platform('zoom', 'READY WITH RISKS', 70)] }),
      ],
      { toolVersion: 'test' },
    );
    const teams = fleet.platforms.find((p) => p.id === 'teams')!;
    expect(teams).toMatchObject({ sites: 3, ready: 1, readyWithRisks: 0, notReady: 2, medianScore: 50, notReadySites: ['Paris', 'Lyon'] });
    expect(teams.versions).toEqual([
      { version: '2026-11-01', sites: 2 },
      { version: '2026-09-01', sites: 1 },
    ]);
    expect(teams.topCauses).toEqual([{ key: 'dns:media.vendor.example', sites: 2 }]);
    expect(fleet.platforms.find((p) => p.id === 'zoom')).toMatchObject({ sites: 2, ready: 1, readyWithRisks: 1, medianScore: 80 });
    expect(fleet.warnings.map((w) => w.id)).toEqual(['fleet.warn.catalogVersions']);
  });

  it('slims a report to what the fleet reads, and the fleet comes out the same', () => {
    const full = report('Paris', 'NOT READY', 40, { causes: [dns, tlsRisk] });
    const slim = slimReport(full);
    expect(JSON.stringify(slim).length).toBeLessThan(JSON.stringify(full).length / 2);
    const a = buildFleet([full], { toolVersion: 't', now: new Date(0) });
    const b = buildFleet([slim], { toolVersion: 't', now: new Date(0) });
    expect(b).toEqual(a);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('fleet CSV', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180), doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(42)).toBe('42');
    expect(csvField(null)).toBe('');
  });

  it('guards against formula injection: a cell starting with = + - @ (or tab, CR) gets a leading quote', () => {
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('+cmd|calc')).toBe("'+cmd|calc");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    // Numbers are numbers, never guarded.
    expect(csvField(-3)).toBe('-3');
  });

  it('writes one CRLF-terminated row per site, worst first, with a column pair per platform', () => {
    const fleet = buildFleet(
      [
        report('=evil()', 'READY', 90, { platforms: [platform('teams', 'READY', 90)] }),
        report('Lyon, "Part-Dieu"', 'NOT READY', 30, { causes: [dns] }),
      ],
      { toolVersion: 't' },
    );
    const csv = renderFleetCsv(fleet, fleetText(fleet, 'en'));
    const lines = csv.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]!.split(',')).toContain('teams_verdict');
    expect(lines[1]!.startsWith('"Lyon, ""Part-Dieu""",,NOT READY,30,C,true,1,0,')).toBe(true);
    expect(lines[2]!.startsWith("'=evil(),,READY,90,A,true,0,0,")).toBe(true);
    expect(lines[2]!.endsWith(',READY,90')).toBe(true);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/\n/);
  });
});

describe('fleet renderers', () => {
  const fleet = buildFleet(
    [
      report('<script>alert(1)</script>', 'NOT READY', 30, {
        causes: [dns, proxyOf('x')],
        platforms: [platform('teams', 'NOT READY', 30)],
      }),
      report('Nice', 'READY', 90, { platforms: [platform('teams', 'READY', 90)] }),
    ],
    { toolVersion: 't', title: 'Branches <wave 2>' },
  );

  it('HTML escapes every value from a report', async () => {
    const html = await renderFleet(fleet, 'html', { lang: 'en', color: false });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Branches &lt;wave 2&gt;');
    expect(html).toContain('data-fact="sites">2<');
  });

  it('Markdown escapes markup; Chinese text comes from the catalogs', async () => {
    const md = await renderFleet(fleet, 'md', { lang: 'en', color: false });
    expect(md).toContain('&lt;script&gt;');
    expect(md).toContain("The site's proxy cannot be used");
    const zh = await renderFleet(fleet, 'md', { lang: 'zh-CN', color: false });
    expect(zh).toContain('站点的代理不可用');
    expect(zh).not.toMatch(/fleet\.[a-z]/);
  });

  it('the terminal summary never passes control characters from report data', async () => {
    const evil = buildFleet([report('bad\u001b[2Jname', 'NOT READY', 10)], { toolVersion: 't' });
    const text = await renderFleet(evil, 'terminal', { lang: 'en', color: false });
    expect(text).not.toContain('\u001b');
    expect(text).toContain('bad [2Jname');
  });
});
