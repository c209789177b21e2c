// The versioned report model: everything a renderer or a gate needs, with no reference back to
// live objects, so a saved report.json can be re-rendered and re-gated without measuring again.

import type { Block, Catalog, Category, Classification, Measurement, Message, Severity, SourceLocation, Status } from '../plugin-api.js';
import { planningOf, type LoadedCheck } from '../runner/registry.js';
import type { TaskResult } from '../runner/run.js';
import { groupCauses, isBlocking, type CauseKind, type CauseMember } from '../scoring/causes.js';
import { scoreResults, type Blocker, type Grade, type Verdict } from '../scoring/score.js';
import { applyWaivers, type AppliedWaiver, type WaiverState } from '../scoring/waivers.js';
import type { Redactor } from '../site/secrets.js';
import type { Site } from '../site/types.js';
import { reflexiveAddresses, type Vantage } from './vantage.js';
import { coveredTargets } from './covers.js';
import { round } from '../util/number.js';

// 1.1.0: compliance rule results (check "compliance", details documented in the schema) and the
// `compliance` summary; error kind `not-evaluated`. 1.2.0: `interruption` (a run stopped by a
// signal), error kind `uncaught` (a fault the process guard charged to a task). 2.0.0: results carry
// `facts` (typed, versioned by `factsVersion`; was `details`) and `blocks`; findings, blockers and gate
// reasons carry message ids and parameters only, no text; `catalogs` for plugins and profiles.
export const REPORT_SCHEMA_VERSION = '2.2.0';

/** A finding as reports store it: message ids and parameters only, translated when rendered. */
export interface ReportFinding {
  id: string;
  severity: Severity;
  message: Message;
  remediation?: Message;
  evidence?: Record<string, unknown>;
  location?: SourceLocation;
}

export interface ReportResult {
  check: string;
  target: string;
  category: Category;
  status: Status;
  score: number | null;
  durationMs: number;
  measurements: Measurement[];
  /** What the check measured (or, for a compliance rule, what decided it): see the check's README. */
  facts: Record<string, unknown> & { classification?: Classification | string };
  /** The check's facts schema version; absent: these facts cannot be judged again. */
  factsVersion?: number;
  /** What the check shows of its facts, for renderers. */
  blocks?: Block[];
  /** Targets whose results reuse this one's measurement (one TLS audit per server): it speaks for them too (since 2.2). */
  covers?: string[];
  /** How the path to the target behaved (ok, refused, filtered, tls-failure …), when the check says. */
  classification?: string;
  /** The route the check took. */
  path?: 'direct' | 'proxy';
  /** Why the result is skipped: not-applicable, disabled, opt-in, or the check's own reason. */
  reason?: string;
  findings: ReportFinding[];
  error?: TaskResult['error'];
  waiver?: AppliedWaiver;
  location?: SourceLocation;
}

export interface ReportCheck {
  id: string;
  title: string;
  failureTitle: string;
  category: Category;
  severity: Severity;
  weight: number;
  source: 'builtin' | 'plugin';
  origin: string;
  version: string;
  score: number | null;
  references: Array<{ title: string; url?: string; clause?: string }>;
  /** What fixing a failure of this check usually takes (from its definition). */
  fixKind?: 'configuration' | 'policy' | 'infrastructure';
}

/** A blocker names the finding; its text is the finding's, rendered in the reader's language. */
export interface ReportBlocker {
  check: string;
  target: string;
  category: Category;
  severity: Severity;
  finding: string;
  location?: SourceLocation;
}

/** Findings with one root cause, folded into one thing to fix (scoring/causes.ts). */
export interface ReportCause {
  id: string;
  kind: CauseKind;
  severity: Severity;
  /** Critical or high: the cause blocks the rollout; else it is a risk. */
  blocking: boolean;
  /** What went wrong (a core `cause.*` message, or the lead finding's own message for the check's catalog). */
  title: Message;
  /** The lead finding: its check's remediation is the cause's fix. */
  lead: { check: string; target: string; finding: string };
  /** Results this cause explains (fixing it unblocks them). */
  results: number;
  affected: Array<{ check: string; target: string; finding: string; severity: Severity }>;
  location?: SourceLocation;
}

