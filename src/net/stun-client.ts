// STUN / TURN client: transactions over UDP (RFC 8489 §6.2.1 retransmissions), TCP and TLS
// (framed by the STUN length field), a Binding request, a UDP port sweep, and a TURN client
// (RFC 8656) that allocates with long-term credentials, installs a permission, relays data to a
// peer and back, and deallocates. NAT behaviour discovery (RFC 5780) is in stun-nat.ts.
//
// Failures are StunClientError (a PathError) whose classification tells apart what a site owner
// must fix differently: no answer at all (filtered), ICMP port unreachable (refused), ICMP
// host/net unreachable (unreachable), a TLS failure, credentials refused (auth-refused), or a
// STUN error response the server named (server-error, with the code).

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIPv6, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import type { Classification } from '../plugin-api.js';
import { PathError, connectFailure, errorCode, type Phase, type TlsFailureKind } from './classify.js';
import { dialTracked } from './dial.js';
import {
  Attr,
  Method,
  attr,
  encodeMessage,
  errorName,
  findAttribute,
  formatAddress,
  frameLength,
  getAddress,
  getData,
  getErrorCode,
  getString,
  getUint32,
  longTermKey,
  newTransactionId,
  StunDecodeError,
  integrityOf,
  tryDecodeMessage,
  type AttributeInput,
  type ChangeRequest,
  type EncodeOptions,
  type OutgoingMessage,
  type StunMessage,
  type TransportAddress,
} from './stun.js';
import { round } from '../util/number.js';

export type StunTransport = 'udp' | 'tcp' | 'tls';

export const DEFAULT_RTO_MS = 500;
/** Rc: transmissions of a request over UDP (RFC 8489 §6.2.1). */
export const DEFAULT_MAX_TRANSMISSIONS = 7;
/** Rm: after the last transmission, wait Rm × RTO for an answer. */
const RM = 16;
const SOFTWARE = 'siteready';

export interface Endpoint {
  address: string;
  port: number;
}

export interface StunErrorInfo {
  code: number;
  name: string;
  reason: string;
}

export interface StunClientErrorOptions {
  code?: string;
  tlsKind?: TlsFailureKind;
  stun?: StunErrorInfo;
  /** The realm the server named (with auth-refused). */
  realm?: string;
  /** Successes discarded for their MESSAGE-INTEGRITY (with INTEGRITY_MISSING / INTEGRITY_MISMATCH). */
  discarded?: number;
}

/** Codes of a server that answered and broke STUN (not a path failure, not a named error response). */
const PROTOCOL_ERROR_CODES = new Set(['NOT_STUN', 'WRONG_TRANSACTION', 'INTEGRITY_MISSING', 'INTEGRITY_MISMATCH']);

/** Whether the server was reached and broke the protocol: garbage, foreign transactions, unsigned successes. */
export function isStunProtocolError(err: unknown): boolean {
  return err instanceof PathError && PROTOCOL_ERROR_CODES.has(err.code ?? '');
}

/** A PathError that may also carry the STUN error response that caused it. */
export class StunClientError extends PathError {
  readonly stun?: StunErrorInfo;
  readonly realm?: string;
  readonly discarded?: number;

  constructor(classification: Classification, phase: Phase, message: string, opts: StunClientErrorOptions = {}) {
    super(classification, phase, message, opts.code, opts.tlsKind);
    this.name = 'StunClientError';
    if (opts.stun) this.stun = opts.stun;
    if (opts.realm !== undefined) this.realm = opts.realm;
    if (opts.discarded !== undefined) this.discarded = opts.discarded;
  }
}

export interface TransactionOptions {
  /** Overall deadline of this transaction (all retransmissions included). */
  timeoutMs: number;
  /** UDP: first retransmission timeout, doubled after each (default 500 ms). */
  rtoMs?: number;
  /** UDP: at most this many transmissions (default 7, RFC 8489's Rc). */
  maxTransmissions?: number;
  signal?: AbortSignal;
  /** Unconnected UDP only: where to send this request (default: the connection's server). */
  to?: Endpoint;
  /**
   * Why a response must be discarded (RFC 8489 §9.2.5: a success to an authenticated request
   * without valid integrity), or undefined to take it. A discarded response is as if it never
   * came: the transaction keeps waiting, and when it times out says what was discarded.
   */
  discard?: (response: StunMessage) => DiscardReason | undefined;
}

