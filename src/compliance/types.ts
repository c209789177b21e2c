import type { Message } from '../i18n/types.js';
// The compliance profile contract: what a profile file says (after loading and validation) and
// what evaluating one rule gives. Profiles are data: a fixed set of operators over one facts
// document, nothing in them is ever executed.

import type { Severity, SourceLocation } from '../plugin-api.js';

export type Lang = 'en' | 'zh-CN';

/** Text in both catalog languages; English is required, Chinese expected for shipped profiles. */
export interface LocalText {
  en: string;
  'zh-CN'?: string;
}

export interface ProfileSource {
  /** Short id rules refer to, e.g. "gb-t-22239-2019". */
  id: string;
  title: string;
  url?: string;
  edition?: string;
}

export interface RuleReference {
  /** A source id of the profile, or a standard named directly. */
  standard: string;
  /** The clause in English: what every report and machine reader gets. */
  clause: string;
  /** The clause in Chinese, for reports in Chinese (the profile's `clause: { en, zh-CN }`). */
  clauseZh?: string;
  url?: string;
  /** false when the clause could not be checked against a public copy of the text. */
  verified: boolean;
  note?: string;
}

export type SiteSize = 'small' | 'medium' | 'large' | 'enterprise';

/** The operators a leaf may use (each takes an operand; `exists` takes true/false). */
export const LEAF_OPERATORS = [
  'eq',
  'ne',
  'in',
  'notIn',
  'gt',
  'gte',
  'lt',
  'lte',
  'matches',
  'exists',
  'inCidr',
  'notInCidr',
  'containsAny',
  'containsNone',
] as const;
export type LeafOperator = (typeof LEAF_OPERATORS)[number];

export type MissingPolicy = 'fail' | 'pass' | 'not-evaluated';

/** A reference to another fact, usable as an operand. */
export interface FactRef {
  fact: string;
}

export type Operand = unknown;

export interface LeafCondition {
  fact: string;
  ops: Partial<Record<LeafOperator, Operand>>;
  ifMissing?: MissingPolicy;
  /** JSON pointer of this condition in the profile file, for error messages. */
  at: string;
}

export interface Quantifier {
  each: string;
  as: string;
  where?: Condition;
  satisfy?: Condition;
  /** Outcome when no element matches `where`: guards a rule against passing over nothing. */
  ifEmpty?: MissingPolicy;
  at: string;
}

export type Condition =
  | { kind: 'and'; of: Condition[]; at: string }
  | { kind: 'or'; of: Condition[]; at: string }
  | { kind: 'not'; of: Condition; at: string }
  | { kind: 'all' | 'any' | 'none'; q: Quantifier; at: string }
  | { kind: 'leaf'; leaf: LeafCondition; at: string };

export interface Rule {
  id: string;
  title: LocalText;
  description?: LocalText;
  severity: Severity;
  severityBySize?: Partial<Record<SiteSize, Severity>>;
  references: RuleReference[];
  applies?: Condition;
  assert: Condition;
  remediation: LocalText;
  location: SourceLocation;
}

export interface Profile {
  id: string;
  title: LocalText;
  version: string;
  description?: LocalText;
  sources: ProfileSource[];
  rules: Rule[];
  /** Where it came from: "shipped", or the path it was loaded from. */
  origin: 'shipped' | 'file';
  file: string;
  location: SourceLocation;
}

/** Where a fact came from: the site file (with its line) or a check's result. */
export type FactSource =
  | { kind: 'site'; path: string; pointer: string; location: SourceLocation }
  | { kind: 'result'; check: string; target: string; field: string; measurement?: string; status: string };

export interface FactUse {
  /** The fact path as the rule addressed it, with concrete indices: endpoints[2].results.tls.facts.accepted[0].version */
  path: string;
  value?: unknown;
  missing?: boolean;
  source?: FactSource;
}

/** A FactUse as the report carries it (facts.decidedBy[]): what renderers read. */
export interface ReportedFactUse {
  fact: string;
  value?: unknown;
  missing?: boolean;
  source?: 'site' | 'check';
  yamlPath?: string;
  location?: SourceLocation;
  check?: string;
  target?: string;
  field?: string;
  measurement?: string;
  status?: string;
}

export type Outcome = 'pass' | 'fail' | 'not-evaluated' | 'not-applicable';

export interface RuleOutcome {
  profile: Profile;
  rule: Rule;
  outcome: Outcome;
  severity: Severity;
  /** Why, as a message built from the facts: "security.auditLog.retentionDays = 90; needs ≥ 180". */
  why: Message;
  decidedBy: FactUse[];
}
