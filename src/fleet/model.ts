// The fleet report: many sites' reports folded into one picture — each site's verdict, the causes
// most sites share ranked by how many sites they block, and each platform's readiness across the
// sites. Pure: reports in, model out. Where the reports come from (files, a history store) is the
// caller's business; `sources` only labels them.

import type { Catalog, Message, Severity } from '../plugin-api.js';
import type { Report, ReportCause } from '../report/model.js';
import type { CauseKind } from '../scoring/causes.js';
import type { Grade, Verdict } from '../scoring/score.js';

// 1.0.0: sites, causes, platforms, superseded runs, warnings.
export const FLEET_SCHEMA_VERSION = '1.0.0';

/** One site as the fleet report lists it: its latest run. */
export interface FleetSite {
  site: string;
  organisation?: string;
  verdict: Verdict;
  score: number | null;
  grade: Grade | null;
  complete: boolean;
  blockers: number;
  risks: number;
  /** The site's first cause (blocking first), as the fleet key of `causes[]`. */
  topCause?: string;
  /** When the run finished. */
  measuredAt: string;
  toolVersion: string;
  /** The schema version of the site's report (a 1.x report reads as 2.0.0 once migrated). */
  reportSchema: string;
  siteSha256: string;
  /** Where the report came from (a file name), when the caller said. */
  source?: string;
  /** Each platform the site was judged for. */
  platforms: Array<{ id: string; verdict: Verdict; score: number | null; version: string }>;
}

/** One cause as many sites have it, grouped by a key that does not depend on per-site names. */
export interface FleetCause {
  /** Stable across sites: see causeKey(). */
  key: string;
  kind: CauseKind;
  /** The most severe the cause is on any site. */
  severity: Severity;
  /** What went wrong: core text (cause.*, fleet.cause.*) or, when `check` is set, that check's message. */
  title: Message;
  /** The catalog a finding-kind title and the fix are looked up in. */
  check: string;
  finding: string;
  /** The lead finding's remediation (from the first site that has one), in `check`'s catalog. */
  fix?: Message;
  /** The site whose report the title comes from (the worst site that has the cause): a finding's parameters are that site's. */
  example: string;
  /** Sites on which the cause blocks the rollout (critical or high there), worst site first. */
  blocks: string[];
  /** Every site that has the cause, blocking or not, worst site first. */
  sites: string[];
  /** Results the cause explains, summed over the sites. */
  results: number;
}

export interface FleetPlatform {
  id: string;
  name: string;
  vendor?: string;
  /** Sites judged for this platform. */
  sites: number;
  ready: number;
  readyWithRisks: number;
  notReady: number;
  medianScore: number | null;
  /** Catalog versions the sites were measured against, most used first. */
  versions: Array<{ version: string; sites: number }>;
  /** Fleet cause keys that block this platform on the most sites, with how many. */
  topCauses: Array<{ key: string; sites: number }>;
  /** The sites not ready for it, worst first. */
  notReadySites: string[];
}

export interface FleetSuperseded {
  site: string;
  organisation?: string;
  measuredAt: string;
  source?: string;
  /** The run that replaced it. */
  by: { measuredAt: string; source?: string };
}

export interface FleetReport {
  schemaVersion: string;
  tool: { name: 'siteready'; version: string };
  generatedAt: string;
  /** A name for the fleet (the HTML cover), when given. */
  title?: string;
  summary: {
    sites: number;
    ready: number;
    readyWithRisks: number;
    notReady: number;
    incomplete: number;
    medianScore: number | null;
    grades: Record<Grade | 'none', number>;
    /** Runs left out because a later run of the same site was given. */
    superseded: number;
  };
  /** Worst first: NOT READY, READY WITH RISKS, READY; then by score, lowest (or none) first. */
  sites: FleetSite[];
  /** Blocking the most sites first, then affecting the most. */
  causes: FleetCause[];
  platforms: FleetPlatform[];
  superseded: FleetSuperseded[];
  /** Things a reader should know: catalog versions that differ between sites, older report versions. */
  warnings: Message[];
  /** Message catalogs the reports carried (plugins, compliance profiles), merged. */
  catalogs?: Record<string, Record<string, Catalog>>;
}

export interface FleetOptions {
  toolVersion: string;
  /** Labels of the reports (file names, store ids), index for index. */
  sources?: readonly (string | undefined)[];
  now?: Date;
  title?: string;
}

