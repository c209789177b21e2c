// Generated site reports for the fleet report (`siteready merge`): N varied reports derived from
// test/fixtures/report-every-status.json — site names (some hostile: markup, spreadsheet formulas,
// commas and quotes), verdicts, scores, causes and platforms drawn from a seeded generator, so the
// same N gives the same reports. Used by test/cli/merge.test.ts and bench/merge.mjs.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/report-every-status.json', import.meta.url));

/** A small deterministic generator (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES = [
  'Shanghai',
  'Beijing',
  'Shenzhen',
  'Guangzhou',
  'Chengdu',
  'Wuhan',
  'Hangzhou',
  'Nanjing',
  'Lyon',
  'Paris',
  'Munich',
  'Leeds',
];
/** Names a fleet report must show as text: markup, spreadsheet formulas, CSV metacharacters. */
export const HOSTILE_NAMES = [
  '<script>alert(1)</script>',
  '=HYPERLINK("http://evil.example","x")',
  '+cmd|calc',
  '-2+3',
  '@SUM(A1)',
  'Lyon, "Part-Dieu"\nannex',
];

const PLATFORMS = [
  {
    id: 'microsoft-teams',
    name: 'Microsoft Teams',
    vendor: 'Microsoft',
    versions: ['2026-11-01', '2026-11-01', '2026-11-01', '2026-09-15'],
  },
  { id: 'zoom', name: 'Zoom', vendor: 'Zoom', versions: ['2026-10-20'] },
  { id: 'feishu', name: 'Feishu / Lark', vendor: 'ByteDance', versions: ['2026-11-10'] },
];

/**
 * Causes a site may have, each with the results it lands on (in the fixture) and its odds. `own`:
 * the platform whose endpoints it is on (else site-wide).
 */
