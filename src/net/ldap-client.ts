// Request/response over an open LDAP connection (plain, LDAPS or after StartTLS), one message at
// a time, under a deadline and the task's AbortSignal. What comes back is framed by its BER
// length, capped in size, and decoded by ldap.ts; anything that is not an LDAP answer becomes a
// PathError (`server-error`, code LDAP_BAD_ANSWER), silence a `timeout`, a hang-up LDAP_CLOSED.

import type { Socket } from 'node:net';
import { PathError } from './classify.js';
import { BerError, NOTICE_OF_DISCONNECTION_OID, decodeResponse, messageLength, type LdapResult } from './ldap.js';

/** Answers to requests this client never sent, tolerated before the server is taken for a broken one. */
const MAX_UNSOLICITED = 8;
/** Bytes of a non-LDAP answer kept as evidence: enough to recognise a protocol ("HTTP/1.1", "SSH-2.0-"), too few to carry an echoed request's credentials. */
const EVIDENCE_BYTES = 8;

/**
 * Sends `request` (message `messageId`) and resolves with the server's answer to it, which must be
 * of the `expect` kind (a BindResponse to a bind, an ExtendedResponse to StartTLS or Who am I).
 */
export function ldapExchange(
  socket: Socket,
  request: Buffer,
  messageId: number,
  expect: 'bind' | 'extended',
  timeoutMs: number,
  signal: AbortSignal,
): Promise<LdapResult> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    let unsolicited = 0;
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
    const notLdap = (why: string, bytes: Buffer) =>
      new PathError('server-error', 'application', `the answer is not LDAP (${why})`, 'LDAP_BAD_ANSWER', undefined, {
        first: bytes.subarray(0, EVIDENCE_BYTES).toString('hex'),
      });
    const timer = setTimeout(
      () => finish(new PathError('timeout', 'application', `no LDAP answer within ${timeoutMs} ms`, 'LDAP_TIMEOUT')),
      timeoutMs,
    );
    const onAbort = () => finish(signal.reason);
    const onError = (err: Error) =>
      finish(new PathError('server-error', 'application', `the connection failed: ${err.message}`, 'LDAP_CLOSED'));
    const onClose = () =>
      finish(new PathError('server-error', 'application', 'the server closed the connection without an LDAP answer', 'LDAP_CLOSED'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let message = buf;
      try {
        for (;;) {
          const n = messageLength(buf);
          if (n === 0) return;
          message = buf.subarray(0, n);
          buf = buf.subarray(n);
          const answer = decodeResponse(message);
          if (answer.messageId === 0 && answer.responseName === NOTICE_OF_DISCONNECTION_OID) {
            return finish(
              new PathError(
                'server-error',
                'application',
                `the server disconnected: ${answer.diagnosticMessage || 'notice of disconnection'}`,
                'LDAP_DISCONNECT',
              ),
            );
          }
          if (answer.messageId === messageId) {
            // An echo of the request, or any answer of the wrong kind, is not the server's result.
            if (answer.op !== expect)
              return finish(notLdap(`message ${messageId} answered with operation ${answer.op}, not a ${expect} response`, message));
            // Listeners off and paused first: unshift on a flowing socket would hand the rest straight back to onData.
            const rest = buf;
            finish(undefined, answer);
            if (rest.length) socket.unshift(rest);
            return;
          }
          if (++unsolicited > MAX_UNSOLICITED)
            return finish(notLdap(`more than ${MAX_UNSOLICITED} answers to requests never sent`, message));
        }
      } catch (err) {
        finish(notLdap(err instanceof BerError ? `${err.kind}: ${err.message}` : String(err), message));
      }
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', onError);
    socket.on('close', onClose);
    // A socket the peer already reset emits no 'close' again: without this the deadline would decide.
    if (socket.destroyed) return onClose();
    socket.on('data', onData);
    socket.resume();
    socket.write(request);
  });
}