/** One platform catalog the site used, judged on its own: the pre-purchase comparison. */
export interface ReportPlatform {
  id: string;
  name: string;
  vendor: string;
  kind: 'saas' | 'self-hosted';
  version: string;
  instance?: string;
  sources: Array<{ id: string; url: string; read: string }>;
  unconfirmed: Array<{ entry: string; why: string }>;
  /** Site endpoints expanded from the catalog. */
  endpoints: number;
  /** Catalog entries no check can test from the site. */
  untested: string[];
  score: number | null;
  grade: Grade | null;
  verdict: Verdict;
  complete: boolean;
  blockerCount: number;
  /** Blockers on the platform's own endpoints; the rest are site-wide (shared by every platform). */
  ownBlockerCount: number;
  /** The first few: the platform's own first, then site-wide ones. */
  blockers: Array<Omit<ReportBlocker, 'location'> & { message: Message; own: boolean }>;
}

export interface ReportGate {
  passed: boolean;
  /** Core message ids (gate.*) with their parameters. */
  reasons: Message[];
  options: { failUnder?: number; minGrade?: string; failOn?: Severity; allowIncomplete?: boolean };
}

export interface ReportComplianceProfile {
  id: string;
  title: string;
  version: string;
  file: string;
  rules: number;
  passed: number;
  failed: number;
  notEvaluated: number;
  notApplicable: number;
  waived: number;
}

export interface ReportInterruption {
  kind: 'signal';
  signal?: 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  message: string;
}

