// What every probe of one scan shares: the target, the per-host concurrency limit, the probe
// counter, the error log, and the hellos the scan sends (one shape per protocol version, so
// every phase offers the same extensions and the server's answers stay comparable).

import { performance } from 'node:perf_hooks';
import { buildClientHello, buildSslv2ClientHello, type ClientHelloOptions } from './client-hello.js';
import { publicKeyFor } from './key-share.js';
import { probe, type ProbeOptions, type ProbeResult } from './probe.js';
import { emptyFlight } from './server-flight.js';
import { legacyGroups, legacySignatureSchemes, tls13Groups, tls13SignatureSchemes } from './registry.js';
import { VERSION_CODES, type TlsVersionName } from './types.js';
import { AlertDescription } from './wire.js';
import { Limiter } from '../util/limiter.js';
import { dialTracked } from '../net/dial.js';
import type { StreamConnector } from './connector.js';
import type { Socket } from 'node:net';

export interface ScanTarget {
  host: string;
  port: number;
  address: string;
  /** SNI to send; absent for IP literals. */
  serverName?: string;
  /** Opens each probe's stream instead of dialling `address` (through the site's proxy). */
  connect?: StreamConnector;
}

export interface ScanError {
  what: string;
  code: string;
  message: string;
}

export interface ScanContextOptions {
  timeoutMs: number;
  connectTimeoutMs?: number;
  concurrency: number;
  signal?: AbortSignal;
}

/** Probe outcomes that say nothing about what the server accepts. */
export function isProbeError(r: ProbeResult): boolean {
  return r.status === 'timeout' || r.status === 'malformed' || r.status === 'connect-failed' || r.status === 'aborted';
}

/**
 * Probes in a row that got no answer at all (after the preflight was answered) before the server
 * is taken to have stopped answering: two rounds of the concurrency limit. The rest of the scan
 * then ends at once instead of waiting out every probe's deadline.
 */
const STALL_ROUNDS = 2;

/**
 * A connection dialled ahead and not used within this long is dropped: servers close idle
 * connections (some after a few seconds), and a close taken for the server's answer to a hello
 * would read as a refusal.
 */
const WARM_MAX_AGE_MS = 2000;

/** How the scan talks to this server, decided from the preflight. */
export interface ScanLink {
  /** Keep connections dialled ahead, so a hello costs one round trip instead of two. */
  preconnect: boolean;
  /** Send each hello with our FIN (a server that serves one connection at a time). */
  halfClose: boolean;
}

interface Warm {
  socket: Promise<Socket>;
  at: number;
  closed: boolean;
  raw: Socket;
}

/** What a hello skipped for a version the server already refused stands for: the same refusal. */
function versionRefusedResult(): ProbeResult {
  return {
    status: 'alert',
    flight: emptyFlight(),
    alert: { level: 2, levelName: 'fatal', description: AlertDescription.protocol_version, name: 'protocol_version' },
    complete: false,
    bytesReceived: 0,
    ms: 0,
  };
}

export class ScanContext {
  probes = 0;
  readonly errors: ScanError[] = [];
  private readonly limiter: Limiter;
  private silentInARow = 0;
  private stalled = false;
  /** One key pair per group per scan: no hello is ever finished, so reusing a share leaks nothing. */
  private readonly shares: ReadonlyArray<{ group: number; key: Buffer }>;
  link: ScanLink = { preconnect: false, halfClose: false };
  /** Dialled ahead, oldest first: a one-at-a-time server accepts in this order, so hellos must go out in it. */
  private warm: Warm[] = [];

  constructor(
    readonly target: ScanTarget,
    readonly opts: ScanContextOptions,
  ) {
    this.limiter = new Limiter(Math.max(1, opts.concurrency));
    this.shares = [0x001d, 0x0017, 0x0018].map((group) => ({ group, key: publicKeyFor(group)! }));
  }

  get aborted(): boolean {
    return this.opts.signal?.aborted ?? false;
  }

