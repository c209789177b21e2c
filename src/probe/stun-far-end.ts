// A STUN server as the far end of the media streams, for sites that have no reflector (a
// platform evaluated before it is bought): the site marks a `stun` endpoint `mediaPath: true`, and
// the latency and call-quality checks stream Binding requests to it instead. One stream per server
// and media profile per run, shared by both checks as the reflector's stream is.

import { defineArtifact, type Endpoint, type MeasureContext } from '../plugin-api.js';
import { lookupOnce } from '../net/shared.js';
import type { MediaStream } from './context.js';
import { MEDIA_PROFILES } from './media-profiles.js';
import { runStunStream, type StunStreamResult } from './stun-stream.js';

/** The STUN server the stream went to, as facts record it (no address when the name did not resolve). */
export interface StunFarEnd {
  kind: 'stun';
  host: string;
  port: number;
  address?: string;
}

export const stunFarEndSchema = {
  type: 'object',
  required: ['kind', 'host', 'port'],
  properties: {
    kind: { const: 'stun' },
    host: { type: 'string' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    address: { type: 'string' },
  },
} as const;

/** JSON Schema of the junk counts of a STUN stream. */
export const stunJunkSchema = {
  type: 'object',
  required: ['oversize', 'notStun', 'badFingerprint', 'otherMessages', 'foreignTransactions', 'errorResponses'],
  properties: Object.fromEntries(
    ['oversize', 'notStun', 'badFingerprint', 'otherMessages', 'foreignTransactions', 'errorResponses'].map((k) => [
      k,
      { type: 'integer', minimum: 0 },
    ]),
  ),
} as const;

/** A Binding request with FINGERPRINT and nothing else: what each packet of the stream carries. */
export const STUN_REQUEST_BYTES = 28;
/** Silence this long after the first request means UDP to the server gets no answer. */
export const STUN_FIRST_REPLY_TIMEOUT_MS = 2000;

export interface StunLatencyStream {
  farEnd: StunFarEnd & { address: string };
  stream: MediaStream;
  result: StunStreamResult;
}

interface StunLatencyInput {
  host: string;
  address: string;
  port: number;
  profile: string;
  durationMs: number;
  drainMs: number;
}

/** One stream per STUN server and media profile per run: the latency and call-quality checks judge the same requests. */
export const stunLatencyArtifact = defineArtifact<StunLatencyInput, StunLatencyStream>({
  id: 'probe:stun-latency',
  key: (i) => `${i.address}|${i.port}|${i.profile}`,
  async compute(ctx, i) {
    const media = MEDIA_PROFILES[i.profile];
    if (!media) throw new Error(`unknown media profile ${i.profile}`);
    const result = await runStunStream({
      address: i.address,
      port: i.port,
      pps: media.pps,
      durationMs: i.durationMs,
      drainMs: i.drainMs,
      firstReplyTimeoutMs: STUN_FIRST_REPLY_TIMEOUT_MS,
      // The schedule bounds the stream; this only stops one whose timers never come.
      deadlineMs: i.durationMs + i.drainMs + 10_000,
      signal: ctx.signal,
    });
    return {
      farEnd: { kind: 'stun', host: i.host, port: i.port, address: i.address },
      stream: { profile: i.profile, pps: result.pps, size: STUN_REQUEST_BYTES, durationMs: i.durationMs, drainMs: i.drainMs },
      result,
    };
  },
});

/** The run's stream to this STUN server for this profile (its name resolved once, through the run's DNS). */
export async function stunLatencyOnce(
  ctx: MeasureContext<unknown>,
  endpoint: Endpoint,
  profile: string,
  o: { durationMs: number; drainMs: number },
): Promise<StunLatencyStream> {
  const answer = await lookupOnce(ctx, endpoint.host);
  const address = answer.addresses[0]!.address;
  return ctx.use(stunLatencyArtifact, {
    host: endpoint.host,
    address,
    port: endpoint.port,
    profile,
    durationMs: o.durationMs,
    drainMs: o.drainMs,
  });
}
