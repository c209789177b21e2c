// The certificate chain exactly as the server sent it. Node's getPeerCertificate(true) gives the
// chain OpenSSL built: reordered by issuer, stripped of certificates that do not fit, and extended
// with anchors from the local trust store, so a misordered or incomplete chain cannot be seen in
// it. Instead the server's handshake bytes are recorded on their way into node:tls and the
// Certificate message is read from them: in the clear up to TLS 1.2, and for TLS 1.3 decrypted
// with the server handshake traffic secret that node:tls reports through its 'keylog' event
// (RFC 8446 §7.1–§7.3, §5.2).

import { createDecipheriv, createHmac, type CipherGCMTypes, type CipherCCMTypes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** Enough for any real handshake flight; recording stops there. */
const MAX_RECORDED_BYTES = 512 * 1024;

const CONTENT = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;
const HANDSHAKE = { certificate: 11, finished: 20 } as const;

/**
 * A pass-through stream between node:tls and the TCP socket that keeps a copy of what the server
 * sends until `stop()`. node:tls reads a plain net.Socket's handle directly, below JavaScript;
 * wrapping it in a Duplex makes the bytes pass through here.
 */
export class HandshakeRecorder extends Duplex {
  private readonly chunks: Buffer[] = [];
  private recorded = 0;
  private recording = true;

  constructor(private readonly inner: Socket) {
    super();
    inner.on('data', (chunk: Buffer) => {
      if (this.recording && this.recorded < MAX_RECORDED_BYTES) {
        this.chunks.push(chunk);
        this.recorded += chunk.length;
      }
      if (!this.push(chunk)) inner.pause();
    });
    inner.once('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.once('close', () => this.destroy());
  }

  /** The server's bytes so far. */
  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  stop(): void {
    this.recording = false;
    this.chunks.length = 0;
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.inner.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop();
    this.inner.destroy();
    callback(error);
  }
}

export interface HandshakeKeys {
  /** getProtocol(): TLSv1.3, TLSv1.2 … */
  protocol: string | null;
  /** getCipher().standardName: TLS_AES_128_GCM_SHA256 … */
  cipher: string | undefined;
  /** 'keylog' lines seen during the handshake (NSS key log format). */
  keylog: string[];
}

export type SentChain = { ok: true; certificates: Buffer[] } | { ok: false; reason: string };

/** The DER certificates of the server's Certificate message, in the order sent. */
export function sentCertificates(received: Buffer, keys: HandshakeKeys): SentChain {
  try {
    const records = readRecords(received);
    const messages = keys.protocol === 'TLSv1.3' ? tls13HandshakeBytes(records, keys) : clearHandshakeBytes(records);
    const certificate = findMessage(messages, HANDSHAKE.certificate);
    if (!certificate) return { ok: false, reason: 'no Certificate message in the server handshake' };
    return { ok: true, certificates: parseCertificateMessage(certificate, keys.protocol === 'TLSv1.3') };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

interface TlsRecord {
  type: number;
  header: Buffer;
  fragment: Buffer;
}

function readRecords(bytes: Buffer): TlsRecord[] {
  const out: TlsRecord[] = [];
  for (let at = 0; at + 5 <= bytes.length;) {
    const length = bytes.readUInt16BE(at + 3);
    if (at + 5 + length > bytes.length) break;
    out.push({ type: bytes[at]!, header: bytes.subarray(at, at + 5), fragment: bytes.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

/** TLS ≤ 1.2: handshake records are in the clear until the server's ChangeCipherSpec. */
function clearHandshakeBytes(records: TlsRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    if (r.type === CONTENT.changeCipherSpec) break;
    if (r.type === CONTENT.handshake) parts.push(r.fragment);
  }
  return Buffer.concat(parts);
}

interface Tls13Suite {
  cipher: CipherGCMTypes | CipherCCMTypes | 'chacha20-poly1305';
  keyLength: number;
  tagLength: number;
  hash: 'sha256' | 'sha384';
}

const TLS13_SUITES: Readonly<Record<string, Tls13Suite>> = {
  TLS_AES_128_GCM_SHA256: { cipher: 'aes-128-gcm', keyLength: 16, tagLength: 16, hash: 'sha256' },
  TLS_AES_256_GCM_SHA384: { cipher: 'aes-256-gcm', keyLength: 32, tagLength: 16, hash: 'sha384' },
  TLS_CHACHA20_POLY1305_SHA256: { cipher: 'chacha20-poly1305', keyLength: 32, tagLength: 16, hash: 'sha256' },
  TLS_AES_128_CCM_SHA256: { cipher: 'aes-128-ccm', keyLength: 16, tagLength: 16, hash: 'sha256' },
  TLS_AES_128_CCM_8_SHA256: { cipher: 'aes-128-ccm', keyLength: 16, tagLength: 8, hash: 'sha256' },
};

/**
 * TLS 1.3: everything after the ServerHello is protected with the server handshake traffic keys,
 * the first protected record with sequence number 0. Plaintext records before it (ServerHello,
 * HelloRetryRequest, a middlebox-compatibility ChangeCipherSpec) are skipped.
 */
function tls13HandshakeBytes(records: TlsRecord[], keys: HandshakeKeys): Buffer {
  const suite = keys.cipher ? TLS13_SUITES[keys.cipher] : undefined;
  if (!suite) throw new Error(`cannot decrypt TLS 1.3 handshake with ${keys.cipher ?? 'an unknown cipher'}`);
  const line = keys.keylog.find((l) => l.startsWith('SERVER_HANDSHAKE_TRAFFIC_SECRET '));
  const secretHex = line?.trim().split(/\s+/)[2];
  if (!secretHex) throw new Error('no server handshake traffic secret in the key log');
  const secret = Buffer.from(secretHex, 'hex');
  const key = hkdfExpandLabel(suite.hash, secret, 'key', suite.keyLength);
  const iv = hkdfExpandLabel(suite.hash, secret, 'iv', 12);

  const parts: Buffer[] = [];
  let seq = 0n;
  for (const r of records) {
    if (r.type !== CONTENT.applicationData) continue;
    const inner = decryptRecord(suite, key, iv, seq++, r);
    // TLSInnerPlaintext: content, then the real content type, then zero padding.
    let end = inner.length;
    while (end > 0 && inner[end - 1] === 0) end--;
    const type = inner[end - 1];
    if (type === CONTENT.handshake) parts.push(inner.subarray(0, end - 1));
    // The Finished message ends the handshake flight; later records use other keys.
    if (type !== CONTENT.handshake || findMessage(Buffer.concat(parts), HANDSHAKE.finished)) break;
  }
  return Buffer.concat(parts);
}

function decryptRecord(suite: Tls13Suite, key: Buffer, iv: Buffer, seq: bigint, record: TlsRecord): Buffer {
  if (record.fragment.length < suite.tagLength) throw new Error('protected record shorter than its tag');
  const nonce = Buffer.from(iv);
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(seq);
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= seqBytes[i]!;
  const body = record.fragment.subarray(0, record.fragment.length - suite.tagLength);
  const tag = record.fragment.subarray(record.fragment.length - suite.tagLength);
  const decipher = createDecipheriv(suite.cipher as CipherGCMTypes, key, nonce, { authTagLength: suite.tagLength });
  decipher.setAuthTag(tag);
  decipher.setAAD(record.header, { plaintextLength: body.length });
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/** RFC 8446 §7.1 HKDF-Expand-Label with an empty context, over RFC 5869 HKDF-Expand. */
function hkdfExpandLabel(hash: 'sha256' | 'sha384', secret: Buffer, label: string, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, fullLabel.length]), fullLabel, Buffer.from([0])]);
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    previous = createHmac(hash, secret)
      .update(previous)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** The body of the first handshake message of `type` in a stream of handshake messages. */
function findMessage(stream: Buffer, type: number): Buffer | undefined {
  for (let at = 0; at + 4 <= stream.length;) {
    const length = stream.readUIntBE(at + 1, 3);
    if (at + 4 + length > stream.length) return undefined;
    if (stream[at] === type) return stream.subarray(at + 4, at + 4 + length);
    at += 4 + length;
  }
  return undefined;
}

/**
 * TLS ≤ 1.2 (RFC 5246 §7.4.2): certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>.
 * TLS 1.3 (RFC 8446 §4.4.2): a request context first, and extensions after every certificate.
 */
function parseCertificateMessage(body: Buffer, tls13: boolean): Buffer[] {
  let at = 0;
  if (tls13) at += 1 + need(body, 0, 1).readUInt8(0);
  const listLength = need(body, at, 3).readUIntBE(at, 3);
  at += 3;
  const end = at + listLength;
  if (end > body.length) throw new Error('Certificate message shorter than its list');
  const certificates: Buffer[] = [];
  while (at < end) {
    const length = need(body, at, 3).readUIntBE(at, 3);
    at += 3;
    if (at + length > end) throw new Error('certificate overruns the Certificate message');
    certificates.push(Buffer.from(body.subarray(at, at + length)));
    at += length;
    if (tls13) at += 2 + need(body, at, 2).readUInt16BE(at);
  }
  return certificates;
}

function need(buf: Buffer, at: number, bytes: number): Buffer {
  if (at + bytes > buf.length) throw new Error('Certificate message is truncated');
  return buf;
}
