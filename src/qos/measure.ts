// What the QoS check measures, as run-wide artifacts: whether marks can be tested at all (here and
// at the reflector), the marked streams on an idle path, and the same streams while TCP saturates
// the link in one direction.

import { defineArtifact, type MeasureContext } from '../plugin-api.js';
import type { ProbeEndpoint, ProbeSession } from '../probe/client.js';
import { nextStreamId, probeSession } from '../probe/context.js';
import { runThroughput } from '../probe/run-throughput.js';
import type { Direction } from '../probe/throughput.js';
import { abortableDelay } from '../util/abortable-delay.js';
import { probeFailureFacts, reflectorOf } from '../probe/check-support.js';
import { qosClasses, type QosClass } from './classes.js';
import { loadedFacts, marksFacts, untestedClasses, type LoadedDirection, type QosFacts } from './facts.js';
import { runMarkedStreams, type MarkedStreamResult } from './marked-streams.js';
import { dscpSupport, type DscpSupport } from '../net/dscp.js';

export interface QosOptions {
  durationMs: number;
  pps: number;
  size: number;
  drainMs: number;
  loadMs: number;
  streams: number;
  directions: Direction[];
}

export type QosReadiness =
  | { ok: true; endpoint: ProbeEndpoint; session: ProbeSession; dscp: Extract<DscpSupport, { available: true }> }
  /** `reason`: a DscpUnavailable code, or `outdated` for a reflector that predates QoS tests. */
  | { ok: false; side: 'local' | 'reflector'; reason: string; detail?: string };

/** Throws what probeSession throws (the reflector cannot be used at all). */
export async function qosReadiness(ctx: MeasureContext<unknown>): Promise<QosReadiness> {
  const dscp = dscpSupport();
  if (!dscp.available) return { ok: false, side: 'local', reason: dscp.reason, ...(dscp.detail ? { detail: dscp.detail } : {}) };
  const { endpoint, session } = await probeSession(ctx);
  if (!session.qos)
    return { ok: false, side: 'reflector', reason: session.qos === false ? (session.qosReason ?? 'not-built') : 'outdated' };
  return { ok: true, endpoint, session, dscp };
}

export interface ClassStream {
  cls: QosClass;
  result: MarkedStreamResult;
}

function streamsFor(classes: QosClass[]) {
  return classes.map((cls) => ({ cls, spec: { stream: nextStreamId(), dscp: cls.dscp } }));
}

function pair(specs: ReturnType<typeof streamsFor>, results: MarkedStreamResult[]): ClassStream[] {
  return specs.map(({ cls, spec }) => ({ cls, result: results.find((r) => r.stream === spec.stream)! }));
}

interface MarksInput {
  ready: Extract<QosReadiness, { ok: true }>;
  classes: QosClass[];
  o: QosOptions;
}

/** Every class at once on an idle path, once per run: the marks target and the under-load baseline read it. */
export const marksArtifact = defineArtifact<MarksInput, ClassStream[]>({
  id: 'probe:qos:marks',
  key: () => 'idle',
  async compute(ctx, { ready, classes, o }) {
    const specs = streamsFor(classes);
    const results = await runMarkedStreams({
      endpoint: ready.endpoint,
      session: ready.session,
      dscp: ready.dscp,
      streams: specs.map((s) => s.spec),
      pps: o.pps,
      size: o.size,
      durationMs: o.durationMs,
      drainMs: o.drainMs,
      signal: ctx.signal,
    });
    return pair(specs, results);
  },
});

export function marksOnce(
  ctx: MeasureContext<unknown>,
  ready: Extract<QosReadiness, { ok: true }>,
  classes: QosClass[],
  o: QosOptions,
): Promise<ClassStream[]> {
  return ctx.use(marksArtifact, { ready, classes, o });
}

export interface LoadedStreams {
  direction: Direction;
  loadMbps: number;
  streams: ClassStream[];
}

/** The classes again while TCP streams saturate the link in `direction` (the throughput machinery). */
export async function underLoadOnce(
  ctx: MeasureContext<unknown>,
  ready: Extract<QosReadiness, { ok: true }>,
  classes: QosClass[],
  o: QosOptions,
  direction: Direction,
): Promise<LoadedStreams> {
  const signal = ctx.signal;
  // The marked streams start once the load has left slow start, and end before it stops.
  const omit = Math.min(1000, Math.floor(o.loadMs / 4));
  const startup = 300;
  const load = runThroughput(
    {
      endpoint: ready.endpoint,
      session: ready.session,
      direction,
      transport: 'tcp',
      streams: o.streams,
      durationMs: o.loadMs,
      omitMs: omit,
    },
    signal,
  );
  load.catch(() => undefined);
  await abortableDelay(omit + startup, signal);
  const specs = streamsFor(classes);
  const results = await runMarkedStreams({
    endpoint: ready.endpoint,
    session: ready.session,
    dscp: ready.dscp,
    streams: specs.map((s) => s.spec),
    pps: o.pps,
    size: o.size,
    durationMs: Math.max(1000, o.loadMs - omit - startup - 500),
    drainMs: o.drainMs,
    signal,
  });
  const t = await load;
  return { direction, loadMbps: t.mbps, streams: pair(specs, results) };
}

/**
 * The QoS facts of one target: the idle marks, or the classes under load in each direction of
 * `o.directions`. A reflector that cannot be used, and marks that cannot be tested, are facts too.
 */
export async function measureQos(ctx: MeasureContext<QosOptions>, part: 'marks' | 'under-load'): Promise<QosFacts> {
  const classes = qosClasses(ctx.site);
  let ready: QosReadiness;
  try {
    ready = await qosReadiness(ctx);
  } catch (err) {
    return probeFailureFacts(ctx, err);
  }
  if (!ready.ok) {
    const unsupported = { side: ready.side, reason: ready.reason, ...(ready.detail ? { detail: ready.detail } : {}) };
    return { reflector: reflectorOf(ctx.site), classification: 'unsupported', unsupported, classes: untestedClasses(classes) };
  }
  const reflector = reflectorOf(ctx.site, ready.session.udpPort);
  try {
    const idle = await marksOnce(ctx, ready, classes, ctx.options);
    if (part === 'marks') return { reflector, ...marksFacts(ready.endpoint.address, idle) };
    const underLoad: Partial<Record<Direction, LoadedDirection>> = {};
    for (const direction of ctx.options.directions)
      underLoad[direction] = loadedFacts(idle, await underLoadOnce(ctx, ready, classes, ctx.options, direction));
    return { reflector, classification: 'ok', underLoad };
  } catch (err) {
    return probeFailureFacts(ctx, err);
  }
}
