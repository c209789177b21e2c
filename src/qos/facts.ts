// What the QoS check measured, as plain facts: per class, the marks its packets arrived with each
// way (and what that says: preserved, bleached, re-marked, mixed, unknown); under load, each
// class's round trip and loss next to the unmarked control's. Whether priority is honoured, and
// every score and finding, is the judge's.

import { isIP } from 'node:net';
import { percentilesSchema, probeFactsProperties, probeFactsRequired, type ProbeFacts } from '../probe/check-support.js';
import type { Direction } from '../probe/throughput.js';
import type { Percentiles } from '../probe/udp-stream.js';
import { classifyDirection, unsupportedDirection, type DirectionVerdict } from './classify.js';
import type { QosClass } from './classes.js';
import type { ClassStream } from './measure.js';
import type { TtlRange } from './marked-streams.js';

/** One direction of one class: the DSCP values its packets arrived with, and the ECN field's. */
export type MarkedDirection = DirectionVerdict & { ecn?: Record<string, number> };

export interface ClassMarks {
  name: string;
  dscpSent: number;
  traffic?: string;
  /** The unmarked reference stream (DSCP 0). */
  control: boolean;
  sent: number;
  /** Counted by the reflector (upstream) and by the client (downstream). */
  forward: MarkedDirection;
  return: MarkedDirection;
}

export interface StreamSummary {
  name: string;
  sent: number;
  replies: number;
  reflectorReceived: number | null;
  rttMs: Percentiles | null;
  lossUpPercent: number | null;
  lossDownPercent: number | null;
  ttl: { forward: TtlRange | null; return: TtlRange | null };
}

/** One stream while the link was saturated, with its idle round trip for comparison. */
export interface LoadedClass {
  name: string;
  dscpSent: number;
  /** Median round trip on the idle path and under load, ms; null when no reply came back. */
  idleRttP50: number | null;
  loadedRttP50: number | null;
  /** Round-trip loss under load, %. */
  lossPercent: number;
  rttMs: Percentiles | null;
}

export interface LoadedDirection {
  /** The load's goodput, Mbit/s. */
  loadMbps: number;
  control: Omit<LoadedClass, 'dscpSent'>;
  classes: LoadedClass[];
}

export interface QosFacts extends ProbeFacts {
  /** Marks cannot be tested: no DSCP module here, or a reflector that cannot read or set marks. */
  unsupported?: { side: 'local' | 'reflector'; reason: string; detail?: string };
  family?: 'IPv4' | 'IPv6';
  /** Where the upstream counts came from: the reflector's tally, or the echoes in the replies. */
  forwardCountedBy?: 'reflector' | 'replies';
  /** Hops each way, from the TTL / hop limit sent and seen (null when unknown). */
  hops?: { forward: number | null; return: number | null };
  classes?: ClassMarks[];
  streams?: StreamSummary[];
  /** The under-load target: per saturated direction. */
  underLoad?: Partial<Record<Direction, LoadedDirection>>;
}

const counts = { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } } as const;
const directionSchema = {
  type: 'object',
  required: ['outcome', 'dscpSeen', 'packets', 'counts', 'changed'],
  properties: {
    outcome: { enum: ['preserved', 'bleached', 'remarked', 'mixed', 'unknown', 'unsupported'] },
    dscpSeen: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 63 } },
    packets: { type: 'integer', minimum: 0 },
    counts,
    changed: { type: 'integer', minimum: 0 },
    ecn: counts,
  },
} as const;
const classSchema = {
  type: 'object',
  required: ['name', 'dscpSent', 'control', 'sent', 'forward', 'return'],
  properties: {
    name: { type: 'string' },
    dscpSent: { type: 'integer', minimum: 0, maximum: 63 },
    traffic: { type: 'string' },
    control: { type: 'boolean' },
    sent: { type: 'integer', minimum: 0 },
    forward: directionSchema,
    return: directionSchema,
  },
} as const;
const nullableNumber = { type: ['number', 'null'] } as const;
const ttlRange = {
  type: ['object', 'null'],
  required: ['min', 'max'],
  properties: { min: { type: 'number' }, max: { type: 'number' } },
} as const;
const streamSchema = {
  type: 'object',
  required: ['name', 'sent', 'replies', 'rttMs'],
  properties: {
    name: { type: 'string' },
    sent: { type: 'integer', minimum: 0 },
    replies: { type: 'integer', minimum: 0 },
    reflectorReceived: nullableNumber,
    rttMs: percentilesSchema,
    lossUpPercent: nullableNumber,
    lossDownPercent: nullableNumber,
    ttl: { type: 'object', properties: { forward: ttlRange, return: ttlRange } },
  },
} as const;
const loadedClassSchema = {
  type: 'object',
  required: ['name', 'idleRttP50', 'loadedRttP50', 'lossPercent'],
  properties: {
    name: { type: 'string' },
    dscpSent: { type: 'integer' },
    idleRttP50: nullableNumber,
    loadedRttP50: nullableNumber,
    lossPercent: { type: 'number', minimum: 0 },
    rttMs: percentilesSchema,
  },
} as const;
const loadedDirectionSchema = {
  type: 'object',
  required: ['loadMbps', 'control', 'classes'],
  properties: {
    loadMbps: { type: 'number', minimum: 0 },
    control: loadedClassSchema,
    classes: { type: 'array', items: { ...loadedClassSchema, required: [...loadedClassSchema.required, 'dscpSent'] } },
  },
} as const;