  /** Sends one hello under the concurrency limit; records what went wrong when it was not an answer or an alert. */
  async send(
    what: string,
    hello: Buffer,
    options: Partial<ProbeOptions> & {
      skip?: () => boolean;
      /** Sees the result before the connection slot passes on (before `skip` of the next is asked). */
      seen?: (r: ProbeResult) => void;
      /** A probe whose failure another one reports already: not logged. */
      quiet?: boolean;
    } = {},
  ): Promise<ProbeResult> {
    const { skip, seen, quiet, ...extra } = options;
    return this.limiter.run(async () => {
      if (skip?.()) return versionRefusedResult();
      if (this.aborted) {
        return probe(this.target, hello, { timeoutMs: 1, ...(this.opts.signal ? { signal: this.opts.signal } : {}) });
      }
      if (this.stalled)
        return {
          status: 'timeout',
          flight: emptyFlight(),
          error: { code: 'STALLED', message: 'not sent: the server stopped answering' },
          complete: false,
          bytesReceived: 0,
          ms: 0,
        };
      this.probes++;
      const base = {
        timeoutMs: this.opts.timeoutMs,
        ...(this.opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: this.opts.connectTimeoutMs } : {}),
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        ...extra,
      };
      const shortcut = (this.link.preconnect || this.link.halfClose) && !this.target.connect && !extra.hold;
      const attempt = (plain: boolean) => {
        const preDialed = this.link.preconnect && !this.target.connect && !extra.hold ? this.takeWarm() : undefined;
        const halfClose = !plain && this.link.halfClose && !this.target.connect && !extra.followUp && !extra.hold;
        return probe(this.target, hello, { ...base, ...(preDialed ? { preDialed } : {}), ...(halfClose ? { halfClose } : {}) });
      };
      let r = await attempt(false);
      // A connection the server had already dropped, or a server that hangs up on an early FIN,
      // looks like a refusal of the hello: ask once more the ordinary way before believing it.
      if (shortcut && (r.status === 'closed' || r.status === 'reset') && r.bytesReceived === 0 && !this.aborted) {
        this.probes++;
        r = await attempt(true);
      }
      seen?.(r);
      if (isProbeError(r) && r.status !== 'aborted' && !quiet) {
        this.errors.push({ what, code: r.error?.code ?? r.status.toUpperCase(), message: r.error?.message ?? r.status });
      }
      this.silentInARow = r.status === 'timeout' ? this.silentInARow + 1 : 0;
      if (!this.stalled && this.probes > 1 && this.silentInARow >= STALL_ROUNDS * Math.max(1, this.opts.concurrency)) {
        this.stalled = true;
        this.note(
          'scan',
          'STALLED',
          `${this.silentInARow} hellos in a row got no answer within ${this.opts.timeoutMs} ms: the rest of the scan was not sent`,
        );
      }
      return r;
    });
  }

  /** A connection dialled now, for a hello sent later; its failure comes back as the probe's. */
  dialAhead(): Promise<Socket> {
    return this.dialWarm().socket;
  }

  /** Fills the pool of connections dialled ahead (up to the concurrency limit). */
  prewarm(): void {
    if (this.target.connect) return;
    while (this.warm.length < this.opts.concurrency) this.warm.push(this.dialWarm());
  }

  /** A connection dialled ahead (the oldest fresh one), topping the pool back up to the concurrency limit. */
  private takeWarm(): Promise<Socket> {
    const now = performance.now();
    let w: Warm | undefined;
    while ((w = this.warm.shift())) {
      if (!w.closed && now - w.at < WARM_MAX_AGE_MS) break;
      w.raw.destroy();
    }
    const use = w ?? this.dialWarm();
    while (this.warm.length < this.opts.concurrency) this.warm.push(this.dialWarm());
    return use.socket;
  }

  private dialWarm(): Warm {
    const tracked = dialTracked({
      address: this.target.address,
      port: this.target.port,
      connectTimeoutMs: Math.min(this.opts.connectTimeoutMs ?? this.opts.timeoutMs, this.opts.timeoutMs),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
    const raw = tracked.socket as Socket;
    raw.on('error', () => undefined);
    const w: Warm = { socket: tracked.ready.then((d) => d.socket as Socket), at: performance.now(), closed: false, raw };
    raw.once('close', () => (w.closed = true));
    w.socket.catch(() => undefined);
    return w;
  }

  /** Closes the connections dialled ahead and not used. */
  close(): void {
    this.link = { ...this.link, preconnect: false };
    for (const w of this.warm.splice(0)) w.raw.destroy();
  }

  /** Runs other work against the host (a node:tls handshake) under the same concurrency limit. */
  limited<T>(task: () => Promise<T>): Promise<T> {
    return this.limiter.run(task);
  }

  /** Records an error found outside a probe (a server that chose a suite it was not offered …). */
  note(what: string, code: string, message: string): void {
    this.errors.push({ what, code, message });
  }

  /**
   * The hello for `version` offering `suites`. TLS ≤ 1.2 hellos carry SNI, renegotiation_info,
   * every curve (ECDHE suites need one) and, from TLS 1.2, every signature scheme (DSS and ECDSA
   * suites need theirs); SSLv3 hellos carry no extensions and signal renegotiation by SCSV.
   */
  hello(version: TlsVersionName, suites: readonly number[], extra: Partial<ClientHelloOptions> = {}): Buffer {
    const sni = this.target.serverName ? { serverName: this.target.serverName } : {};
    if (version === 'SSLv2') return buildSslv2ClientHello(suites);
    if (version === 'TLSv1.3') {
      return buildClientHello({
        version: 0x0303,
        suites,
        ...sni,
        supportedVersions: [0x0304],
        groups: tls13Groups().map((g) => g.code),
        keyShares: this.shares,
        signatureAlgorithms: tls13SignatureSchemes(),
        pskModes: true,
        ...extra,
      });
    }
    if (version === 'SSLv3') {
      return buildClientHello({ version: 0x0300, suites, renegotiationScsv: true, noExtensions: true, ...extra });
    }
    const code = VERSION_CODES[version];
    return buildClientHello({
      version: code,
      suites,
      ...sni,
      renegotiationInfo: true,
      groups: legacyGroups().map((g) => g.code),
      ecPointFormats: [0, 1, 2],
      ...(code >= 0x0303 ? { signatureAlgorithms: legacySignatureSchemes() } : {}),
      ...extra,
    });
  }
}
