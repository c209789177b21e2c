// Idle-timeout survival: hold connections idle for staggered times at once, then see whether the
// flow still works. A firewall or NAT that silently forgets an idle flow gives the client no
// signal at all, so only an application-level probe with a reply deadline can tell; a reset or a
// FIN that arrives on its own is recorded as it happens.

import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { errorSeen, keepErrors } from './dial.js';
import type { OpenedWebSocket } from './websocket.js';

export type IdleFate = 'alive' | 'rst' | 'fin' | 'silent' | 'error';

export interface IdleStepResult {
  holdMs: number;
  fate: IdleFate;
  /** When the connection died on its own during the hold (rst/fin), ms after it went idle. */
  diedAfterMs?: number;
  /** Reply time of the probe after the hold, when alive. */
  replyMs?: number;
  detail?: string;
  /** The error code when it failed (ECONNRESET, WS_ERR_UNEXPECTED_RSV_1, ...). */
  code?: string;
}

/**
 * Holds an open WebSocket idle (no traffic at all, keep-alive off) and then pings it. A connection
 * that has already ended (a bad frame glued to the 101, a reset right after it) is not an idle
 * measurement: it comes back at once as an 'error' step with the reason.
 */
export function holdWebSocket(
  conn: OpenedWebSocket,
  holdMs: number,
  replyTimeoutMs: number,
  signal?: AbortSignal,
): Promise<IdleStepResult> {
  const { ws, opened } = conn;
  return new Promise((resolve) => {
    const t0 = performance.now();
    let settled = false;
    let hold: NodeJS.Timeout | undefined;
    let reply: NodeJS.Timeout | undefined;
    const payload = Buffer.from('siteready-idle');
    let sent = 0;
    const finish = (r: IdleStepResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(hold);
      clearTimeout(reply);
      signal?.removeEventListener('abort', onAbort);
      ws.off('error', onError);
      ws.off('close', onClose);
      ws.off('pong', onPong);
      ws.terminate();
      resolve(r);
    };
    const elapsed = () => Math.round(performance.now() - t0);
    const onAbort = () => finish({ holdMs, fate: 'error', detail: 'aborted' });
    // After the upgrade ws emits 'error' only for frames that break the protocol (WS_ERR_*).
    const onError = (err: NodeJS.ErrnoException) => {
      finish({
        holdMs,
        fate: err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'rst' : 'error',
        diedAfterMs: elapsed(),
        detail: err.message,
        ...(err.code ? { code: err.code } : {}),
      });
    };
    const onClose = (code: number) => {
      // 1006: the connection ended without a closing handshake — a FIN, or a reset. ws swallows
      // socket errors and only reports "closed": the socket itself says whether it was a reset.
      const reset = resetCode(errorSeen(opened.socket));
      finish({ holdMs, fate: reset ? 'rst' : 'fin', diedAfterMs: elapsed(), detail: reset ?? `close ${code}` });
    };
    const onPong = (data: Buffer) => {
      if (data.equals(payload)) finish({ holdMs, fate: 'alive', replyMs: Math.round((performance.now() - sent) * 10) / 10 });
    };
    const gone = conn.ended();
    if (gone) return finish({ holdMs, fate: 'error', diedAfterMs: 0, detail: gone.message, ...(gone.code ? { code: gone.code } : {}) });
    if (signal?.aborted) return onAbort();
    ws.on('error', onError);
    ws.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    hold = setTimeout(() => {
      sent = performance.now();
      ws.on('pong', onPong);
      reply = setTimeout(() => finish({ holdMs, fate: 'silent', detail: `no pong within ${replyTimeoutMs} ms` }), replyTimeoutMs);
      try {
        ws.ping(payload);
      } catch (err) {
        finish({ holdMs, fate: 'rst', detail: String(err) });
      }
    }, holdMs);
  });
}

function resetCode(err: Error | undefined): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' ? code : undefined;
}

export interface IdleVerdict {
  /** Longest hold that survived, and shortest that did not. */
  survivedMs?: number;
  diedMs?: number;
  /** How the shortest failing hold died. */
  death?: IdleFate;
  /** A keep-alive interval that stays under the lower bracket. */
  keepAliveMs?: number;
}

export function bracket(steps: IdleStepResult[]): IdleVerdict {
  const sorted = [...steps].sort((a, b) => a.holdMs - b.holdMs);
  const firstDead = sorted.find((s) => s.fate !== 'alive');
  const alive = sorted.filter((s) => s.fate === 'alive' && (!firstDead || s.holdMs < firstDead.holdMs));
  const survivedMs = alive.at(-1)?.holdMs;
  return {
    ...(survivedMs !== undefined ? { survivedMs } : {}),
    ...(firstDead
      ? {
          diedMs: firstDead.diedAfterMs !== undefined ? Math.min(firstDead.holdMs, firstDead.diedAfterMs) : firstDead.holdMs,
          death: firstDead.fate,
        }
      : {}),
    // The timeout lies somewhere above the longest survived hold: stay safely under it.
    ...(firstDead ? { keepAliveMs: Math.floor(0.8 * (survivedMs ?? firstDead.holdMs / 2)) } : {}),
  };
}

/**
 * Holds a raw stream idle until the far side is due to push `expected` (after `holdMs`), and says
 * whether it arrived: the server→client direction that a forgotten flow breaks first.
 */
export function holdForPush(
  socket: Duplex,
  expected: string,
  holdMs: number,
  replyTimeoutMs: number,
  signal?: AbortSignal,
): Promise<IdleStepResult> {
  keepErrors(socket);
  return new Promise((resolve) => {
    const t0 = performance.now();
    let received = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: IdleStepResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ holdMs, fate: 'error', detail: 'aborted' });
    const onData = (d: Buffer) => {
      received += d.toString('latin1');
      // The far side's timer may fire a little before ours: a push that comes early came at once.
      if (received.includes(expected))
        finish({ holdMs, fate: 'alive', replyMs: Math.max(0, Math.round((performance.now() - t0 - holdMs) * 10) / 10) });
      // Only the push is expected: a stream that keeps sending something else is not it.
      else if (received.length > 64 * 1024)
        finish({
          holdMs,
          fate: 'error',
          diedAfterMs: Math.round(performance.now() - t0),
          detail: 'the stream sent something other than the push',
        });
    };
    const onClose = () => {
      const reset = resetCode(errorSeen(socket));
      finish({ holdMs, fate: reset ? 'rst' : 'fin', diedAfterMs: Math.round(performance.now() - t0), detail: reset ?? 'closed' });
    };
    if (socket.destroyed) return onClose();
    if (signal?.aborted) return onAbort();
    timer = setTimeout(
      () => finish({ holdMs, fate: 'silent', detail: `no push within ${replyTimeoutMs} ms of its time` }),
      holdMs + replyTimeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
