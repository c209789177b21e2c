// Facts about the handshake that do not depend on the suite: secure renegotiation, extended
// master secret, session resumption, compression, heartbeat (and a non-exploiting Heartbleed
// check), OCSP stapling, ALPN, and TLS_FALLBACK_SCSV. Read from raw TLS ≤ 1.2 hellos, whose
// ServerHello extensions travel in the clear; a server that speaks only TLS 1.3 hides them in
// EncryptedExtensions, so for it a finished node:tls handshake answers instead.

import { buildHeartbeatProbe } from './client-hello.js';
import { finishedHandshake } from './finished-handshake.js';
import type { ScanContext } from './scan-context.js';
import { VERSION_CODES, type HandshakeFacts, type Tristate, type TlsVersionName } from './types.js';
import { AlertDescription } from './wire.js';

export const ALPN_PROBED = ['h2', 'http/1.1'] as const;

/** How long a Heartbleed check waits for a heartbeat response after its request. */
const HEARTBLEED_WAIT_MS = 5000;

export interface FactsPlan {
  /**
   * The highest TLS ≤ 1.2 (or SSLv3) version the server speaks, suites it accepted there, and the
   * session id of a ServerHello to a hello without session_ticket (a server that will issue a
   * ticket leaves the id empty, so the facts hello, which offers one, cannot tell).
   */
  legacy?: { version: TlsVersionName; suites: number[]; sessionId?: Buffer };
  /** TLS 1.3 is spoken and every older version was tested and refused. */
  tls13Only: boolean;
  /** The version just below the highest, for TLS_FALLBACK_SCSV; absent with one version only. */
  fallback?: { version: TlsVersionName; suites: number[] };
}

/** Nothing known yet: what a scan reports when no probe got far enough to tell. */
export function unknownFacts(): HandshakeFacts {
  return {
    secureRenegotiation: 'unknown',
    fallbackScsv: 'unknown',
    compression: 'unknown',
    extendedMasterSecret: 'unknown',
    sessionIdResumption: 'unknown',
    sessionTicket: 'unknown',
    heartbeat: 'unknown',
    heartbleed: 'unknown',
    alpn: [],
    ocspStapling: 'unknown',
  };
}

export async function collectFacts(ctx: ScanContext, plan: FactsPlan): Promise<HandshakeFacts> {
  const facts = unknownFacts();
  const work: Array<Promise<void>> = [];
  work.push(fallbackScsv(ctx, plan).then((v) => void (facts.fallbackScsv = v)));
  if (plan.legacy) {
    work.push(legacyFacts(ctx, plan.legacy, facts));
    work.push(legacyAlpn(ctx, plan.legacy).then((alpn) => void (facts.alpn = alpn)));
  } else if (plan.tls13Only) {
    work.push(tls13OnlyFacts(ctx, facts));
  }
  await Promise.all(work);
  return facts;
}

async function legacyFacts(ctx: ScanContext, legacy: NonNullable<FactsPlan['legacy']>, facts: HandshakeFacts): Promise<void> {
  const r = await ctx.send(
    `${legacy.version} handshake facts`,
    ctx.hello(legacy.version, legacy.suites, {
      noExtensions: false,
      // DEFLATE first: a server that compresses (CRIME) takes it.
      compression: [1, 0],
      renegotiationInfo: true,
      extendedMasterSecret: true,
      sessionTicket: true,
      statusRequest: true,
      heartbeat: true,
      encryptThenMac: true,
    }),
  );
  const sh = r.flight.serverHello;
  if (r.status !== 'answered' || !sh) return;
  facts.secureRenegotiation = sh.renegotiationInfo !== undefined;
  facts.extendedMasterSecret = sh.extendedMasterSecret;
  facts.sessionIdResumption = (legacy.sessionId ?? sh.sessionId).length > 0;
  facts.sessionTicket = sh.sessionTicket || r.flight.newSessionTicket;
  facts.compression = sh.compression !== 0;
  facts.heartbeat = sh.heartbeat !== undefined;
  // The extension echoed without a CertificateStatus message means no staple this time.
  facts.ocspStapling = r.complete ? Boolean(sh.statusRequest && r.flight.ocspResponse) : sh.statusRequest ? 'unknown' : false;
  facts.heartbleed = facts.heartbeat ? await heartbleed(ctx, legacy) : false;
}