export interface Report {
  schemaVersion: string;
  tool: { name: 'siteready'; version: string; node: string };
  site: { name: string; organisation?: string; file: string; sha256: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  score: number | null;
  grade: Grade | null;
  uncappedGrade?: Grade;
  gradeCap?: { grade: Grade; reason: 'critical' | 'high' };
  gradeNote?: 'unreachable' | 'nothing-measured';
  verdict: Verdict;
  complete: boolean;
  /** Why the run stopped before every task finished (complete is then false). */
  interruption?: ReportInterruption;
  categories: Array<{
    id: Category;
    score: number | null;
    status: 'scored' | 'incomplete' | 'not-applicable';
    weight: number;
    checks: string[];
  }>;
  checks: ReportCheck[];
  results: ReportResult[];
  /** Unwaived critical and high findings: what blocks the rollout. */
  blockers: ReportBlocker[];
  /** Unwaived medium and low findings: risks and recommendations (absent in reports before 2.1). */
  risks?: ReportBlocker[];
  /** Blockers and risks grouped by root cause, the ones to do first first (absent before 2.1). */
  causes?: ReportCause[];
  /**
   * How much of the result rests on the site file's word: compliance rules that passed on declared
   * facts alone, and the points of the overall score they carry (absent before 2.1).
   */
  declared?: { rules: number; passed: number; points: number };
  /** Where the test ran from (absent before 2.1, and when re-judged without it). */
  vantage?: Vantage;
  waivers: Array<Omit<WaiverState, 'matches'> & { matches: string[] }>;
  gate?: ReportGate;
  /** Per compliance profile evaluated: what it is and how its rules came out. */
  compliance?: ReportComplianceProfile[];
  /** The platform catalogs used, each judged on its own (platform.preset, platforms:, --platform). */
  platforms?: ReportPlatform[];
  /** Set when the facts were judged again (`siteready report --rejudge`): with what, and what could not be. */
  rejudged?: {
    at: string;
    site: { file: string; sha256: string };
    /** The siteready version that measured. */
    measuredWith: string;
    notRejudged: Array<{ check: string; target: string; reason: string }>;
  };
  /** Message catalogs of the plugins and compliance profiles used (built-in checks' ship with siteready). */
  catalogs?: Record<string, Record<string, Catalog>>;
  /** The site file as parsed, secrets left as their ${VAR} references. */
  siteDescription: unknown;
}

export interface BuildReportInput {
  site: Site;
  checks: LoadedCheck[];
  results: TaskResult[];
  startedAt: Date;
  finishedAt: Date;
  toolVersion: string;
  redactor: Redactor;
  now?: Date;
  /** Set when the run was stopped early: the report says so and is never complete. */
  interruption?: ReportInterruption;
  /** Compliance profiles evaluated (their rule results are among `results`). */
  profiles?: Array<{ id: string; title: { en: string }; version: string; file: string; rules: unknown[] }>;
  /** The platforms judged one by one (platform-verdicts.ts). */
  platforms?: ReportPlatform[];
  /** The local side of the vantage point, gathered before measuring; the reflexive addresses come from the results. */
  vantage?: Omit<Vantage, 'reflexive' | 'window'>;
}

function complianceSummary(profiles: NonNullable<BuildReportInput['profiles']>, results: ReportResult[]): ReportComplianceProfile[] {
  return profiles.map((p) => {
    const mine = results.filter((r) => r.check === 'compliance' && r.target === p.id);
    const count = (outcome: string) => mine.filter((r) => r.facts.outcome === outcome && !r.waiver).length;
    return {
      id: p.id,
      title: p.title.en,
      version: p.version,
      file: p.file,
      rules: p.rules.length,
      passed: count('pass'),
      failed: count('fail'),
      notEvaluated: count('not-evaluated'),
      notApplicable: count('not-applicable'),
      waived: mine.filter((r) => r.waiver).length,
    };
  });
}

export function buildReport(input: BuildReportInput): Report {
  const { site, checks, results } = input;
  const now = input.now ?? input.finishedAt;
  const metas = new Map(
    checks.flatMap((c) => {
      const p = planningOf(c);
      return p ? [[c.id, p.meta] as const] : [];
    }),
  );
  // Built-in checks' text ships with siteready; a plugin's or a profile's may not be at hand when the
  // report is rendered again elsewhere, so the report carries those catalogs itself.
  const carried = Object.fromEntries(
    checks
      .filter((c) => c.def && (c.source === 'plugin' || c.id === 'compliance'))
      .map((c) => [c.id, c.def!.messages as Record<string, Catalog>]),
  );
  const { waived, states } = applyWaivers(results, site.compliance.waivers, now);
  const scored = scoreResults(results, metas, new Set(waived.keys()));

  const covers = coveredTargets(results);
  const reportResults: ReportResult[] = results.map((r, i) => ({
    check: r.check,
    target: r.target,
    category: metas.get(r.check)?.category ?? 'integration',
    status: r.status,
    score: r.score === null ? null : round(r.score, 3),
    durationMs: r.durationMs,
    measurements: r.measurements,
    facts: r.facts,
    ...(r.factsVersion !== undefined ? { factsVersion: r.factsVersion } : {}),
    ...(r.blocks ? { blocks: r.blocks } : {}),
    ...(covers.has(i) ? { covers: covers.get(i)! } : {}),
    ...(r.classification ? { classification: r.classification } : {}),
    ...(r.path ? { path: r.path } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    findings: r.findings.map((f) => ({
      id: f.id,
      severity: f.severity,
      message: f.message,
      ...(f.remediation ? { remediation: f.remediation } : {}),
      ...(f.evidence ? { evidence: f.evidence } : {}),
      ...(f.location ? { location: f.location } : {}),
    })),
    ...(r.error ? { error: r.error } : {}),
    ...(waived.has(r.key) ? { waiver: waived.get(r.key)! } : {}),
    ...(r.location ? { location: r.location } : {}),
  }));

  const byKey = new Map(results.map((r, i) => [r.key, reportResults[i]!]));
  const toReport = (b: Blocker): ReportBlocker => reportBlocker(b, byKey.get(b.resultKey)!.findings[b.findingIndex]!);
  const blockers = scored.blockers.map(toReport);
  const risks = scored.risks.map(toReport);
  const causes: ReportCause[] = groupCauses(results, new Set(waived.keys())).map((c) => {
    const findingOf = (m: CauseMember) => byKey.get(m.resultKey)!.findings[m.findingIndex]!;
    const lead = findingOf(c.lead);
    return {
      id: c.id,
      kind: c.kind,
      severity: c.severity,
      blocking: isBlocking(c.severity),
      title: c.title,
      lead: { check: c.lead.check, target: c.lead.target, finding: lead.id },
      results: new Set(c.members.map((m) => m.resultKey)).size,
      affected: c.members.map((m) => ({ check: m.check, target: m.target, finding: findingOf(m).id, severity: m.severity })),
      ...(lead.location ? { location: lead.location } : {}),
    };
  });

  const checkScores = new Map(scored.checks.map((c) => [c.id, c.score]));
  const compliance = complianceSummary(input.profiles ?? [], reportResults);
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'siteready', version: input.toolVersion, node: process.versions.node },
    site: {
      name: site.site.name,
      ...(site.site.organisation ? { organisation: site.site.organisation } : {}),
      file: site.file,
      sha256: site.sha256,
    },
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    score: scored.score,
    grade: scored.grade,
    ...(scored.uncappedGrade ? { uncappedGrade: scored.uncappedGrade } : {}),
    ...(scored.cap ? { gradeCap: scored.cap } : {}),
    ...(scored.gradeNote ? { gradeNote: scored.gradeNote } : {}),
    verdict: scored.verdict,
    complete: scored.complete && !input.interruption,
    ...(input.interruption ? { interruption: input.interruption } : {}),
    categories: scored.categories.map((c) => ({ ...c, score: c.score === null ? null : Math.round(c.score * 100) })),
    checks: checks.map((c) => ({
      id: c.id,
      title: planningOf(c)?.meta.title ?? c.id,
      failureTitle: planningOf(c)?.meta.failureTitle ?? c.id,
      category: planningOf(c)?.meta.category ?? 'integration',
      severity: planningOf(c)?.meta.severity ?? 'medium',
      weight: planningOf(c)?.meta.weight ?? 0,
      source: c.source,
      origin: c.origin,
      version: c.source === 'builtin' ? input.toolVersion : (planningOf(c)?.meta.version ?? 'unversioned'),
      score: (() => {
        const s = checkScores.get(c.id);
        return s === undefined || s === null ? null : round(s, 3);
      })(),
      references: planningOf(c)?.meta.references ?? [],
      ...(planningOf(c)?.meta.fixKind ? { fixKind: planningOf(c)!.meta.fixKind } : {}),
    })),
    results: reportResults,
    blockers,
    risks,
    causes,
    declared: declaredShare(reportResults, scored),
    ...(input.vantage
      ? {
          vantage: {
            ...input.vantage,
            reflexive: reflexiveAddresses(results),
            window: { start: input.startedAt.toISOString(), end: input.finishedAt.toISOString() },
          },
        }
      : {}),
    waivers: states,
    ...(compliance.length ? { compliance } : {}),
    ...(input.platforms?.length ? { platforms: input.platforms } : {}),
    ...(Object.keys(carried).length ? { catalogs: carried } : {}),
    siteDescription: site.redacted,
  };
  // Belt and braces: a secret that slipped into a message, an error or evidence is still masked.
  return input.redactor.redactDeep(report);
}