/** Why a response was not taken: no MESSAGE-INTEGRITY(-SHA256) at all, or one that does not match. */
export type DiscardReason = 'integrity-absent' | 'integrity-invalid';

export interface TransactionResult {
  response: StunMessage;
  /** From the last transmission to the answer (with one transmission, an exact round trip). */
  rttMs: number;
  transmissions: number;
  /** Where the answer came from (UDP: the datagram's source). */
  from: Endpoint;
}

export interface StunConnectionOptions {
  transport: StunTransport;
  /** The server's IP address (resolve names first). */
  address: string;
  port: number;
  /** TCP/TLS: silence to the handshake longer than this is `filtered` (default 3000). */
  connectTimeoutMs?: number;
  /** TLS: servername, secureContext, ... */
  tls?: ConnectionOptions;
  signal?: AbortSignal;
  /** UDP: local address to bind (default: any). */
  localAddress?: string;
  /**
   * UDP: connect() the socket to the server (default true) so the kernel reports ICMP errors —
   * port unreachable becomes `refused`. An unconnected socket may talk to several servers (NAT
   * discovery, a relay peer) but learns nothing from ICMP.
   */
  connected?: boolean;
}

interface Pending {
  resolve(message: StunMessage, from: Endpoint): void;
  reject(err: Error): void;
}

/** One STUN "connection": a UDP socket or a TCP/TLS stream to a server, with transactions on it. */
export class StunConnection {
  readonly transport: StunTransport;
  readonly server: Endpoint;
  /** Datagrams / frames that were not valid STUN. */
  notStun = 0;
  /** Responses to transactions this connection never started (forged, misrouted, or a confused server). */
  foreign = 0;
  /** Every transaction id sent here, so a late answer to an old request is not taken for a foreign one. */
  private readonly sentIds = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly indicationHandlers = new Set<(m: StunMessage, from: Endpoint) => void>();
  private readonly otherHandlers = new Set<(data: Buffer, from: Endpoint) => void>();
  private closed = false;
  /** A stream that failed stays failed. */
  private failure?: Error;

  private constructor(
    opts: StunConnectionOptions,
    private readonly udp?: UdpSocket,
    private readonly stream?: Socket,
    private readonly connected = true,
  ) {
    this.transport = opts.transport;
    this.server = { address: opts.address, port: opts.port };
  }

  static async open(opts: StunConnectionOptions): Promise<StunConnection> {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (opts.transport === 'udp') return StunConnection.openUdp(opts);
    const tracked = dialTracked({
      address: opts.address,
      port: opts.port,
      connectTimeoutMs: opts.connectTimeoutMs ?? 3000,
      // `host` names what the certificate must match when no servername (SNI) is given: an IP literal.
      ...(opts.transport === 'tls' ? { tls: { host: opts.address, ...opts.tls } } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    // The dial stops listening once connected; attachStream starts a turn later.
    tracked.socket.on('error', () => undefined);
    const dialed = await tracked.ready;
    const conn = new StunConnection(opts, undefined, dialed.socket);
    conn.attachStream(dialed.socket);
    return conn;
  }

  private static async openUdp(opts: StunConnectionOptions): Promise<StunConnection> {
    const sock = createSocket({ type: isIPv6(opts.address) ? 'udp6' : 'udp4' });
    const connected = opts.connected ?? true;
    const conn = new StunConnection(opts, sock, undefined, connected);
    // From birth: on a connected socket the kernel turns ICMP errors into errors on the next receive.
    sock.on('error', (err) => conn.failAll(udpError(err, conn.server)));
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind({ port: 0, ...(opts.localAddress ? { address: opts.localAddress } : {}) }, () => {
          if (!connected) {
            sock.off('error', reject);
            return resolve();
          }
          sock.connect(opts.port, opts.address, () => {
            sock.off('error', reject);
            resolve();
          });
        });
      });
    } catch (err) {
      conn.close();
      throw new StunClientError(
        connectFailure(errorCode(err)),
        'connect',
        `cannot open a UDP socket to ${opts.address}:${opts.port}: ${(err as Error).message}`,
        errorCode(err) ? { code: errorCode(err)! } : {},
      );
    }
    sock.on('message', (buf, rinfo: RemoteInfo) => conn.onMessage(buf, { address: rinfo.address, port: rinfo.port }));
    return conn;
  }