/**
 * The non-exploiting Heartbleed check: after the server's first flight, still in plaintext, send
 * a heartbeat request that a patched stack must discard (see buildHeartbeatProbe). Any heartbeat
 * response at all means the length was not checked.
 */
async function heartbleed(ctx: ScanContext, legacy: NonNullable<FactsPlan['legacy']>): Promise<Tristate> {
  const version = VERSION_CODES[legacy.version];
  const r = await ctx.send(
    `${legacy.version} heartbleed`,
    ctx.hello(legacy.version, legacy.suites, { noExtensions: false, heartbeat: true, renegotiationInfo: true }),
    {
      followUp: {
        data: buildHeartbeatProbe(version),
        waitMs: Math.min(HEARTBLEED_WAIT_MS, ctx.opts.timeoutMs),
        until: (f) => f.heartbeats.length > 0 || f.alerts.some((a) => a.level === 2),
      },
    },
  );
  if (r.flight.heartbeats.length > 0) return true;
  if (r.status === 'answered') return false;
  return 'unknown';
}

async function legacyAlpn(ctx: ScanContext, legacy: NonNullable<FactsPlan['legacy']>): Promise<string[]> {
  const results = await Promise.all(
    ALPN_PROBED.map(async (proto) => {
      const r = await ctx.send(
        `${legacy.version} ALPN ${proto}`,
        ctx.hello(legacy.version, legacy.suites, { noExtensions: false, alpn: [proto] }),
      );
      return r.flight.serverHello?.alpn === proto ? proto : undefined;
    }),
  );
  return results.filter((p): p is (typeof ALPN_PROBED)[number] => p !== undefined);
}

/** RFC 7507: a hello below the server's best version carrying TLS_FALLBACK_SCSV must be refused. */
async function fallbackScsv(ctx: ScanContext, plan: FactsPlan): Promise<Tristate | 'n/a'> {
  const fb = plan.fallback;
  if (!fb) return 'n/a';
  const r = await ctx.send(`${fb.version} TLS_FALLBACK_SCSV`, ctx.hello(fb.version, fb.suites, { fallbackScsv: true }));
  if (r.status === 'alert' && r.alert?.description === AlertDescription.inappropriate_fallback) return true;
  if (r.status === 'answered') return false;
  return 'unknown';
}

/**
 * A TLS 1.3-only server: what raw hellos cannot see comes from finished handshakes. The
 * renegotiation and master-secret weaknesses that RFC 5746 and RFC 7627 fix do not exist in
 * TLS 1.3 (no renegotiation; the key schedule binds the transcript), so those count as present;
 * TLS 1.3 has neither compression nor session-ID resumption, and no TLS 1.3 stack had Heartbleed.
 */
async function tls13OnlyFacts(ctx: ScanContext, facts: HandshakeFacts): Promise<void> {
  facts.secureRenegotiation = true;
  facts.extendedMasterSecret = true;
  facts.compression = false;
  facts.sessionIdResumption = false;
  facts.heartbleed = false;
  const target = {
    address: ctx.target.address,
    port: ctx.target.port,
    ...(ctx.target.serverName ? { serverName: ctx.target.serverName } : {}),
    ...(ctx.target.connect ? { connect: ctx.target.connect } : {}),
  };
  const base = {
    timeoutMs: ctx.opts.timeoutMs,
    ...(ctx.opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: ctx.opts.connectTimeoutMs } : {}),
    ...(ctx.opts.signal ? { signal: ctx.opts.signal } : {}),
  };
  const runs = await Promise.all(ALPN_PROBED.map((proto) => ctx.limited(() => finishedHandshake(target, { ...base, alpn: [proto] }))));
  facts.alpn = ALPN_PROBED.filter((proto, i) => runs[i]!.alpn === proto);
  const completed = runs.filter((r) => r.protocol !== null);
  for (const [i, r] of runs.entries()) {
    // A refused ALPN (no_application_protocol) is an answer, not an error.
    if (r.error && !/no.application.protocol|alert number 120/i.test(r.error.message)) {
      ctx.note(`TLSv1.3 handshake (ALPN ${ALPN_PROBED[i]})`, r.error.code, r.error.message);
    }
  }
  if (completed.length > 0) {
    facts.ocspStapling = completed.some((r) => r.ocspStapled);
    facts.sessionTicket = completed.some((r) => r.sessionTicket);
  }
}
