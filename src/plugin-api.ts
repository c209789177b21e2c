// The contract between siteready and a check, built-in or third-party.
// A plugin imports only from 'siteready/plugin'; nothing here may pull in heavy modules.

import type { Catalog, Message } from './i18n/types.js';
import type { Site, Endpoint, SourceLocation } from './site/types.js';

export type { Catalog, Message } from './i18n/types.js';

export type { Site, Endpoint, SourceLocation } from './site/types.js';
export type { PlatformCatalog, CatalogRange, VendorCategory } from './platforms/types.js';

export type Category = 'network' | 'security' | 'compliance' | 'integration' | 'capacity';
export const CATEGORIES: readonly Category[] = ['network', 'security', 'compliance', 'integration', 'capacity'];

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** pass/warn/fail come from measuring; info is informative only; skipped means not applicable; error means we could not measure. */
export type Status = 'pass' | 'warn' | 'fail' | 'info' | 'skipped' | 'error';

/** How a path to an endpoint behaved. Later checks extend the list; the report schema keeps it open. */
export type Classification =
  | 'ok'
  | 'dns-failure'
  | 'refused'
  | 'filtered'
  | 'unreachable'
  | 'tls-failure'
  | 'http-error'
  | 'timeout'
  | 'proxy-auth-required'
  | 'proxy-denied'
  | 'intercepted'
  | 'auth-refused'
  /** A STUN/TURN server answered with an error response (named by its code), or not with STUN. */
  | 'server-error';

export interface Reference {
  title: string;
  url?: string;
  /** Clause or section, e.g. "§6.4.1". */
  clause?: string;
}

export interface CheckMeta {
  /** kebab-case, stable. Plugins namespace theirs: "acme/sip-options". */
  id: string;
  title: string;
  failureTitle: string;
  /** Markdown: what is measured, thresholds and their sources. */
  description: string;
  category: Category;
  /** Severity of a failure of this check. */
  severity: Severity;
  /** Weight within its category. 0 makes the check informative. */
  weight: number;
  references: Reference[];
  /** Default per-task deadline in milliseconds. */
  timeoutMs?: number;
  /**
   * Tasks of checks in the same exclusive group run one at a time, after every other task: a
   * throughput test must not share the link (or the CPU) with anything else it would measure.
   */
  exclusive?: string;
  /**
   * The task sends (almost) nothing while it runs — it holds idle connections, say — so exclusive
   * measurements need not wait for it to finish.
   */
  quiet?: boolean;
  /**
   * Runs only when the site file configures it (`checks.<id>:`) or it is asked for by name: for
   * checks that take minutes by nature (idle timeouts), so a plain assessment stays quick.
   */
  optIn?: boolean;
  /** Version of a plugin check (built-in checks carry the tool's version). */
  version?: string;
  /**
   * What fixing a failure usually takes, for the effort a report estimates: a setting changed
   * (configuration, the default), a decision made and written down (policy), or new links,
   * capacity or a different network path (infrastructure).
   */
  fixKind?: 'configuration' | 'policy' | 'infrastructure';
}

export interface Threshold {
  /** Comparison that passes: value <= max, value >= min. */
  max?: number;
  min?: number;
  source?: string;
}

export interface Measurement {
  id: string;
  value: number | string | boolean | null;
  unit?: string;
  threshold?: Threshold;
}

export interface Finding {
  id: string;
  severity: Severity;
  message: Message;
  remediation?: Message;
  evidence?: Record<string, unknown>;
  /** Defaults to the target's location in the site file. */
  location?: SourceLocation;
}

export interface Target {
  /** Stable id within the check, shown in the report (usually the endpoint name). */
  id: string;
  endpoint?: Endpoint;
  location?: SourceLocation;
  /** Severity override for findings on this target (from the endpoint's `severity`). */
  severity?: Severity;
  data?: Record<string, unknown>;
}