  private attachStream(socket: Socket): void {
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      for (;;) {
        let frame;
        try {
          frame = frameLength(buffered);
        } catch (err) {
          this.notStun++;
          const detail = err instanceof StunDecodeError ? err.message : String(err);
          this.fail(
            new StunClientError('server-error', 'application', `${this.describe()} answered with something that is not STUN (${detail})`, {
              code: 'NOT_STUN',
            }),
          );
          return;
        }
        if (!frame || buffered.length < frame.length) return;
        const one = buffered.subarray(0, frame.length);
        buffered = buffered.subarray(frame.length);
        // No channel is ever bound, so ChannelData cannot be for us: skip it.
        if (frame.kind === 'stun') this.onMessage(Buffer.from(one), this.server);
      }
    });
    socket.on('error', (err) => {
      const code = errorCode(err);
      this.fail(
        new StunClientError(
          code === 'ECONNRESET' ? 'timeout' : connectFailure(code),
          'application',
          `${this.describe()}: ${err.message}`,
          code ? { code } : {},
        ),
      );
    });
    socket.on('close', () => {
      this.fail(
        new StunClientError('timeout', 'application', `${this.describe()} closed the connection without answering`, {
          code: 'ECONNCLOSED',
        }),
      );
    });
  }

  describe(): string {
    return `${formatAddress({ family: isIPv6(this.server.address) ? 6 : 4, ...this.server })}/${this.transport}`;
  }

  /** The local address the socket is bound to. */
  localAddress(): TransportAddress | undefined {
    try {
      const a = this.udp
        ? this.udp.address()
        : (this.stream?.address() as { address?: string; family?: string; port?: number } | undefined);
      if (!a || a.address === undefined || a.port === undefined) return undefined;
      return { family: a.family === 'IPv6' ? 6 : 4, address: a.address, port: a.port };
    } catch {
      return undefined;
    }
  }

  onIndication(handler: (m: StunMessage, from: Endpoint) => void): () => void {
    this.indicationHandlers.add(handler);
    return () => this.indicationHandlers.delete(handler);
  }

  /** UDP: datagrams that are not STUN (a relay peer's payload). */
  onOther(handler: (data: Buffer, from: Endpoint) => void): () => void {
    this.otherHandlers.add(handler);
    return () => this.otherHandlers.delete(handler);
  }

  /** Sends bytes as they are (an indication, or a raw datagram on an unconnected UDP socket). */
  sendRaw(bytes: Buffer, to?: Endpoint): void {
    if (this.closed) return;
    if (this.udp) {
      const cb = (err: Error | null) => {
        if (err) this.failAll(udpError(err, to ?? this.server));
      };
      try {
        if (this.connected) this.udp.send(bytes, cb);
        else this.udp.send(bytes, (to ?? this.server).port, (to ?? this.server).address, cb);
      } catch (err) {
        // dgram throws synchronously for a bad address or a socket closed under us.
        this.failAll(udpError(err as Error, to ?? this.server));
      }
    } else {
      this.stream?.write(bytes);
    }
  }

  indicate(msg: OutgoingMessage, enc: EncodeOptions = { fingerprint: true }): void {
    this.sendRaw(encodeMessage({ ...msg, cls: 'indication' }, enc));
  }

  /** Sends a request and waits for its response (success or error class): RFC 8489 §6.2–6.3. */
  transact(msg: Omit<OutgoingMessage, 'cls' | 'transactionId'>, enc: EncodeOptions, opts: TransactionOptions): Promise<TransactionResult> {
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason);
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed)
      return Promise.reject(
        new StunClientError('timeout', 'application', `${this.describe()}: connection closed`, { code: 'ECONNCLOSED' }),
      );
    const tid = newTransactionId();
    const key = tid.toString('hex');
    const bytes = encodeMessage({ ...msg, cls: 'request', transactionId: tid }, enc);
    const to = opts.to && !this.connected ? opts.to : this.server;
    const udp = this.transport === 'udp';
    const rto = opts.rtoMs ?? DEFAULT_RTO_MS;
    const maxTransmissions = udp ? Math.max(1, opts.maxTransmissions ?? DEFAULT_MAX_TRANSMISSIONS) : 1;
    // The RFC's own give-up time: sends at 0, RTO, 3 RTO, ... then Rm × RTO after the last.
    let rfcTimeout = 0;
    for (let i = 1; i < maxTransmissions; i++) rfcTimeout += rto * 2 ** (i - 1);
    rfcTimeout += udp ? RM * rto : Infinity;
    const deadlineMs = Math.max(1, Math.min(opts.timeoutMs, rfcTimeout));
    const notStunBefore = this.notStun;
    const foreignBefore = this.foreign;
    const discarded = new Map<DiscardReason, number>();
    this.sentIds.add(key);

    return new Promise<TransactionResult>((resolve, reject) => {
      const t0 = performance.now();
      let lastSend = t0;
      let transmissions = 0;
      let retransmitTimer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(retransmitTimer);
        clearTimeout(deadline);
        this.pending.delete(key);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        reject(opts.signal!.reason);
      };
      const transmit = () => {
        if (!this.pending.has(key)) return;
        transmissions++;
        lastSend = performance.now();
        this.sendRaw(bytes, to);
        // A send can fail synchronously and settle the transaction: then nothing more is scheduled.
        if (this.pending.has(key) && udp && transmissions < maxTransmissions)
          retransmitTimer = setTimeout(transmit, rto * 2 ** (transmissions - 1));
      };
      const deadline = setTimeout(() => {
        finish();
        const garbage = this.notStun > notStunBefore;
        const where = `${formatAddress({ family: isIPv6(to.address) ? 6 : 4, ...to })}/${this.transport}`;
        if (discarded.size) {
          const invalid = discarded.has('integrity-invalid');
          const n = [...discarded.values()].reduce((a, b) => a + b, 0);
          reject(
            new StunClientError(
              'server-error',
              'application',
              `${where} answered ${n} time${n === 1 ? '' : 's'} with a success ${invalid ? 'whose MESSAGE-INTEGRITY does not match the credentials' : 'without MESSAGE-INTEGRITY'}: discarded, as RFC 8489 §9.2.5 requires`,
              { code: invalid ? 'INTEGRITY_MISMATCH' : 'INTEGRITY_MISSING', discarded: n },
            ),
          );
        } else if (garbage) {
          reject(new StunClientError('server-error', 'application', `${where} answered, but not with STUN`, { code: 'NOT_STUN' }));
        } else if (this.foreign > foreignBefore) {
          reject(
            new StunClientError(
              'server-error',
              'application',
              `${where} answered ${this.foreign - foreignBefore} times, never to this request (other transaction ids)`,
              { code: 'WRONG_TRANSACTION' },
            ),
          );
        } else if (udp) {
          reject(
            new StunClientError(
              'filtered',
              'connect',
              `no answer from ${where} within ${Math.round(deadlineMs)} ms (${transmissions} transmissions)`,
              { code: 'NO_ANSWER' },
            ),
          );
        } else {
          reject(
            new StunClientError(
              'timeout',
              'application',
              `${where} accepted the connection but sent no STUN answer within ${Math.round(deadlineMs)} ms`,
              { code: 'STUN_TIMEOUT' },
            ),
          );
        }
      }, deadlineMs);
      this.pending.set(key, {
        resolve: (response, from) => {
          const why = opts.discard?.(response);
          if (why) {
            discarded.set(why, (discarded.get(why) ?? 0) + 1);
            return;
          }
          finish();
          resolve({ response, rttMs: round(performance.now() - lastSend), transmissions, from });
        },
        reject: (err) => {
          finish();
          reject(err);
        },
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      transmit();
    });
  }

  private onMessage(buf: Buffer, from: Endpoint): void {
    const decoded = tryDecodeMessage(buf);
    if (!decoded.message || decoded.message.fingerprint === 'invalid') {
      if (decoded.error && this.otherHandlers.size) {
        for (const h of this.otherHandlers) h(buf, from);
        return;
      }
      this.notStun++;
      return;
    }
    const m = decoded.message;
    if (m.cls === 'success' || m.cls === 'error') {
      const id = m.transactionId.toString('hex');
      const p = this.pending.get(id);
      if (p) p.resolve(m, from);
      else if (!this.sentIds.has(id)) this.foreign++;
    } else if (m.cls === 'indication') {
      for (const h of this.indicationHandlers) h(m, from);
    }
  }

  private failAll(err: Error): void {
    for (const p of [...this.pending.values()]) p.reject(err);
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.failure ??= err;
    this.failAll(this.failure);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.udp?.close();
    } catch {
      // already closed
    }
    this.stream?.destroy();
    const err =
      this.failure ?? new StunClientError('timeout', 'application', `${this.describe()}: connection closed`, { code: 'ECONNCLOSED' });
    for (const p of [...this.pending.values()]) p.reject(err);
  }
}

