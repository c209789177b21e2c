// The contract between siteready and a check, built-in or third-party.
// A plugin imports only from 'siteready/plugin'; nothing here may pull in heavy modules.

import type { Site, Endpoint, SourceLocation } from './site/types.js';

export type { Site, Endpoint, SourceLocation } from './site/types.js';

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

/** A message that can be translated: an id into the check's catalog plus parameters. */
export interface Message {
  id: string;
  params?: Record<string, string | number>;
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

export interface CheckContext<Options = Record<string, unknown>> {
  site: Site;
  /** This check's options: its `checks.<id>` section merged over its defaults. */
  options: Options;
  /** Aborted at the task deadline or when the whole run is cancelled. */
  signal: AbortSignal;
  /** Milliseconds left before this task's deadline. */
  remainingMs(): number;
  /** Shared work computed once per run and reused by every check that asks for the same key. */
  artifact<T>(key: string, compute: (signal: AbortSignal) => Promise<T>, dispose?: (value: T) => Promise<void> | void): Promise<T>;
  /** A threshold, overridden by the site's `thresholds: {"<check>.<name>": value}` when given. */
  threshold(name: string, fallback: number): number;
  log: Logger;
}

export interface CheckInputs<Options> {
  /** JSON Schema for `checks.<id>` in the site file. */
  schema: Record<string, unknown>;
  defaults: Options;
}

export type Catalog = Record<string, string>;

export interface CheckDefinition<Options = Record<string, unknown>> {
  meta: CheckMeta;
  inputs?: CheckInputs<Options>;
  /** Message catalogs keyed by language ("en" is required, "zh-CN" expected for built-ins). */
  messages: { en: Catalog } & Record<string, Catalog>;
  /** Which targets the check applies to. None means not applicable (never a pass). */
  targets(site: Site, options: Options): Target[];
  /** Per-task deadline from the options, for checks whose work lasts as long as they are told to. */
  deadlineMs?(options: Options): number;
  run(ctx: CheckContext<Options>, target: Target): Promise<CheckOutcome>;
  /** More for `siteready checks <id>` than meta says: the rules a check applies, say, with their sources. */
  explain?(lang: string): string[];
}

/**
 * Option schemas most checks share, for `inputs.schema.properties`, so that the same option means
 * the same thing, with the same bounds, in every check (plugins included).
 */
export const commonOptions = {
  /** `checks.<id>.timeoutMs`: the task's deadline; the runner reads it. */
  timeoutMs: { type: 'integer', minimum: 100, description: 'Deadline of each task, ms (over the check\'s default).' },
  connectTimeoutMs: { type: 'integer', minimum: 50, maximum: 60000, description: 'TCP connect deadline, ms.' },
} as const;

/** Typed identity helper, like Vitest's defineConfig: gives plugin authors inference and checking. */
export function defineCheck<Options = Record<string, unknown>>(def: CheckDefinition<Options>): CheckDefinition<Options> {
  return def;
}

/** Status that a score implies when a check does not say otherwise: pass ≥ 0.9 (DESIGN §4). */
export function statusFromScore(score: number): Status {
  if (score >= 0.9) return 'pass';
  if (score >= 0.5) return 'warn';
  return 'fail';
}