export interface CheckOutcome {
  status: Status;
  /** 0..1, or null when the check is informative or did not score. */
  score: number | null;
  measurements?: Measurement[];
  findings?: Finding[];
  /** Check-specific facts, documented in the check's README. */
  details?: Record<string, unknown>;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Shared work computed once per run and reused by every task that asks for it with the same input
 * (a DNS lookup, a reflector session, a TLS audit of one server): Lighthouse's computed artifacts.
 * The definition is typed, so what a task gets back is known without a cast.
 */
export interface ArtifactDefinition<Input, Value> {
  /** Unique across checks and plugins ("dns", "acme/sip-registrar"). */
  id: string;
  /** Inputs with the same key share one computation. */
  key(input: Input): string;
  compute(ctx: ArtifactContext, input: Input): Promise<Value>;
  /** Releases what the value holds (a session, a worker) when the run ends. */
  dispose?(value: Value): Promise<void> | void;
}

export interface ArtifactContext {
  site: Site;
  /** Aborted when the task that first asked for the artifact ends, or the run is cancelled. */
  signal: AbortSignal;
  log: Logger;
  /** Another shared artifact this one is built from (a route decision needs the PAC file's evaluator). */
  use<Input, Value>(artifact: ArtifactDefinition<Input, Value>, input: Input): Promise<Value>;
}

export function defineArtifact<Input, Value>(def: ArtifactDefinition<Input, Value>): ArtifactDefinition<Input, Value> {
  return def;
}

/** What `measure` may use: the network, under the task's signal and deadline. No thresholds: judging is not its job. */
export interface MeasureContext<Options = Record<string, unknown>> {
  site: Site;
  /** This check's options: its `checks.<id>` section merged over its defaults. */
  options: Options;
  /** Aborted at the task deadline or when the whole run is cancelled. */
  signal: AbortSignal;
  /** Milliseconds left before this task's deadline. */
  remainingMs(): number;
  /** A shared artifact, computed once per run for this input. */
  use<Input, Value>(artifact: ArtifactDefinition<Input, Value>, input: Input): Promise<Value>;
  /** Shared work under a string key (prefer `use` with a typed artifact). */
  artifact<T>(key: string, compute: (signal: AbortSignal) => Promise<T>, dispose?: (value: T) => Promise<void> | void): Promise<T>;
  log: Logger;
}

/** Everything a legacy `run` could use: measuring and judging in one place. */
export interface CheckContext<Options = Record<string, unknown>> extends MeasureContext<Options> {
  /** A threshold, overridden by the site's `thresholds: {"<check>.<name>": value}` when given. */
  threshold(name: string, fallback: number): number;
}

/** What `judge` decides with: no network, no clock — the same facts always get the same verdict. */
export interface JudgeContext<Options = Record<string, unknown>> {
  options: Options;
  /** A threshold, overridden by the site's `thresholds: {"<check>.<name>": value}` when given. */
  threshold(name: string, fallback: number): number;
  target: Target;
  site: Site;
}

/**
 * A verdict on facts. The core derives the status from it (pass ≥ 0.9, warn ≥ 0.5, fail below;
 * null score = informative; notApplicable = skipped; error = could not measure), as Lighthouse's
 * generateAuditResult does: a check never states a status that its score contradicts.
 */
export interface Judgement {
  /** 0..1, or null when the check informs without scoring. */
  score: number | null;
  /** The facts show the check does not apply here (why, as a short machine word: "udp-blocked"). */
  notApplicable?: string;
  /** The facts show nothing could be measured (a reflector that broke its protocol, say). */
  error?: string;
  /**
   * How the path behaved, when the verdict says more than the facts' own `classification` (an
   * expected issuer that was missed: `intercepted`). Default: `facts.classification`.
   */
  classification?: Classification;
  measurements?: Measurement[];
  findings?: Finding[];
}

/** A table cell, a key-value value: plain data, a message to translate, or a number with its unit. */
export type Cell = string | number | boolean | null | Message | { value: number; unit: string };

export interface TableBlock {
  kind: 'table';
  title?: Message;
  columns: Array<{ key: string; label: Message; numeric?: boolean }>;
  rows: Array<Record<string, Cell>>;
  note?: Message;
}

export interface KeyValueBlock {
  kind: 'key-value';
  title?: Message;
  items: Array<{ label: Message; value: Cell }>;
}

/** Values over time or over samples (RTT per probe, throughput per interval), with the limits they are judged against. */
export interface SeriesBlock {
  kind: 'series';
  title?: Message;
  unit: string;
  series: Array<{ label: Cell; values: number[] }>;
  limits?: Array<{ value: number; label: Message }>;
}

/** Quantities side by side (measured against declared, demand against capacity). */
export interface BarsBlock {
  kind: 'bars';
  title?: Message;
  unit: string;
  bars: Array<{ label: Cell; value: number; role?: 'measured' | 'capacity' | 'allowance' | 'demand' | 'limit' }>;
}

/** What a check shows of its facts; renderers draw blocks and know no check by id. */
export type Block = TableBlock | KeyValueBlock | SeriesBlock | BarsBlock;

export interface PresentContext<Options = Record<string, unknown>> {
  options: Options;
  target: Target;
  /** The site judged with (its platform catalog, say), as the judge saw it. */
  site: Site;
  judgement: Judgement;
}

export interface CheckInputs<Options> {
  /** JSON Schema for `checks.<id>` in the site file. */
  schema: Record<string, unknown>;
  defaults: Options;
}

/** The facts a check's measure returns: their JSON Schema, and a version raised whenever their meaning changes. */
export interface FactsSpec {
  version: number;
  schema: Record<string, unknown>;
}

interface CheckBase<Options> {
  meta: CheckMeta;
  inputs?: CheckInputs<Options>;
  /** Message catalogs keyed by language ("en" is required, "zh-CN" expected for built-ins). */
  messages: { en: Catalog } & Record<string, Catalog>;
  /** Which targets the check applies to. None means not applicable (never a pass). */
  targets(site: Site, options: Options): Target[];
  /** Per-task deadline from the options, for checks whose work lasts as long as they are told to. */
  deadlineMs?(options: Options): number;
  /** More for `siteready checks <id>` than meta says: the rules a check applies, say, with their sources. */
  explain?(lang: string): string[];
}

/**
 * A check in three parts: measure (the network, once) → facts → judge (pure) → present (blocks).
 * The report stores the facts, so a saved report can be judged again with other thresholds.
 */
export interface MeasuredCheck<Options = Record<string, unknown>, Facts = unknown> extends CheckBase<Options> {
  facts: FactsSpec;
  measure(ctx: MeasureContext<Options>, target: Target): Promise<Facts>;
  judge(facts: Facts, ctx: JudgeContext<Options>): Judgement;
  present?(facts: Facts, ctx: PresentContext<Options>): Block[];
  run?: never;
}

/** A check that measures and judges in one `run` (its details cannot be judged again). */
export interface RunCheck<Options = Record<string, unknown>> extends CheckBase<Options> {
  run(ctx: CheckContext<Options>, target: Target): Promise<CheckOutcome>;
  measure?: never;
}

export type CheckDefinition<Options = Record<string, unknown>, Facts = unknown> = MeasuredCheck<Options, Facts> | RunCheck<Options>;

/**
 * What planning needs of a check (who it is, its options, its targets, its deadline) without the
 * code that measures and judges. A built-in check keeps these in a module of their own, so that
 * planning a site loads only the measuring code of the checks that have work on it.
 */
export type CheckPlanning<Options = Record<string, unknown>> = Pick<CheckBase<Options>, 'meta' | 'inputs' | 'targets' | 'deadlineMs'>;

export function defineCheckPlanning<Options = Record<string, unknown>>(planning: CheckPlanning<Options>): CheckPlanning<Options> {
  return planning;
}

export function isMeasuredCheck<O, F>(def: CheckDefinition<O, F>): def is MeasuredCheck<O, F> {
  return typeof (def as MeasuredCheck<O, F>).measure === 'function';
}

/**
 * Option schemas most checks share, for `inputs.schema.properties`, so that the same option means
 * the same thing, with the same bounds, in every check (plugins included).
 */
export const commonOptions = {
  /** `checks.<id>.timeoutMs`: the task's deadline; the runner reads it. */
  timeoutMs: { type: 'integer', minimum: 100, description: "Deadline of each task, ms (over the check's default)." },
  connectTimeoutMs: { type: 'integer', minimum: 50, maximum: 60000, description: 'TCP connect deadline, ms.' },
} as const;

/** Typed identity helper, like Vitest's defineConfig: gives plugin authors inference and checking. */
export function defineCheck<Options = Record<string, unknown>, Facts = unknown>(
  def: MeasuredCheck<Options, Facts>,
): MeasuredCheck<Options, Facts>;
export function defineCheck<Options = Record<string, unknown>>(def: RunCheck<Options>): RunCheck<Options>;
// The implementation takes what the overloads above have typed already.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function defineCheck(def: CheckDefinition<any, any>): CheckDefinition<any, any> {
  return def;
}