function udpError(err: Error, to: Endpoint): StunClientError {
  const code = errorCode(err);
  const where = `${to.address}:${to.port}/udp`;
  if (code === 'ECONNREFUSED')
    return new StunClientError('refused', 'connect', `${where}: ICMP port unreachable (nothing listens, or a firewall rejects)`, { code });
  return new StunClientError(connectFailure(code), 'connect', `${where}: ${err.message}`, code ? { code } : {});
}

function integrityReason(state: ReturnType<typeof integrityOf>): DiscardReason | undefined {
  return state === 'valid' ? undefined : state === 'absent' ? 'integrity-absent' : 'integrity-invalid';
}

function stunErrorOf(m: StunMessage): StunErrorInfo {
  const e = getErrorCode(m);
  const code = e?.code ?? 0;
  return { code, name: code ? errorName(code) : 'error response without ERROR-CODE', reason: e?.reason ?? '' };
}

function namedError(what: string, info: StunErrorInfo): StunClientError {
  const reason = info.reason && info.reason.toLowerCase() !== info.name.toLowerCase() ? ` ("${info.reason.slice(0, 120)}")` : '';
  return new StunClientError('server-error', 'application', `${what}: ${info.code} ${info.name}${reason}`, {
    code: 'STUN_ERROR',
    stun: info,
  });
}

