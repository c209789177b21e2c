// What the probe-based checks share: one reflector session per run, and each measurement as an
// artifact, so the latency check and the call-quality check read the same stream, and the
// throughput check and the capacity check the same test.

import type { MeasureContext, Site, Target } from '../plugin-api.js';
import { lookupOnce } from '../net/shared.js';
import { PathError } from '../net/classify.js';
import { closeSession, openSession, type ProbeEndpoint, type ProbeSession } from './client.js';
import { runThroughput } from './run-throughput.js';
import type { Direction, ThroughputResult, Transport } from './throughput.js';
import { runUdpStream, type UdpStreamResult } from './udp-stream.js';

export const DEFAULT_PROBE_PORT = 7000;

export function probeName(site: Site): string {
  return site.probe?.name ?? site.probe?.host ?? 'probe';
}

/** The single target of a probe check ("<probe>" or "<probe>/<suffix>"), or none without a probe. */
export function probeTargets(site: Site, suffixes: string[] = ['']): Target[] {
  if (!site.probe) return [];
  const location = site.locate('/probe');
  return suffixes.map((s) => ({ id: s ? `${probeName(site)}/${s}` : probeName(site), location, data: { suffix: s } }));
}

export async function probeEndpoint(ctx: MeasureContext<any>): Promise<ProbeEndpoint> {
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

export function probeSession(ctx: MeasureContext<any>): Promise<{ endpoint: ProbeEndpoint; session: ProbeSession }> {
  return ctx.artifact('probe:session', async (signal) => {
    const endpoint = await probeEndpoint(ctx);
    const session = await openSession(endpoint, { timeoutMs: 5000, signal });
    if (ctx.site.probe?.udpPort) session.udpPort = ctx.site.probe.udpPort;
    return { endpoint, session };
  }, ({ endpoint, session }) => closeSession(endpoint, session));
}

export interface ThroughputOptions {
  durationMs: number;
  omitMs: number;
  streams: number;
}

export function throughputOnce(ctx: MeasureContext<any>, direction: Direction, transport: Transport, o: ThroughputOptions): Promise<ThroughputResult> {
  return ctx.artifact(`probe:throughput:${transport}:${direction}`, async (signal) => {
    const { endpoint, session } = await probeSession(ctx);
    return runThroughput({ endpoint, session, direction, transport, streams: o.streams, durationMs: o.durationMs, omitMs: o.omitMs }, signal);
  });
}

export interface MediaProfile {
  pps: number;
  size: number;
}

/**
 * Media cadences, as UDP payload sizes: audio as 20 ms G.711 RTP packets (160 B of voice + 12 B RTP
 * header = 172 B, 200 B on the wire with UDP and IPv4); video ≈ 1.5 Mbit/s in 1200 B packets.
 */
export const MEDIA_PROFILES: Record<string, MediaProfile> = {
  audio: { pps: 50, size: 172 },
  video: { pps: 160, size: 1200 },
};

let streamCounter = 0;

export function latencyOnce(ctx: MeasureContext<any>, profile: string, o: { durationMs: number; drainMs: number }): Promise<UdpStreamResult> {
  return ctx.artifact(`probe:latency:${profile}`, async (signal) => {
    const { endpoint, session } = await probeSession(ctx);
    const media = MEDIA_PROFILES[profile];
    if (!media) throw new Error(`unknown media profile ${profile}`);
    return runUdpStream({ endpoint, session, stream: ++streamCounter, ...media, durationMs: o.durationMs, drainMs: o.drainMs, firstReplyTimeoutMs: 2000, signal });
  });
}

export function nextStreamId(): number {
  return ++streamCounter;
}

export function isProbeFailure(err: unknown): err is PathError {
  return err instanceof PathError;
}
