// What the QoS check measures, as run-wide artifacts: whether marks can be tested at all (here and
// at the reflector), the marked streams on an idle path, and the same streams while TCP saturates
// the link in one direction.

import type { MeasureContext } from '../plugin-api.js';
import type { ProbeEndpoint, ProbeSession } from '../probe/client.js';
import { nextStreamId, probeSession } from '../probe/context.js';
import { runThroughput } from '../probe/run-throughput.js';
import type { Direction } from '../probe/throughput.js';
import { abortableDelay } from '../probe/udp-stream.js';
import type { QosClass } from './classes.js';
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
export async function qosReadiness(ctx: MeasureContext<any>): Promise<QosReadiness> {
  const dscp = dscpSupport();
  if (!dscp.available) return { ok: false, side: 'local', reason: dscp.reason, ...(dscp.detail ? { detail: dscp.detail } : {}) };
  const { endpoint, session } = await probeSession(ctx);
  if (!session.qos) return { ok: false, side: 'reflector', reason: session.qos === false ? (session.qosReason ?? 'not-built') : 'outdated' };
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

/** Every class at once on an idle path; also the idle baseline of the load test. */
export function marksOnce(ctx: MeasureContext<any>, ready: Extract<QosReadiness, { ok: true }>, classes: QosClass[], o: QosOptions): Promise<ClassStream[]> {
  return ctx.artifact('probe:qos:marks', async (signal) => {
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
      signal,
    });
    return pair(specs, results);
  });
}

export interface LoadedStreams {
  direction: Direction;
  loadMbps: number;
  streams: ClassStream[];
}

/** The classes again while TCP streams saturate the link in `direction` (the throughput machinery). */
export async function underLoadOnce(ctx: MeasureContext<any>, ready: Extract<QosReadiness, { ok: true }>, classes: QosClass[], o: QosOptions, direction: Direction): Promise<LoadedStreams> {
  const signal = ctx.signal;
  // The marked streams start once the load has left slow start, and end before it stops.
  const omit = Math.min(1000, Math.floor(o.loadMs / 4));
  const startup = 300;
  const load = runThroughput({ endpoint: ready.endpoint, session: ready.session, direction, transport: 'tcp', streams: o.streams, durationMs: o.loadMs, omitMs: omit }, signal);
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