export const qosFactsSchema = {
  type: 'object',
  required: [...probeFactsRequired],
  properties: {
    ...probeFactsProperties,
    unsupported: {
      type: 'object',
      required: ['side', 'reason'],
      properties: { side: { enum: ['local', 'reflector'] }, reason: { type: 'string' }, detail: { type: 'string' } },
    },
    family: { enum: ['IPv4', 'IPv6'] },
    forwardCountedBy: { enum: ['reflector', 'replies'] },
    hops: { type: 'object', required: ['forward', 'return'], properties: { forward: nullableNumber, return: nullableNumber } },
    classes: { type: 'array', items: classSchema },
    streams: { type: 'array', items: streamSchema },
    underLoad: { type: 'object', additionalProperties: false, properties: { down: loadedDirectionSchema, up: loadedDirectionSchema } },
  },
} as const;

function classMarks(cs: ClassStream): ClassMarks {
  const r = cs.result;
  const ecn = (m: Map<number, number>) => Object.fromEntries([...m].map(([k, v]) => [String(k), v]));
  // Replies the reflector did not mark say nothing about the return path (it cannot mark).
  const back = r.replies > 0 && r.repliesMarked === 0 ? unsupportedDirection() : classifyDirection(cs.cls.dscp, r.returned);
  return {
    name: cs.cls.name,
    dscpSent: cs.cls.dscp,
    ...(cs.cls.traffic ? { traffic: cs.cls.traffic } : {}),
    control: cs.cls.control,
    sent: r.sent,
    forward: { ...classifyDirection(cs.cls.dscp, r.forward), ecn: ecn(r.forwardEcn) },
    return: { ...back, ecn: ecn(r.returnEcn) },
  };
}

/** Nothing of any class reached the reflector or came back: UDP gets nowhere, marks say nothing. */
export function nothingArrived(streams: Array<Pick<StreamSummary, 'reflectorReceived' | 'replies'>>): boolean {
  return streams.every((s) => (s.reflectorReceived ?? s.replies) === 0 && s.replies === 0);
}

/** The idle marked streams as facts. */
export function marksFacts(
  address: string,
  idle: ClassStream[],
): Pick<QosFacts, 'classification' | 'family' | 'forwardCountedBy' | 'hops' | 'classes' | 'streams'> {
  const first = idle[0]!.result;
  const streams: StreamSummary[] = idle.map((cs) => ({
    name: cs.cls.name,
    sent: cs.result.sent,
    replies: cs.result.replies,
    reflectorReceived: cs.result.reflectorReceived,
    rttMs: cs.result.rttMs,
    lossUpPercent: cs.result.lossUpPercent,
    lossDownPercent: cs.result.lossDownPercent,
    ttl: cs.result.ttl,
  }));
  return {
    classification: nothingArrived(streams) ? 'filtered' : 'ok',
    family: isIP(address) === 6 ? 'IPv6' : 'IPv4',
    forwardCountedBy: first.forwardSource,
    hops: first.hops,
    classes: idle.map(classMarks),
    streams,
  };
}

/** The classes under load in one direction, each with its idle round trip. */
export function loadedFacts(idle: ClassStream[], loaded: { loadMbps: number; streams: ClassStream[] }): LoadedDirection {
  const idleOf = (name: string) => idle.find((cs) => cs.cls.name === name)?.result.rttMs?.p50 ?? null;
  const of = (cs: ClassStream): LoadedClass => ({
    name: cs.cls.name,
    dscpSent: cs.cls.dscp,
    idleRttP50: idleOf(cs.cls.name),
    loadedRttP50: cs.result.rttMs?.p50 ?? null,
    lossPercent: cs.result.lossPercent,
    rttMs: cs.result.rttMs,
  });
  const control = loaded.streams.find((cs) => cs.cls.control)!;
  const { dscpSent: _zero, ...controlFacts } = of(control);
  return { loadMbps: loaded.loadMbps, control: controlFacts, classes: loaded.streams.filter((cs) => !cs.cls.control).map(of) };
}

/** Every class as untestable, for the facts of a path whose marks cannot be read. */
export function untestedClasses(classes: QosClass[]): ClassMarks[] {
  return classes.map((c) => ({
    name: c.name,
    dscpSent: c.dscp,
    ...(c.traffic ? { traffic: c.traffic } : {}),
    control: c.control,
    sent: 0,
    forward: unsupportedDirection(),
    return: unsupportedDirection(),
  }));
}