const VERDICT_RANK: Record<Verdict, number> = { 'NOT READY': 0, 'READY WITH RISKS': 1, READY: 2 };
const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
/** Causes whose subject is each site's own (its proxy, resolver, reflector): grouped by what went wrong, not by address. */
const SITE_LOCAL = new Set<CauseKind>(['proxy', 'resolver', 'reflector']);

/** How a site is told apart from another: its organisation and name (a re-run with an edited file is the same site). */
export function siteKey(report: Pick<Report, 'site'>): string {
  return `${report.site.organisation ?? ''}\u0000${report.site.name}`;
}

/**
 * The key that finds the same cause on different sites. A vendor host unreachable, its DNS name not
 * resolving, its TLS server: the cause id, which names that host. A site's own proxy, resolver or
 * reflector: the kind and how it failed, without the address (each site has its own). Any other
 * finding: the check and the finding id, whatever the target is called on each site.
 */
export function causeKey(c: Pick<ReportCause, 'id' | 'kind' | 'lead'>): string {
  if (SITE_LOCAL.has(c.kind)) return `${c.kind}:*:${c.id.slice(c.id.lastIndexOf(':') + 1)}`;
  if (c.kind === 'finding') return `finding:${c.lead.check}:${c.lead.finding}`;
  return c.id;
}

/** Compares two sites: worst first (verdict, then score with no score first, then incomplete first, then name). */
export function worstFirst(a: FleetSite, b: FleetSite): number {
  return (
    VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] ||
    (a.score ?? -1) - (b.score ?? -1) ||
    Number(a.complete) - Number(b.complete) ||
    a.site.localeCompare(b.site) ||
    (a.organisation ?? '').localeCompare(b.organisation ?? '')
  );
}

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : Math.round(((s[mid - 1]! + s[mid]!) / 2) * 10) / 10;
}

/** A site's name as the fleet shows it: the name, with the organisation when two sites share a name. */
function labeller(reports: Report[]): (r: Report) => string {
  const names = new Map<string, Set<string>>();
  for (const r of reports) (names.get(r.site.name) ?? names.set(r.site.name, new Set()).get(r.site.name)!).add(r.site.organisation ?? '');
  return (r) => (names.get(r.site.name)!.size > 1 && r.site.organisation ? `${r.site.name} (${r.site.organisation})` : r.site.name);
}

/** The fix of a cause: the remediation of its lead finding in that site's report. */
function fixOf(report: Report, c: ReportCause): Message | undefined {
  for (const r of report.results) {
    if (r.check !== c.lead.check || r.target !== c.lead.target) continue;
    const f = r.findings.find((x) => x.id === c.lead.finding);
    if (f?.remediation) return f.remediation;
  }
  return undefined;
}

/** The title a fleet shows: per-site addresses are left out of the causes that are each site's own. */
function fleetTitle(c: ReportCause): Message {
  if (!SITE_LOCAL.has(c.kind)) return c.title;
  const p = c.title.params ?? {};
  if (c.kind === 'resolver') return { id: 'fleet.cause.resolver', params: { kind: p.kind ?? '' } };
  return { id: `fleet.cause.${c.kind}`, params: { classification: p.classification ?? '' } };
}

/** The latest run of each site (by finish time, then the later input), and the runs it replaced. */
function latestPerSite(reports: Report[]): { kept: number[]; superseded: Array<[number, number]> } {
  const best = new Map<string, number>();
  const replaced: Array<[number, number]> = [];
  reports.forEach((r, i) => {
    const key = siteKey(r);
    const prev = best.get(key);
    if (prev === undefined) {
      best.set(key, i);
      return;
    }
    const newer = Date.parse(r.finishedAt) >= Date.parse(reports[prev]!.finishedAt);
    if (newer) {
      replaced.push([prev, i]);
      best.set(key, i);
    } else replaced.push([i, prev]);
  });
  // A run replaced by one that was itself replaced later names the latest.
  const final = (i: number): number => best.get(siteKey(reports[i]!))!;
  return { kept: [...best.values()], superseded: replaced.map(([old]) => [old, final(old)]) };
}

function mergeCatalogs(reports: Report[]): Record<string, Record<string, Catalog>> | undefined {
  const out: Record<string, Record<string, Catalog>> = {};
  for (const r of reports) {
    for (const [check, langs] of Object.entries(r.catalogs ?? {})) {
      const mine = (out[check] ??= {});
      for (const [lang, catalog] of Object.entries(langs)) mine[lang] = { ...(mine[lang] ?? {}), ...catalog };
    }
  }
  return Object.keys(out).length ? out : undefined;
}