/**
 * Points of the overall score that rest on declared compliance facts: the compliance category's
 * share of the score, the compliance check's share of its category, and the declared passes'
 * share of the rules scored. An estimate of how much editing answers alone could move the score.
 */
function declaredShare(
  results: ReportResult[],
  scored: ReturnType<typeof scoreResults>,
): { rules: number; passed: number; points: number } {
  const rules = results.filter((r) => r.check === 'compliance' && r.facts.basis === 'declared');
  const passed = rules.filter((r) => r.status === 'pass' && !r.waiver).length;
  const scoredRules = results.filter((r) => r.check === 'compliance' && r.score !== null && !r.waiver).length;
  const categories = scored.categories.filter((c) => c.score !== null);
  const total = categories.reduce((a, c) => a + c.weight, 0);
  const cat = categories.find((c) => c.id === 'compliance');
  const checks = scored.checks.filter((c) => c.category === 'compliance' && c.score !== null && c.weight > 0);
  const checkWeight = checks.reduce((a, c) => a + c.weight, 0);
  const own = checks.find((c) => c.id === 'compliance');
  if (!cat || !own || !total || !checkWeight || !scoredRules) return { rules: rules.length, passed, points: 0 };
  const points = 100 * (cat.weight / total) * (own.weight / checkWeight) * (passed / scoredRules);
  return { rules: rules.length, passed, points: Math.round(points * 10) / 10 };
}

/** A scored blocker or risk as the report lists it: where, how severe, and which finding. */
export function reportBlocker(b: Blocker, f: { id: string; location?: SourceLocation }): ReportBlocker {
  return {
    check: b.check,
    target: b.target,
    category: b.category,
    severity: b.severity,
    finding: f.id,
    ...(f.location ? { location: f.location } : {}),
  };
}