// ---------------------------------------------------------------------------------------------
// Binding

export interface BindingResult {
  rttMs: number;
  transmissions: number;
  /** Reflexive address: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS. */
  mapped?: TransportAddress;
  /** RFC 5780: the server's alternate address. */
  otherAddress?: TransportAddress;
  responseOrigin?: TransportAddress;
  software?: string;
  from: Endpoint;
}

export async function bindingRequest(
  conn: StunConnection,
  opts: TransactionOptions & { changeRequest?: ChangeRequest },
): Promise<BindingResult> {
  const attributes: AttributeInput[] = [attr.software(SOFTWARE)];
  if (opts.changeRequest) attributes.push(attr.changeRequest(opts.changeRequest));
  const r = await conn.transact({ method: Method.Binding, attributes }, { fingerprint: true }, opts);
  const m = r.response;
  if (m.cls === 'error') throw namedError('Binding', stunErrorOf(m));
  const mapped = getAddress(m, Attr.XOR_MAPPED_ADDRESS) ?? getAddress(m, Attr.MAPPED_ADDRESS);
  const otherAddress = getAddress(m, Attr.OTHER_ADDRESS);
  const responseOrigin = getAddress(m, Attr.RESPONSE_ORIGIN);
  const software = getString(m, Attr.SOFTWARE);
  return {
    rttMs: r.rttMs,
    transmissions: r.transmissions,
    from: r.from,
    ...(mapped ? { mapped } : {}),
    ...(otherAddress ? { otherAddress } : {}),
    ...(responseOrigin ? { responseOrigin } : {}),
    ...(software ? { software } : {}),
  };
}