export function buildFleet(reports: Report[], opts: FleetOptions): FleetReport {
  const { kept, superseded } = latestPerSite(reports);
  const label = labeller(kept.map((i) => reports[i]!));
  const source = (i: number) => opts.sources?.[i];

  // Sites, worst first; every later list follows this order.
  const entries = kept.map((i) => {
    const r = reports[i]!;
    const causes = r.causes ?? [];
    const top = causes.find((c) => c.blocking) ?? causes[0];
    const site: FleetSite = {
      site: label(r),
      ...(r.site.organisation ? { organisation: r.site.organisation } : {}),
      verdict: r.verdict,
      score: r.score,
      grade: r.grade,
      complete: r.complete,
      blockers: r.blockers.length,
      risks: r.risks?.length ?? 0,
      ...(top ? { topCause: causeKey(top) } : {}),
      measuredAt: r.finishedAt,
      toolVersion: r.tool.version,
      reportSchema: r.schemaVersion,
      siteSha256: r.site.sha256,
      ...(source(i) !== undefined ? { source: source(i)! } : {}),
      platforms: (r.platforms ?? []).map((p) => ({ id: p.id, verdict: p.verdict, score: p.score, version: p.version })),
    };
    return { report: r, site };
  });
  entries.sort((a, b) => worstFirst(a.site, b.site));

  // Causes across sites.
  const causes = new Map<string, FleetCause & { rank: number }>();
  for (const { report, site } of entries) {
    for (const c of report.causes ?? []) {
      const key = causeKey(c);
      let fc = causes.get(key);
      if (!fc) {
        fc = {
          key,
          kind: c.kind,
          severity: c.severity,
          title: fleetTitle(c),
          check: c.lead.check,
          finding: c.lead.finding,
          example: site.site,
          blocks: [],
          sites: [],
          results: 0,
          rank: SEVERITY_RANK[c.severity],
        };
        causes.set(key, fc);
      }
      if (!fc.fix) {
        const fix = fixOf(report, c);
        if (fix) fc.fix = fix;
      }
      if (SEVERITY_RANK[c.severity] > fc.rank) {
        fc.rank = SEVERITY_RANK[c.severity];
        fc.severity = c.severity;
      }
      // One site may have the same fleet cause twice (two proxies failing alike): counted once.
      if (fc.sites[fc.sites.length - 1] !== site.site) fc.sites.push(site.site);
      if (c.blocking && fc.blocks[fc.blocks.length - 1] !== site.site) fc.blocks.push(site.site);
      fc.results += c.results;
    }
  }
  const rankedCauses = [...causes.values()]
    .sort((a, b) => b.blocks.length - a.blocks.length || b.sites.length - a.sites.length || b.rank - a.rank || a.key.localeCompare(b.key))
    .map(({ rank: _rank, ...c }) => c);

  // Platforms across sites.
  const platforms = new Map<
    string,
    FleetPlatform & { scores: number[]; versionCount: Map<string, number>; causeSites: Map<string, number> }
  >();
  for (const { report, site } of entries) {
    const keyed = (report.causes ?? []).map((c) => ({ key: causeKey(c), affected: c.affected }));
    for (const p of report.platforms ?? []) {
      let fp = platforms.get(p.id);
      if (!fp) {
        fp = {
          id: p.id,
          name: p.name,
          ...(p.vendor ? { vendor: p.vendor } : {}),
          sites: 0,
          ready: 0,
          readyWithRisks: 0,
          notReady: 0,
          medianScore: null,
          versions: [],
          topCauses: [],
          notReadySites: [],
          scores: [],
          versionCount: new Map(),
          causeSites: new Map(),
        };
        platforms.set(p.id, fp);
      }
      fp.sites++;
      if (p.verdict === 'READY') fp.ready++;
      else if (p.verdict === 'READY WITH RISKS') fp.readyWithRisks++;
      else {
        fp.notReady++;
        fp.notReadySites.push(site.site);
      }
      if (p.score !== null) fp.scores.push(p.score);
      fp.versionCount.set(p.version, (fp.versionCount.get(p.version) ?? 0) + 1);
      // The causes behind the platform's blockers on this site, each counted once per site.
      const seen = new Set<string>();
      for (const b of p.blockers) {
        const owner = keyed.find((k) => k.affected.some((a) => a.check === b.check && a.target === b.target && a.finding === b.finding));
        seen.add(owner?.key ?? `finding:${b.check}:${b.finding}`);
      }
      for (const k of seen) fp.causeSites.set(k, (fp.causeSites.get(k) ?? 0) + 1);
    }
  }
  const warnings: Message[] = [];
  const fleetPlatforms = [...platforms.values()]
    .map(({ scores, versionCount, causeSites, ...p }) => {
      const versions = [...versionCount]
        .map(([version, sites]) => ({ version, sites }))
        .sort((a, b) => b.sites - a.sites || b.version.localeCompare(a.version));
      if (versions.length > 1) {
        warnings.push({
          id: 'fleet.warn.catalogVersions',
          params: { platform: p.name, versions: versions.map((v) => `${v.version} (${v.sites})`).join(', ') },
        });
      }
      const topCauses = [...causeSites]
        .map(([key, sites]) => ({ key, sites }))
        .sort((a, b) => b.sites - a.sites || a.key.localeCompare(b.key))
        .slice(0, 5);
      return { ...p, medianScore: median(scores), versions, topCauses };
    })
    .sort((a, b) => b.sites - a.sites || a.name.localeCompare(b.name));

  const sites = entries.map((e) => e.site);
  // Reports from before 2.1 carry no causes: their sites count in the verdicts, not in the causes.
  const causeless = entries.filter((e) => e.report.causes === undefined);
  if (causeless.length) {
    const versions = [...new Set(causeless.map((e) => e.site.reportSchema))].sort().join(', ');
    warnings.push({ id: 'fleet.warn.oldReports', params: { count: causeless.length, versions } });
  }
  const toolVersions = new Set(sites.map((s) => s.toolVersion));
  if (toolVersions.size > 1) warnings.push({ id: 'fleet.warn.toolVersions', params: { versions: [...toolVersions].sort().join(', ') } });

  const grades: Record<Grade | 'none', number> = { A: 0, B: 0, C: 0, D: 0, E: 0, F: 0, none: 0 };
  for (const s of sites) grades[s.grade ?? 'none']++;
  const catalogs = mergeCatalogs(entries.map((e) => e.report));
  return {
    schemaVersion: FLEET_SCHEMA_VERSION,
    tool: { name: 'siteready', version: opts.toolVersion },
    generatedAt: (opts.now ?? new Date()).toISOString(),
    ...(opts.title ? { title: opts.title } : {}),
    summary: {
      sites: sites.length,
      ready: sites.filter((s) => s.verdict === 'READY').length,
      readyWithRisks: sites.filter((s) => s.verdict === 'READY WITH RISKS').length,
      notReady: sites.filter((s) => s.verdict === 'NOT READY').length,
      incomplete: sites.filter((s) => !s.complete).length,
      medianScore: median(sites.flatMap((s) => (s.score === null ? [] : [s.score]))),
      grades,
      superseded: superseded.length,
    },
    sites,
    causes: rankedCauses,
    platforms: fleetPlatforms,
    superseded: superseded.map(([old, by]) => {
      const r = reports[old]!;
      const b = reports[by]!;
      return {
        site: r.site.name,
        ...(r.site.organisation ? { organisation: r.site.organisation } : {}),
        measuredAt: r.finishedAt,
        ...(source(old) !== undefined ? { source: source(old)! } : {}),
        by: { measuredAt: b.finishedAt, ...(source(by) !== undefined ? { source: source(by)! } : {}) },
      };
    }),
    warnings,
    ...(catalogs ? { catalogs } : {}),
  };
}

/**
 * What the fleet needs of a report, the rest dropped: a site's report holds every measurement and
 * fact (150 KB and more), the fleet only its verdict, causes, platforms and the lead findings' fixes.
 * Readers of many files slim each one as it is read, so 2,000 reports fit in memory.
 */
export function slimReport(full: Report): Report {
  const { vantage: _vantage, ...report } = full;
  const leads = new Set((report.causes ?? []).map((c) => `${c.lead.check}\u0000${c.lead.target}`));
  return {
    ...report,
    checks: [],
    results: report.results
      .filter((r) => leads.has(`${r.check}\u0000${r.target}`))
      .map((r) => ({
        check: r.check,
        target: r.target,
        category: r.category,
        status: r.status,
        score: r.score,
        durationMs: r.durationMs,
        measurements: [],
        facts: {},
        findings: r.findings.map((f) => ({
          id: f.id,
          severity: f.severity,
          message: f.message,
          ...(f.remediation ? { remediation: f.remediation } : {}),
        })),
      })),
    siteDescription: null,
  };
}
