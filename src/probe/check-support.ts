// What every probe-based check's facts say about the reflector itself, and the verdict when it
// could not be used: an error (nothing measured) that still carries a finding saying why and what
// to do. Measuring turns a reflector failure into facts; judging turns those facts into the finding.

import type { Judgement, MeasureContext, Site } from '../plugin-api.js';
import { PathError } from '../net/classify.js';
import { DnsLookupError } from '../net/dns.js';
import { pathFailureOf, pathFailureSchema, type PathFailure } from '../net/path-messages.js';
import { DEFAULT_PROBE_PORT } from './context.js';
import { isProbeProtocolFailure, probeFailureFinding } from './messages.js';
import { probeName } from './targets.js';

/** The reflector the facts were measured against, as the site named it. */
export interface ReflectorFacts {
  /** `probe.name`, else `probe.host`: how findings name it. */
  name: string;
  host: string;
  /** TCP port of the reflector (the session, the streams). */
  port: number;
  /** UDP port the probes went to: `probe.udpPort`, else the one the session announced, else `port`. */
  udpPort: number;
}

/** What every probe check's facts carry: the reflector, and whether it could be used. */
export interface ProbeFacts {
  reflector: ReflectorFacts;
  /** ok, or how the reflector (or UDP to it) failed: refused, filtered, dns-failure, … */
  classification: string;
  /** The reflector answered, but not as the probe protocol allows. */
  kind?: 'protocol-error';
  /** Why the reflector could not be used at all (nothing else was measured). */
  failure?: PathFailure;
}

export const reflectorSchema = {
  type: 'object',
  required: ['name', 'host', 'port', 'udpPort'],
  properties: {
    name: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    udpPort: { type: 'integer', minimum: 0, maximum: 65535 },
  },
} as const;

/** Schema properties of ProbeFacts, for each check's facts schema. */
export const probeFactsProperties = {
  reflector: reflectorSchema,
  classification: { type: 'string' },
  kind: { enum: ['protocol-error'] },
  failure: pathFailureSchema,
} as const;

export const probeFactsRequired = ['reflector', 'classification'] as const;

/** JSON Schema of round-trip percentiles (`Percentiles`), null when no reply came back. */
export const percentilesSchema = {
  type: ['object', 'null'],
  required: ['min', 'p50', 'p95', 'p99', 'max', 'mean'],
  properties: {
    min: { type: 'number' },
    p50: { type: 'number' },
    p95: { type: 'number' },
    p99: { type: 'number' },
    max: { type: 'number' },
    mean: { type: 'number' },
  },
} as const;

export function reflectorOf(site: Site, udpPort?: number): ReflectorFacts {
  const probe = site.probe!;
  const port = probe.port ?? DEFAULT_PROBE_PORT;
  return { name: probeName(site), host: probe.host, port, udpPort: udpPort ?? probe.udpPort ?? port };
}

/**
 * A reflector that could not be used, as facts: its classification and the failure. Anything that
 * is not a path or DNS failure (a bug, an abort) is thrown on: that is not a fact about the path.
 */
export function probeFailureFacts(ctx: MeasureContext<unknown>, err: unknown): ProbeFacts {
  if (!(err instanceof PathError) && !(err instanceof DnsLookupError)) throw err;
  const failure = pathFailureOf(err);
  return {
    reflector: reflectorOf(ctx.site),
    classification: failure.classification,
    // As the other checks say it: the peer was reached and broke its protocol.
    ...(isProbeProtocolFailure(failure) ? { kind: 'protocol-error' as const } : {}),
    failure,
  };
}

/** The verdict on facts whose reflector could not be used; undefined when it could. */
export function probeFailureJudgement(checkId: string, facts: ProbeFacts): Judgement | undefined {
  if (!facts.failure) return undefined;
  return {
    score: null,
    error: `the reflector at ${facts.reflector.host}:${facts.reflector.port} could not be used: ${facts.failure.message}`,
    findings: [probeFailureFinding(checkId, facts.failure, facts.reflector.name, facts.reflector.port)],
  };
}

/** Under the limit → 1 (targets are written "< limit"); up to twice the limit → 0.6 (warn); beyond → 0.2 (fail). */
export function limitScore(value: number, limit: number): number {
  if (value < limit || (limit === 0 && value === 0)) return 1;
  if (value <= 2 * limit) return 0.6;
  return 0.2;
}

/** ≥ floor → 1; down to half of it → 0.6 (warn); below → 0.2 (fail). */
export function floorScore(value: number, floor: number): number {
  if (value >= floor) return 1;
  if (value >= floor / 2) return 0.6;
  return 0.2;
}