/** Opens a connection, sends one Binding request, closes. */
export async function stunBinding(
  server: Omit<StunConnectionOptions, 'connected'>,
  opts: Omit<TransactionOptions, 'to'>,
): Promise<BindingResult & { local?: TransportAddress }> {
  const conn = await StunConnection.open(server);
  try {
    const r = await bindingRequest(conn, opts);
    const local = conn.localAddress();
    return { ...r, ...(local ? { local } : {}) };
  } finally {
    conn.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Port sweep: which UDP ports of a host answer a Binding request

export interface SweepResult {
  port: number;
  classification: Classification;
  rttMs?: number;
  code?: string;
}

/**
 * Binding requests to each port (connected UDP sockets, so ICMP port unreachable shows as
 * `refused`), `concurrency` at a time. When `signal` aborts, the ports tested so far are returned
 * (in the order given); the rest are left out.
 */
export async function sweepUdpPorts(
  address: string,
  ports: number[],
  opts: { concurrency?: number; timeoutMs: number; signal?: AbortSignal },
): Promise<SweepResult[]> {
  const results: Array<SweepResult | undefined> = new Array(ports.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= ports.length || opts.signal?.aborted) return;
      const port = ports[i]!;
      try {
        const r = await stunBinding(
          { transport: 'udp', address, port, ...(opts.signal ? { signal: opts.signal } : {}) },
          { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) },
        );
        results[i] = { port, classification: 'ok', rttMs: r.rttMs };
      } catch (err) {
        if (opts.signal?.aborted) return;
        const pe = err instanceof PathError ? err : new StunClientError('unreachable', 'connect', String(err));
        results[i] = { port, classification: pe.classification, ...(pe.code ? { code: pe.code } : {}) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 16, ports.length)) }, worker));
  return results.filter((r): r is SweepResult => r !== undefined);
}

/** Transports to test on an endpoint: its own list, else UDP and TCP (TLS for turns:). */
export function defaultTransports(ep: { protocol: string; transports?: StunTransport[] }): StunTransport[] {
  if (ep.transports?.length) return [...new Set(ep.transports)];
  return ep.protocol === 'turns' ? ['tls'] : ['udp', 'tcp'];
}

// ---------------------------------------------------------------------------------------------
// TURN (RFC 8656)

export interface Credentials {
  username: string;
  password: string;
}

export interface AllocateResult {
  relayed: TransportAddress;
  /** This client as the server sees it. */
  mapped?: TransportAddress;
  lifetime: number;
  /** Round trip of the (authenticated) Allocate that succeeded. */
  rttMs: number;
  realm: string;
}

/**
 * A TURN client on one StunConnection. Long-term credentials: the first request goes without
 * them; the 401 brings REALM and NONCE; the request is repeated with USERNAME, REALM, NONCE and
 * MESSAGE-INTEGRITY. A 438 (stale nonce) is retried once with the new nonce. 401 after
 * credentials, or 441, is `auth-refused`. The password stays in this object's key only.
 */
export class TurnClient {
  private realm?: string;
  private nonce?: Buffer;
  private key?: Buffer;

  constructor(
    readonly conn: StunConnection,
    private readonly credentials: Credentials,
  ) {}

  async allocate(opts: TransactionOptions & { lifetime?: number }): Promise<AllocateResult> {
    const attributes = [attr.requestedTransport(), ...(opts.lifetime !== undefined ? [attr.lifetime(opts.lifetime)] : [])];
    const r = await this.request(Method.Allocate, attributes, opts, 'Allocate');
    const relayed = getAddress(r.response, Attr.XOR_RELAYED_ADDRESS);
    if (!relayed)
      throw new StunClientError('server-error', 'application', 'the Allocate response has no XOR-RELAYED-ADDRESS', {
        code: 'NO_RELAYED_ADDRESS',
      });
    const mapped = getAddress(r.response, Attr.XOR_MAPPED_ADDRESS);
    return {
      relayed,
      ...(mapped ? { mapped } : {}),
      lifetime: getUint32(r.response, Attr.LIFETIME) ?? 0,
      rttMs: r.rttMs,
      realm: this.realm ?? '',
    };
  }

  async createPermission(peers: TransportAddress[], opts: TransactionOptions): Promise<number> {
    const r = await this.request(
      Method.CreatePermission,
      peers.map((p) => attr.xorPeerAddress(p)),
      opts,
      'CreatePermission',
    );
    return r.rttMs;
  }

