// SMB2 NEGOTIATE (MS-SMB2 §2.2.3 / §2.2.4) over an open TCP connection to port 445: enough to
// tell a file server that speaks SMB 2/3 (and which dialect, and whether it requires signing)
// from something else on the port. No session is set up and no credentials are sent.

import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { PathError } from './classify.js';

/** Offered dialects, oldest first: 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1. */
const DIALECTS = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];
const MAX_ANSWER = 64 * 1024;

/**
 * Every DialectRevision MS-SMB2 defines (§2.2.4): the five dialects, and 0x02FF, the wildcard a
 * server answers a multi-protocol negotiate with. Anything else is not an SMB2 server's answer.
 */
export const DIALECT_NAMES: Readonly<Record<number, string>> = {
  0x0202: '2.0.2',
  0x0210: '2.1',
  0x0300: '3.0',
  0x0302: '3.0.2',
  0x0311: '3.1.1',
  0x02ff: '2.???',
};
/** SMB2 header (§2.2.1) plus the fixed part of the NEGOTIATE response (§2.2.4: StructureSize 65, one byte of it the variable buffer). */
const RESPONSE_MIN = 64 + 64;
const SMB2_FLAGS_SERVER_TO_REDIR = 0x00000001;

export interface SmbNegotiation {
  dialect: string;
  dialectRevision: number;
  signingRequired: boolean;
}

export function negotiateRequest(): Buffer {
  const header = Buffer.alloc(64);
  header.write('\xfeSMB', 0, 'latin1');
  header.writeUInt16LE(64, 4); // StructureSize
  header.writeUInt16LE(0, 12); // Command: NEGOTIATE
  header.writeUInt16LE(1, 14); // CreditRequest
  const fixed = Buffer.alloc(36);
  fixed.writeUInt16LE(36, 0); // StructureSize
  fixed.writeUInt16LE(DIALECTS.length, 2);
  fixed.writeUInt16LE(0x0001, 4); // SecurityMode: signing enabled
  randomBytes(16).copy(fixed, 12); // ClientGuid
  const dialects = Buffer.alloc(DIALECTS.length * 2);
  DIALECTS.forEach((d, i) => dialects.writeUInt16LE(d, i * 2));
  // 3.1.1 requires a PREAUTH_INTEGRITY_CAPABILITIES context (SHA-512), 8-byte aligned.
  const before = 64 + 36 + dialects.length;
  const pad = Buffer.alloc((8 - (before % 8)) % 8);
  const data = Buffer.alloc(6 + 32);
  data.writeUInt16LE(1, 0); // HashAlgorithmCount
  data.writeUInt16LE(32, 2); // SaltLength
  data.writeUInt16LE(0x0001, 4); // SHA-512
  randomBytes(32).copy(data, 6);
  const ctxHeader = Buffer.alloc(8);
  ctxHeader.writeUInt16LE(0x0001, 0);
  ctxHeader.writeUInt16LE(data.length, 2);
  fixed.writeUInt32LE(before + pad.length, 28); // NegotiateContextOffset
  fixed.writeUInt16LE(1, 32); // NegotiateContextCount
  const smb = Buffer.concat([header, fixed, dialects, pad, ctxHeader, data]);
  const nbss = Buffer.alloc(4);
  nbss.writeUInt32BE(smb.length, 0); // Direct TCP transport: 0x00 + 24-bit length
  return Buffer.concat([nbss, smb]);
}

