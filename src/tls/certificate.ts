// The certificate side of the TLS audit: one complete handshake with node:tls (the raw-hello
// scanner cannot finish TLS 1.3 or verify a chain), and what it shows — the chain as the server
// sent it, trust against Node's roots plus the site's CAs, the host name, validity, keys,
// signature algorithms and the OCSP staple.

import { X509Certificate } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectionOptions, DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { nodeTls } from '../util/node-builtins.js';
import { PathError, toPathError } from '../net/classify.js';
import { dialTracked } from '../net/dial.js';
import { auditTlsOptions, type AuditOptions, type AuditTarget } from './audit-client.js';
import { isPublicRoot } from './cert-chain.js';
import { isSelfSigned, judgeChain, type ChainVerdict } from './chain-order.js';
import { certificatePublicKeyAlgorithm, certificateSignatureAlgorithm, certificateValidity, curveBits } from './der.js';
import { readOcspStaple } from './ocsp-staple.js';
import { HandshakeRecorder, sentCertificates } from './sent-chain.js';
import type { CertificateFacts, CertificateInChain } from './types.js';

const DAY_MS = 24 * 3600_000;

/**
 * Connects to `target.address`, completes a handshake and describes the certificate. Rejects with
 * a PathError when the connection or the handshake fails (refused, filtered, not TLS, no shared
 * version, no answer in time), or with the signal's reason when aborted.
 */
export async function inspectCertificate(target: AuditTarget, opts: AuditOptions): Promise<CertificateFacts> {
  const t0 = performance.now();
  let handshake: Handshake;
  // An opened stream (a tunnel) under the TLS socket, closed with it.
  let stream: Socket | undefined;
  try {
    const connectTimeoutMs = Math.min(opts.connectTimeoutMs ?? opts.timeoutMs, opts.timeoutMs);
    let raw: Socket;
    let queuedMs = 0;
    if (target.connect) {
      const opened = await target.connect({ connectTimeoutMs, timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      raw = stream = opened.socket;
      queuedMs = opened.queuedMs;
    } else {
      const tracked = dialTracked({
        address: target.address,
        port: target.port,
        connectTimeoutMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      // The dial stops listening for errors once connected; a reset arriving before secureOver
      // takes the socket must not become an unhandled 'error'.
      tracked.socket.on('error', () => undefined);
      raw = (await tracked.ready).socket as Socket;
    }
    const left = Math.max(1, t0 + queuedMs + opts.timeoutMs - performance.now());
    handshake = await secureOver(raw, auditTlsOptions(target, opts.ca), left, opts.signal);
  } catch (err) {
    stream?.destroy();
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw err;
  }
  try {
    return describeHandshake(handshake, target);
  } catch (err) {
    // The handshake finished; what failed is reading the certificate it carried.
    const why = err instanceof Error ? err.message : String(err);
    throw new CertificateUnreadableError(
      `the certificate could not be analysed: ${why}`,
      err instanceof PathError && err.code ? err.code : 'CERTIFICATE_UNREADABLE',
    );
  } finally {
    handshake.socket.destroy();
    stream?.destroy();
  }
}

/** A handshake that completed with a certificate that cannot be described (no certificate, a DER Node cannot load). */
export class CertificateUnreadableError extends PathError {
  constructor(message: string, code: string) {
    super('tls-failure', 'tls', message, code, 'handshake-failure');
    this.name = 'CertificateUnreadableError';
  }
}

interface Handshake {
  socket: TLSSocket;
  recorder: HandshakeRecorder;
  keylog: string[];
  /** The stapled OCSP response; null when the server stapled none. */
  ocsp: Buffer | null;
}

/** TLS over the dialled socket, recording the server's handshake bytes on the way in. */
function secureOver(raw: Socket, options: ConnectionOptions, timeoutMs: number, signal?: AbortSignal): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const recorder = new HandshakeRecorder(raw);
    const keylog: string[] = [];
    let ocsp: Buffer | null = null;
    // tls.connect passes requestOCSP on to the TLSSocket; @types/node lists it only for the latter.
    const connectOptions: ConnectionOptions & { requestOCSP: boolean } = { ...options, requestOCSP: true, socket: recorder };
    const socket = nodeTls().connect(connectOptions);
    // Must be listening before the handshake starts: node:tls only logs keys while someone listens.
    socket.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1')));
    socket.on('OCSPResponse', (response: Buffer | null) => (ocsp = response && response.length ? response : null));
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', finish);
      socket.off('close', onClose);
      if (err === undefined) {
        // From here the caller owns the socket and only reads from it: a late reset must not crash.
        socket.on('error', () => undefined);
        return resolve({ socket, recorder, keylog, ocsp });
      }
      socket.destroy();
      recorder.destroy();
      reject(toPathError(err, 'tls'));
    };
    const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
    const onClose = () => finish(Object.assign(new Error('connection closed during the TLS handshake'), { code: 'ECONNRESET' }));
    const timer = setTimeout(
      () =>
        finish(
          new PathError(
            'tls-failure',
            'tls',
            `TLS handshake did not finish within ${Math.round(timeoutMs)} ms`,
            'TLS_TIMEOUT',
            'handshake-timeout',
          ),
        ),
      timeoutMs,
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => finish());
    socket.on('error', finish);
    socket.once('close', onClose);
  });
}