  /** Refresh; lifetime 0 deletes the allocation. Returns the lifetime granted. */
  async refresh(lifetime: number, opts: TransactionOptions): Promise<number> {
    const r = await this.request(Method.Refresh, [attr.lifetime(lifetime)], opts, 'Refresh');
    return getUint32(r.response, Attr.LIFETIME) ?? lifetime;
  }

  /** Send indication: `data` leaves the relayed address for `peer` (needs a permission). */
  send(peer: TransportAddress, data: Buffer): void {
    this.conn.indicate({ method: Method.Send, cls: 'indication', attributes: [attr.xorPeerAddress(peer), attr.data(data)] });
  }

  /** Data indications: what peers sent to the relayed address. */
  onData(handler: (peer: TransportAddress, data: Buffer) => void): () => void {
    return this.conn.onIndication((m) => {
      if (m.method !== Method.Data) return;
      const peer = getAddress(m, Attr.XOR_PEER_ADDRESS);
      const data = getData(m);
      if (peer && data) handler(peer, data);
    });
  }

  private async request(method: number, attributes: AttributeInput[], opts: TransactionOptions, what: string): Promise<TransactionResult> {
    let staleRetried = false;
    let challenged = false;
    for (;;) {
      const authed = this.key !== undefined && this.realm !== undefined && this.nonce !== undefined;
      const auth = authed ? [attr.username(this.credentials.username), attr.realm(this.realm!), attr.nonce(this.nonce!)] : [];
      const key = this.key;
      // RFC 8489 §9.2.5: once authenticated, a success without valid integrity is not the server's
      // answer (an on-path forgery, or not the server that holds the credentials): discarded.
      // Error responses are read as they come: 438 and 401 arrive without integrity.
      const discard =
        authed && key
          ? (m: StunMessage): DiscardReason | undefined => (m.cls !== 'success' ? undefined : integrityReason(integrityOf(m, key)))
          : undefined;
      const r = await this.conn.transact(
        { method, attributes: [...attributes, attr.software(SOFTWARE), ...auth] },
        { ...(authed ? { integrityKey: this.key! } : {}), fingerprint: true },
        { ...opts, ...(discard ? { discard } : {}) },
      );
      const m = r.response;
      if (m.cls === 'success') return r;
      const info = stunErrorOf(m);
      const newNonce = findAttribute(m, Attr.NONCE)?.value;
      const newRealm = getString(m, Attr.REALM);
      if (info.code === 401 && !authed && !challenged) {
        if (!newRealm || !newNonce)
          throw new StunClientError(
            'server-error',
            'application',
            `${what}: 401 without REALM and NONCE: not the long-term credential mechanism`,
            { code: 'STUN_ERROR', stun: info },
          );
        this.realm = newRealm;
        this.nonce = Buffer.from(newNonce);
        this.key = longTermKey(this.credentials.username, newRealm, this.credentials.password);
        challenged = true;
        continue;
      }
      if (info.code === 401 || info.code === 441) {
        throw new StunClientError(
          'auth-refused',
          'application',
          `${what}: the server refused the credentials of user "${this.credentials.username}" (${info.code} ${info.name})`,
          {
            code: 'AUTH_REFUSED',
            stun: info,
            ...(this.realm !== undefined ? { realm: this.realm } : {}),
          },
        );
      }
      if (info.code === 438 && !staleRetried && newNonce) {
        staleRetried = true;
        this.nonce = Buffer.from(newNonce);
        if (newRealm && newRealm !== this.realm) {
          this.realm = newRealm;
          this.key = longTermKey(this.credentials.username, newRealm, this.credentials.password);
        }
        continue;
      }
      throw namedError(what, info);
    }
  }
}

export interface RelayRoundTripOptions {
  /** Deadline for the whole round trip (all attempts). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Send indications to try before giving up (default 3). */
  attempts?: number;
  /**
   * A UDP STUN address of the TURN server: the peer socket asks it for its own reflexive address,
   * which is where the relay must send (behind NAT the local address means nothing to the relay).
   */
  stunServer?: Endpoint;
  /** IP to assume for the peer when that Binding gets no answer (e.g. the Allocate's mapped IP). */
  fallbackIp?: string;
}