/** Parses a NEGOTIATE response; throws PathError('server-error') when the answer is not one. */
export function parseNegotiateResponse(frame: Buffer): SmbNegotiation {
  const bad = (why: string) =>
    new PathError('server-error', 'application', `not an SMB2 answer: ${why}`, 'SMB_BAD_ANSWER', undefined, {
      first: frame.subarray(0, 8).toString('hex'),
    });
  if (frame.length >= 4 && frame[0] === 0xff && frame.toString('latin1', 1, 4) === 'SMB') {
    throw new PathError('server-error', 'application', 'the server answered in SMB1 only', 'SMB1_ONLY');
  }
  if (frame.length < 64 || frame[0] !== 0xfe || frame.toString('latin1', 1, 4) !== 'SMB') throw bad('no SMB2 header');
  if (frame.readUInt16LE(4) !== 64) throw bad(`header StructureSize ${frame.readUInt16LE(4)}, not 64`);
  if (frame.readUInt16LE(12) !== 0) throw bad('not a NEGOTIATE response');
  if ((frame.readUInt32LE(16) & SMB2_FLAGS_SERVER_TO_REDIR) === 0) throw bad('a request, not a response (SERVER_TO_REDIR flag not set)');
  const status = frame.readUInt32LE(8);
  if (status !== 0)
    throw new PathError(
      'server-error',
      'application',
      `NEGOTIATE refused with status 0x${status.toString(16).padStart(8, '0')}`,
      'SMB_STATUS',
    );
  if (frame.length < RESPONSE_MIN) throw bad(`a NEGOTIATE response cut short (${frame.length} bytes, at least ${RESPONSE_MIN} needed)`);
  if (frame.readUInt16LE(64) !== 65) throw bad(`NEGOTIATE response StructureSize ${frame.readUInt16LE(64)}, not 65`);
  const securityMode = frame.readUInt16LE(64 + 2);
  const dialectRevision = frame.readUInt16LE(64 + 4);
  const dialect = DIALECT_NAMES[dialectRevision];
  if (dialect === undefined) {
    throw new PathError(
      'server-error',
      'application',
      `not an SMB2 answer: dialect 0x${dialectRevision.toString(16).padStart(4, '0')} is none that MS-SMB2 defines`,
      'SMB_BAD_DIALECT',
      undefined,
      { dialectRevision: `0x${dialectRevision.toString(16).padStart(4, '0')}` },
    );
  }
  return { dialect, dialectRevision, signingRequired: (securityMode & 0x0002) !== 0 };
}

/** Sends NEGOTIATE and reads one framed answer, bounded in size and time. */
export function smbNegotiate(socket: Socket, timeoutMs: number, signal: AbortSignal): Promise<SmbNegotiation> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (err: unknown, value?: SmbNegotiation) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(new PathError('timeout', 'application', `no answer to SMB2 NEGOTIATE within ${timeoutMs} ms`, 'SMB_TIMEOUT')),
      timeoutMs,
    );
    const onAbort = () => finish(signal.reason);
    const onEnd = () =>
      finish(
        new PathError(
          'server-error',
          'application',
          'the server closed the connection without answering SMB2 NEGOTIATE (SMB1 only, or not SMB)',
          'SMB_CLOSED',
        ),
      );
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      // NBSS keepalives (type 0x85, length 0) may precede the answer; a stream of them is bounded by the deadline.
      while (buf.length >= 4 && buf[0] === 0x85 && (buf.readUInt32BE(0) & 0xffffff) === 0) buf = buf.subarray(4);
      if (buf.length < 4) return;
      // An SMB1 server may answer without the 0x00 NBSS type byte; anything else is not SMB.
      if (buf[0] !== 0x00)
        return finish(
          new PathError('server-error', 'application', 'the answer is not an SMB frame', 'SMB_BAD_ANSWER', undefined, {
            first: buf.subarray(0, 8).toString('hex'),
          }),
        );
      const length = buf.readUInt32BE(0) & 0xffffff;
      if (length > MAX_ANSWER)
        return finish(new PathError('server-error', 'application', `an SMB frame of ${length} bytes`, 'SMB_BAD_ANSWER'));
      if (buf.length < 4 + length) return;
      try {
        finish(undefined, parseNegotiateResponse(buf.subarray(4, 4 + length)));
      } catch (err) {
        finish(err);
      }
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', onEnd);
    socket.on('close', onEnd);
    // A socket the peer already reset emits no 'close' again: without this the deadline would decide.
    if (socket.destroyed) return onEnd();
    socket.on('data', onData);
    socket.write(negotiateRequest());
  });
}