function describeHandshake(h: Handshake, target: AuditTarget): CertificateFacts {
  const { socket } = h;
  const reconstructed = verifiedChain(socket);
  const leafFromNode = reconstructed[0];
  if (!leafFromNode)
    throw new PathError('tls-failure', 'tls', 'the server sent no certificate', 'NO_PEER_CERTIFICATE', 'handshake-failure');

  const protocol = socket.getProtocol();
  const sent = sentCertificates(h.recorder.received(), { protocol, cipher: socket.getCipher()?.standardName, keylog: h.keylog });
  h.recorder.stop();
  let chain = reconstructed;
  let chainSource: 'sent' | 'reconstructed' = 'reconstructed';
  if (sent.ok) {
    const parsed = parseAll(sent.certificates);
    // The bytes read must be the handshake node:tls verified; anything else is a misreading.
    if (parsed && parsed[0]?.fingerprint256 === leafFromNode.fingerprint256) {
      chain = parsed;
      chainSource = 'sent';
    }
  }
  const leaf = chain[0]!;
  const sentPrints = new Set(chain.map((c) => c.fingerprint256));
  const verdict =
    chainSource === 'sent'
      ? judgeChain(
          chain,
          reconstructed.filter((c) => !sentPrints.has(c.fingerprint256)),
        )
      : judgeReconstructed(reconstructed);

  const checkedName = target.serverName ?? target.host;
  const described = chain.map(describeCertificate);
  const first = described[0]!;
  const notBefore = Date.parse(first.notBefore);
  const notAfter = Date.parse(first.notAfter);
  const now = Date.now();
  const staple = h.ocsp ? readOcspStaple(h.ocsp, leaf.serialNumber) : undefined;
  const authorizationError = socket.authorizationError as unknown;

  return {
    chain: described,
    trusted: socket.authorized,
    ...(!socket.authorized && authorizationError ? { trustError: String(authorizationError) } : {}),
    hostnameMatch: hostnameMatches(leaf, checkedName),
    checkedName,
    subjectAltNames: subjectAltNames(leaf.subjectAltName),
    notBefore: first.notBefore,
    notAfter: first.notAfter,
    // Whole days: negative once expired (-1: a day or more ago), never -0.
    daysLeft: Math.trunc((notAfter - now) / DAY_MS) || 0,
    expired: now > notAfter,
    notYetValid: now < notBefore,
    // RFC 5280 §4.1.2.5: the validity period includes both ends, so a "90-day" certificate runs
    // to 23:59:59 and its lifetime is notAfter − notBefore + 1 s (as the CA/B Forum counts it).
    lifetimeDays: Math.round(((notAfter - notBefore + 1000) / DAY_MS) * 100) / 100,
    ocspStapled: h.ocsp !== null,
    ...(staple ? { ocspStatus: staple.status, ...(staple.nextUpdate ? { ocspNextUpdate: staple.nextUpdate } : {}) } : {}),
    chainComplete: verdict.complete,
    // Node's verified chain ends at the anchor it found: one of its bundled roots, or a site CA.
    publicRoot: isPublicRoot(reconstructed[reconstructed.length - 1]!.fingerprint256),
    chainSource,
    chainIssues: verdict.issues,
    ...(protocol ? { protocol } : {}),
  };
}

