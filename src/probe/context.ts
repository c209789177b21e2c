// What the probe-based checks share: one reflector session per run, and each measurement as a typed
// artifact, so the latency check and the call-quality check read the same stream, and the
// throughput check and the capacity check the same test.

import { defineArtifact, type MeasureContext } from '../plugin-api.js';
import { lookupOnce } from '../net/shared.js';
import { closeSession, openSession, type ProbeEndpoint, type ProbeSession } from './client.js';
import { MEDIA_PROFILES } from './media-profiles.js';
import { runThroughput } from './run-throughput.js';
import type { Direction, ThroughputResult, Transport } from './throughput.js';
import { runUdpStream, type UdpStreamResult } from './udp-stream.js';

export const DEFAULT_PROBE_PORT = 7000;

export async function probeEndpoint(ctx: MeasureContext<unknown>): Promise<ProbeEndpoint> {
  const probe = ctx.site.probe!;
  const answer = await lookupOnce(ctx, probe.host);
  return {
    address: answer.addresses[0]!.address,
    port: probe.port ?? DEFAULT_PROBE_PORT,
    host: probe.host,
    token: probe.token,
    connectTimeoutMs: 3000,
  };
}

/** A reflector and the session open with it. */
export interface ProbeLink {
  endpoint: ProbeEndpoint;
  session: ProbeSession;
}

/** The run's one session with the reflector, closed when the run ends. */
export const probeSessionArtifact = defineArtifact<ProbeEndpoint, ProbeLink>({
  id: 'probe:session',
  key: (ep) => `${ep.address}:${ep.port}`,
  async compute(ctx, endpoint) {
    const session = await openSession(endpoint, { timeoutMs: 5000, signal: ctx.signal });
    if (ctx.site.probe?.udpPort) session.udpPort = ctx.site.probe.udpPort;
    return { endpoint, session };
  },
  dispose: ({ endpoint, session }) => closeSession(endpoint, session),
});

export async function probeSession(ctx: MeasureContext<unknown>): Promise<ProbeLink> {
  return ctx.use(probeSessionArtifact, await probeEndpoint(ctx));
}

export interface ThroughputOptions {
  durationMs: number;
  omitMs: number;
  streams: number;
}

interface ThroughputInput extends ProbeLink, ThroughputOptions {
  direction: Direction;
  transport: Transport;
  /** The asking task's deadline, ms since the epoch: how long its turn may be waited for. */
  deadline: number;
}

/**
 * One throughput test per transport and direction per run, whichever check asks first (its options
 * rule). Probe checks run one at a time (their exclusive lane), so a run's own tests never overlap;
 * other sites' tests are kept apart by the reflector's schedule, which the test waits for.
 */
export const throughputArtifact = defineArtifact<ThroughputInput, ThroughputResult>({
  id: 'probe:throughput',
  key: (i) => `${i.transport}:${i.direction}`,
  compute: (ctx, i) =>
    runThroughput(
      {
        endpoint: i.endpoint,
        session: i.session,
        direction: i.direction,
        transport: i.transport,
        streams: i.streams,
        durationMs: i.durationMs,
        omitMs: i.omitMs,
        // Its turn may be waited for as long as the asking task has, less the test itself.
        turnDeadline: i.deadline - i.durationMs - 2000,
      },
      ctx.signal,
    ),
});

export async function throughputOnce(
  ctx: MeasureContext<unknown>,
  direction: Direction,
  transport: Transport,
  o: ThroughputOptions,
): Promise<ThroughputResult> {
  const link = await probeSession(ctx);
  return ctx.use(throughputArtifact, {
    ...link,
    direction,
    transport,
    durationMs: o.durationMs,
    omitMs: o.omitMs,
    streams: o.streams,
    deadline: Date.now() + ctx.remainingMs(),
  });
}

/** A media stream as it was sent: the cadence (after the reflector's rate cap) and its timing. */
export interface MediaStream {
  profile: string;
  pps: number;
  size: number;
  durationMs: number;
  drainMs: number;
}

export const mediaStreamSchema = {
  type: 'object',
  required: ['profile', 'pps', 'size', 'durationMs', 'drainMs'],
  properties: {
    profile: { type: 'string' },
    pps: { type: 'number' },
    size: { type: 'number' },
    durationMs: { type: 'number' },
    drainMs: { type: 'number' },
  },
} as const;

export interface LatencyStream {
  stream: MediaStream;
  result: UdpStreamResult;
}

interface LatencyInput extends ProbeLink {
  profile: string;
  durationMs: number;
  drainMs: number;
}

let streamCounter = 0;

/** One stream per media profile per run: the latency and call-quality checks judge the same packets. */
export const latencyArtifact = defineArtifact<LatencyInput, LatencyStream>({
  id: 'probe:latency',
  key: (i) => i.profile,
  async compute(ctx, i) {
    const media = MEDIA_PROFILES[i.profile];
    if (!media) throw new Error(`unknown media profile ${i.profile}`);
    const result = await runUdpStream({
      endpoint: i.endpoint,
      session: i.session,
      stream: ++streamCounter,
      ...media,
      durationMs: i.durationMs,
      drainMs: i.drainMs,
      firstReplyTimeoutMs: 2000,
      signal: ctx.signal,
    });
    const pps = Math.max(1, Math.min(i.session.limits.maxUdpPps ?? 5000, media.pps));
    return { stream: { profile: i.profile, pps, size: media.size, durationMs: i.durationMs, drainMs: i.drainMs }, result };
  },
});

export async function latencyOnce(
  ctx: MeasureContext<unknown>,
  profile: string,
  o: { durationMs: number; drainMs: number },
): Promise<LatencyStream> {
  const link = await probeSession(ctx);
  return ctx.use(latencyArtifact, { ...link, profile, durationMs: o.durationMs, drainMs: o.drainMs });
}

export function nextStreamId(): number {
  return ++streamCounter;
}