export interface RelayRoundTripResult {
  rttMs: number;
  peer: TransportAddress;
  peerAddressFrom: 'binding' | 'mapped' | 'local';
  attempts: number;
  permissionMs: number;
}

/**
 * Relayed round trip: a UDP peer socket on this host learns its address, the client installs a
 * permission for it, sends a Send indication to it through the relay, the peer echoes the bytes
 * back to the relayed address, and the relay delivers them to the client as a Data indication.
 */
export async function relayRoundTrip(
  turn: TurnClient,
  relayed: TransportAddress,
  opts: RelayRoundTripOptions,
): Promise<RelayRoundTripResult> {
  const t0 = performance.now();
  const left = () => opts.timeoutMs - (performance.now() - t0);
  const signalOpt = opts.signal ? { signal: opts.signal } : {};
  const wildcard = relayed.family === 6 ? '::' : '0.0.0.0';
  const peerConn = await StunConnection.open({
    transport: 'udp',
    address: opts.stunServer?.address ?? (relayed.family === 6 ? '::1' : '127.0.0.1'),
    port: opts.stunServer?.port ?? 9,
    connected: false,
    localAddress: wildcard,
    ...signalOpt,
  });
  const stopEcho = peerConn.onOther((data, from) => {
    if (data.subarray(0, 16).toString('latin1') === 'siteready-relay ') peerConn.sendRaw(data, from);
  });
  let stopData: (() => void) | undefined;
  try {
    const local = peerConn.localAddress()!;
    let peer: TransportAddress | undefined;
    let peerAddressFrom: RelayRoundTripResult['peerAddressFrom'] = 'local';
    if (opts.stunServer) {
      try {
        const b = await bindingRequest(peerConn, {
          timeoutMs: Math.max(200, Math.min(1500, left() / 3)),
          to: opts.stunServer,
          ...signalOpt,
        });
        if (b.mapped) {
          peer = b.mapped;
          peerAddressFrom = 'binding';
        }
      } catch (err) {
        if (opts.signal?.aborted) throw err;
      }
    }
    if (!peer && opts.fallbackIp) {
      peer = { family: isIPv6(opts.fallbackIp) ? 6 : 4, address: opts.fallbackIp, port: local.port };
      peerAddressFrom = 'mapped';
    }
    peer ??= { ...local, address: local.address === wildcard ? (relayed.family === 6 ? '::1' : '127.0.0.1') : local.address };

    const permissionMs = await turn.createPermission([peer], { timeoutMs: Math.max(200, left() / 2), ...signalOpt });
    // Opens this host's firewall/NAT towards the relayed address, so the relay's packets get in.
    peerConn.sendRaw(Buffer.from('siteready-punch'), { address: relayed.address, port: relayed.port });

    const token = randomBytes(8).toString('hex');
    const attempts = Math.max(1, opts.attempts ?? 3);
    const sentAt = new Map<string, number>();
    let attempt = 0;
    const rttMs = await new Promise<number>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (fn: () => void) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = () => done(() => reject(opts.signal!.reason));
      stopData = turn.onData((_from, data) => {
        const at = sentAt.get(data.toString('latin1'));
        if (at !== undefined) done(() => resolve(round(performance.now() - at)));
      });
      const next = () => {
        if (attempt >= attempts || left() <= 0) {
          return done(() =>
            reject(
              new StunClientError(
                'timeout',
                'application',
                `relayed data did not come back through ${formatAddress(relayed)} within ${Math.round(opts.timeoutMs)} ms (${attempt} attempts)`,
                {
                  code: 'RELAY_NO_ANSWER',
                },
              ),
            ),
          );
        }
        attempt++;
        const payload = `siteready-relay ${token} ${attempt}`;
        sentAt.set(payload, performance.now());
        turn.send(peer!, Buffer.from(payload, 'latin1'));
        timer = setTimeout(next, Math.max(50, left() / (attempts - attempt + 1)));
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      next();
    });
    return { rttMs, peer, peerAddressFrom, attempts: attempt, permissionMs };
  } finally {
    stopData?.();
    stopEcho();
    peerConn.close();
  }
}
