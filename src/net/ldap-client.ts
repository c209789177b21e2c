// Request/response over an open LDAP connection (plain, LDAPS or after StartTLS), one message at
// a time, under a deadline and the task's AbortSignal. What comes back is framed by its BER
// length, capped in size, and decoded by ldap.ts; anything that is not an LDAP answer becomes a
// PathError (`server-error`, code LDAP_BAD_ANSWER), silence a `timeout`, a hang-up LDAP_CLOSED.

import type { Socket } from 'node:net';
import { PathError } from './classify.js';
import { BerError, NOTICE_OF_DISCONNECTION_OID, decodeResponse, messageLength, type LdapResult } from './ldap.js';

export function ldapExchange(socket: Socket, request: Buffer, messageId: number, timeoutMs: number, signal: AbortSignal): Promise<LdapResult> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (err: unknown, value?: LdapResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      // Bytes after the answer are not ours to lose: StartTLS hands this socket to TLS next.
      socket.pause();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => finish(new PathError('timeout', 'application', `no LDAP answer within ${timeoutMs} ms`, 'LDAP_TIMEOUT')), timeoutMs);
    const onAbort = () => finish(signal.reason);
    const onError = (err: Error) => finish(new PathError('server-error', 'application', `the connection failed: ${err.message}`, 'LDAP_CLOSED'));
    const onClose = () => finish(new PathError('server-error', 'application', 'the server closed the connection without an LDAP answer', 'LDAP_CLOSED'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        for (;;) {
          const n = messageLength(buf);
          if (n === 0) return;
          const message = buf.subarray(0, n);
          buf = buf.subarray(n);
          const answer = decodeResponse(message);
          if (answer.messageId === 0 && answer.responseName === NOTICE_OF_DISCONNECTION_OID) {
            return finish(new PathError('server-error', 'application', `the server disconnected: ${answer.diagnosticMessage || 'notice of disconnection'}`, 'LDAP_DISCONNECT'));
          }
          if (answer.messageId === messageId) {
            if (buf.length) socket.unshift(buf);
            return finish(undefined, answer);
          }
          // An answer to something else: keep reading (bounded by the message size cap and the deadline).
        }
      } catch (err) {
        const why = err instanceof BerError ? `${err.kind}: ${err.message}` : String(err);
        finish(new PathError('server-error', 'application', `the answer is not LDAP (${why})`, 'LDAP_BAD_ANSWER', undefined, { first: buf.subarray(0, 16).toString('hex') }));
      }
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.resume();
    socket.write(request);
  });
}