function causePool(site) {
  const dnsParams = {
    endpoint: 'recording-archive',
    host: 'archive.lab.siteready.test',
    port: 443,
    timeoutMs: 3000,
    code: 'ENOTFOUND',
    detail: 'no such name',
    reason: 'no such name',
  };
  return [
    {
      odds: 0.45,
      cause: {
        id: 'dns:archive.lab.siteready.test',
        kind: 'dns',
        severity: 'high',
        title: { id: 'cause.dns', params: { host: 'archive.lab.siteready.test', kind: 'nxdomain' } },
        lead: { check: 'tcp', target: 'recording-archive', finding: 'tcp.dns-failure' },
      },
      affected: [
        ['tcp', 'recording-archive', 'tcp.dns-failure', 'network'],
        ['http', 'recording-archive', 'http.dns-failure', 'integration'],
      ],
      finding: {
        id: 'tcp.dns-failure',
        severity: 'high',
        message: { id: 'path.dns-failure', params: dnsParams },
        remediation: { id: 'path.dns-failure.fix', params: dnsParams },
      },
    },
    {
      odds: 0.35,
      own: 'microsoft-teams',
      cause: {
        id: 'path:media.teams.example:3478:filtered',
        kind: 'path',
        severity: 'high',
        title: { id: 'cause.path', params: { target: 'media.teams.example:3478', classification: { id: 'class.filtered' } } },
        lead: { check: 'tcp', target: 'presence', finding: 'tcp.filtered' },
      },
      affected: [['tcp', 'presence', 'tcp.filtered', 'network']],
      finding: {
        id: 'tcp.filtered',
        severity: 'high',
        message: { id: 'path.filtered', params: { endpoint: 'presence', host: 'media.teams.example', port: 3478, timeoutMs: 3000 } },
        remediation: {
          id: 'path.filtered.fix',
          params: { endpoint: 'presence', host: 'media.teams.example', port: 3478, timeoutMs: 3000 },
        },
      },
    },
    {
      odds: 0.3,
      cause: {
        id: 'finding:compliance:baseline.encryption-in-transit:baseline',
        kind: 'finding',
        severity: 'high',
        title: { id: 'baseline.encryption-in-transit', params: { why: { id: 'why.raw', params: { text: 'LDAP without TLS' } } } },
        lead: { check: 'compliance', target: 'baseline', finding: 'baseline.encryption-in-transit' },
      },
      affected: [['compliance', 'baseline', 'baseline.encryption-in-transit', 'compliance']],
    },
    {
      odds: 0.2,
      cause: {
        id: `proxy:http://proxy.${site.slug}.corp.example:3128:proxy-denied`,
        kind: 'proxy',
        severity: 'critical',
        title: {
          id: 'cause.proxy',
          params: { proxy: `http://proxy.${site.slug}.corp.example:3128`, classification: { id: 'class.proxy-denied' } },
        },
        lead: { check: 'tcp', target: 'signalling', finding: 'tcp.proxy-denied' },
      },
      affected: [
        ['tcp', 'signalling', 'tcp.proxy-denied', 'network'],
        ['websocket', 'signalling', 'websocket.proxy-denied', 'network'],
      ],
      finding: {
        id: 'tcp.proxy-denied',
        severity: 'critical',
        message: {
          id: 'path.proxy-denied',
          params: {
            endpoint: 'signalling',
            proxy: `proxy.${site.slug}.corp.example:3128`,
            host: 'chat.example.com',
            port: 443,
            status: 403,
            reason: 'Forbidden',
            server: '',
          },
        },
        remediation: {
          id: 'path.proxy-denied.fix',
          params: {
            endpoint: 'signalling',
            proxy: `proxy.${site.slug}.corp.example:3128`,
            host: 'chat.example.com',
            port: 443,
            status: 403,
            reason: 'Forbidden',
            server: '',
          },
        },
      },
    },
    {
      odds: 0.5,
      cause: {
        id: 'tls:legacy.lab.siteready.test:443',
        kind: 'tls-server',
        severity: 'medium',
        title: { id: 'cause.tls-server', params: { server: 'legacy.lab.siteready.test:443' } },
        lead: { check: 'tls', target: 'legacy-gateway', finding: 'tls.cap.tls10' },
      },
      affected: [
        ['tls', 'legacy-gateway', 'tls.cap.tls10', 'security'],
        ['tls', 'legacy-gateway', 'tls.cap.tls11', 'security'],
      ],
    },
    {
      odds: 0.4,
      // The target is the site's name: it differs on every site, the cause is the same.
      cause: {
        id: `finding:capacity:capacity.tight:${site.name}`,
        kind: 'finding',
        severity: 'medium',
        title: { id: 'capacity.tight', params: { direction: { id: 'capacity.dir.up' }, headroom: 3.6, percent: 12 } },
        lead: { check: 'capacity', target: 'Demo-HQ', finding: 'capacity.tight' },
      },
      affected: [['capacity', 'Demo-HQ', 'capacity.tight', 'capacity']],
    },
    {
      odds: 0.25,
      cause: {
        id: 'finding:idle:idle.short:presence',
        kind: 'finding',
        severity: 'low',
        title: {
          id: 'idle.short',
          params: {
            endpoint: 'presence',
            survived: { id: 'idle.duration.s', params: { n: 60 } },
            died: { id: 'idle.duration.s', params: { n: 120 } },
            death: { id: 'death.silent' },
            client: { id: 'idle.duration.s', params: { n: 30 } },
            keepAlive: { id: 'idle.duration.s', params: { n: 90 } },
          },
        },
        lead: { check: 'idle', target: 'presence', finding: 'idle.short' },
      },
      affected: [['idle', 'presence', 'idle.short', 'network']],
    },
  ];
}

const gradeOf = (score) => (score >= 80 ? 'A' : score >= 65 ? 'B' : score >= 50 ? 'C' : score >= 35 ? 'D' : score >= 20 ? 'E' : 'F');

/** The i-th site: its name, and whether it also has an earlier run (every 25th site). */
export function siteName(i) {
  if (i % 37 === 5) return HOSTILE_NAMES[Math.floor(i / 37) % HOSTILE_NAMES.length];
  return `Branch ${String(i + 1).padStart(4, '0')} ${CITIES[i % CITIES.length]}`;
}