/** Status that a score implies when a check does not say otherwise: pass ≥ 0.9 (DESIGN §4). */
export function statusFromScore(score: number): Status {
  if (score >= 0.9) return 'pass';
  if (score >= 0.5) return 'warn';
  return 'fail';
}

/** The status a judgement implies; the core derives it, checks never state it. */
export function statusOf(judgement: Judgement): Status {
  if (judgement.error !== undefined) return 'error';
  if (judgement.notApplicable !== undefined) return 'skipped';
  if (judgement.score === null) return 'info';
  return statusFromScore(judgement.score);
}

/** Endpoint protocols carried over TCP: what a TCP connect or a port sweep reaches (stun, turn and udp are not). */
export const TCP_PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'tls', 'http', 'https', 'ws', 'wss', 'turns', 'ldap', 'ldaps', 'smb']);

/** Endpoint protocols that speak TLS from the first byte: what a TLS audit reaches (StartTLS services are the directory check's). */
export const TLS_PROTOCOLS: ReadonlySet<string> = new Set(['https', 'wss', 'tls', 'turns', 'ldaps']);

/** A target per endpoint of the site that `keep` accepts, named and located as the endpoint is. */
export function endpointTargets(site: Site, keep: (endpoint: Endpoint) => boolean): Target[] {
  return site.platform.endpoints.filter(keep).map((ep) => ({ id: ep.name, endpoint: ep, location: ep.location }));
}