/** Node's chain is already in issuer order and may end in a local anchor: only a missing top shows. */
function judgeReconstructed(chain: X509Certificate[]): ChainVerdict {
  const complete = isSelfSigned(chain[chain.length - 1]!);
  return { complete, issues: complete ? [] : ['incomplete'] };
}

/** Node's chain (leaf first, issuer order, possibly ending in a local anchor). */
function verifiedChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

function parseAll(ders: Buffer[]): X509Certificate[] | undefined {
  try {
    return ders.map((d) => new X509Certificate(d));
  } catch {
    return undefined;
  }
}

function describeCertificate(x: X509Certificate): CertificateInChain {
  const signature = certificateSignatureAlgorithm(x.raw);
  const validity = certificateValidity(x.raw);
  const key = keyOf(x);
  return {
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    serialNumber: x.serialNumber,
    notBefore: validity.ok ? validity.value.notBefore : isoDate(x.validFrom),
    notAfter: validity.ok ? validity.value.notAfter : isoDate(x.validTo),
    fingerprint256: x.fingerprint256,
    keyType: key.keyType,
    keyBits: key.bits,
    ...(key.curve ? { curve: key.curve } : {}),
    signatureAlgorithm: signature.ok ? signature.value.name : 'unknown',
    ...(signature.ok && signature.value.hash ? { signatureHash: signature.value.hash } : {}),
    selfSigned: isSelfSigned(x),
    isCA: x.ca,
  };
}

/** OpenSSL's "Jan  1 00:00:00 2030 GMT" as ISO 8601; the text itself when it does not parse. */
function isoDate(text: string): string {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

function keyOf(x: X509Certificate): { keyType: string; bits: number; curve?: string } {
  try {
    const key = x.publicKey;
    const details = key.asymmetricKeyDetails ?? {};
    switch (key.asymmetricKeyType) {
      case 'rsa':
      case 'rsa-pss':
        return { keyType: 'RSA', bits: details.modulusLength ?? 0 };
      case 'dsa':
        return { keyType: 'DSA', bits: details.modulusLength ?? 0 };
      case 'ec': {
        const curve = details.namedCurve ?? 'unknown';
        return { keyType: curve === 'SM2' ? 'SM2' : 'EC', bits: curveBits(curve), curve };
      }
      // The size of the encoded public key, as OpenSSL reports Ed448 (Ed25519: 32 bytes).
      case 'ed25519':
        return { keyType: 'Ed25519', bits: 256 };
      case 'ed448':
        return { keyType: 'Ed448', bits: 456 };
    }
  } catch {
    // Key types Node cannot load: read the SubjectPublicKeyInfo instead.
  }
  // SM2 keys come here: OpenSSL 3 gives them a key type Node has no name for.
  const info = certificatePublicKeyAlgorithm(x.raw);
  if (!info.ok) return { keyType: 'unknown', bits: 0 };
  return { keyType: info.value.keyType, bits: info.value.bits, ...(info.value.curve ? { curve: info.value.curve } : {}) };
}

/**
 * Subject alternative names only: RFC 6125 §6.4.4 and the CA/Browser Forum retired the common
 * name as a host name, and Chromium-based clients (most IM desktop apps) ignore it.
 */
function hostnameMatches(leaf: X509Certificate, name: string): boolean {
  try {
    return isIP(name) ? leaf.checkIP(name) !== undefined : leaf.checkHost(name, { subject: 'never' }) !== undefined;
  } catch {
    return false;
  }
}

/** Node's text form "DNS:a, IP Address:127.0.0.1" (values with separators arrive JSON-quoted). */
export function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|, )([A-Za-z][A-Za-z ]*):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // Keep the quoted text rather than lose the name.
      }
    }
    out.push(`${m[1]}:${value}`);
  }
  return out;
}