/** One generated report: the fixture with this site's name, causes, verdict, score and platforms. */
export function generateReport(base, i, { rerun = false } = {}) {
  const rnd = random(i * 7919 + (rerun ? 1 : 0) + 17);
  const name = siteName(i);
  const site = { name, slug: `s${i}` };
  const chosen = causePool(site).filter((c) => rnd() < c.odds);
  const report = structuredClone(base);
  report.schemaVersion = '2.2.0';
  report.site = { ...report.site, name, organisation: 'Example Bank', sha256: (i.toString(16) + 'a'.repeat(64)).slice(0, 64) };
  const day = 1 + (i % 28);
  const finished = new Date(Date.UTC(2026, 10, day, 9, 0, 0) + (rerun ? 0 : 86_400_000 * 2));
  report.startedAt = new Date(finished.getTime() - 240_000).toISOString();
  report.finishedAt = finished.toISOString();
  // The findings the causes point at, on the fixture's results.
  for (const c of chosen) {
    if (!c.finding) continue;
    const r = report.results.find((x) => x.check === c.cause.lead.check && x.target === c.cause.lead.target);
    if (r) {
      r.status = 'fail';
      r.findings = [...r.findings, c.finding];
    }
  }
  const blocking = chosen.filter((c) => c.cause.severity === 'high' || c.cause.severity === 'critical');
  const concern = ([check, target, finding, category], severity) => ({ check, target, category, severity, finding });
  report.blockers = blocking.flatMap((c) => c.affected.map((a) => concern(a, c.cause.severity)));
  report.risks = chosen.filter((c) => !blocking.includes(c)).flatMap((c) => c.affected.map((a) => concern(a, c.cause.severity)));
  const order = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
  report.causes = chosen
    .map((c) => ({
      ...c.cause,
      blocking: blocking.includes(c),
      results: c.affected.length,
      affected: c.affected.map(([check, target, finding]) => ({ check, target, finding, severity: c.cause.severity })),
    }))
    .sort((a, b) => order[b.severity] - order[a.severity]);
  const verdict = blocking.length ? 'NOT READY' : chosen.length ? 'READY WITH RISKS' : 'READY';
  const range = verdict === 'NOT READY' ? [18, 64] : verdict === 'READY WITH RISKS' ? [60, 89] : [80, 100];
  const unreachable = verdict === 'NOT READY' && rnd() < 0.05;
  report.score = unreachable ? null : Math.round(range[0] + rnd() * (range[1] - range[0]));
  report.grade = report.score === null ? null : gradeOf(report.score);
  delete report.uncappedGrade;
  delete report.gradeCap;
  if (unreachable) report.gradeNote = 'unreachable';
  report.verdict = verdict;
  report.complete = rnd() > 0.06;
  report.platforms = PLATFORMS.filter((p, k) => k === 0 || rnd() < 0.6).map((p) => {
    const mine = blocking.filter((c) => !c.own || c.own === p.id);
    const risks = chosen.filter((c) => !blocking.includes(c));
    const v = mine.length ? 'NOT READY' : risks.length ? 'READY WITH RISKS' : 'READY';
    const score = report.score === null ? null : Math.max(0, Math.min(100, report.score + (mine.length < blocking.length ? 12 : 0)));
    return {
      id: p.id,
      name: p.name,
      vendor: p.vendor,
      kind: 'saas',
      version: p.versions[Math.floor(rnd() * p.versions.length)],
      sources: [{ id: 'docs', url: `https://${p.id}.example/endpoints`, read: '2026-11-01' }],
      unconfirmed: [],
      endpoints: 12,
      untested: [],
      score,
      grade: score === null ? null : gradeOf(score),
      verdict: v,
      complete: report.complete,
      blockerCount: mine.reduce((n, c) => n + c.affected.length, 0),
      ownBlockerCount: mine.filter((c) => c.own === p.id).reduce((n, c) => n + c.affected.length, 0),
      blockers: mine.flatMap((c) =>
        c.affected.map(([check, target, finding, category]) => ({
          check,
          target,
          category,
          severity: c.cause.severity,
          finding,
          message: c.finding?.message ?? c.cause.title,
          own: c.own === p.id,
        })),
      ),
    };
  });
  return report;
}

/**
 * Writes `count` site reports into `dir` (site-0001.json …), plus an earlier run for every 25th
 * site (site-0001-earlier.json), which the fleet must leave out as superseded. Returns the files.
 */
export function writeFleetReports(dir, count) {
  const base = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const files = [];
  for (let i = 0; i < count; i++) {
    const file = join(dir, `site-${String(i + 1).padStart(4, '0')}.json`);
    writeFileSync(file, JSON.stringify(generateReport(base, i)));
    files.push(file);
    if (i % 25 === 0) {
      const earlier = join(dir, `site-${String(i + 1).padStart(4, '0')}-earlier.json`);
      writeFileSync(earlier, JSON.stringify(generateReport(base, i, { rerun: true })));
      files.push(earlier);
    }
  }
  return files;
}
