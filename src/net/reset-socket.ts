// Closing a TCP stream whose unsent data no longer matters.

import type { Socket } from 'node:net';

/**
 * Closes with a reset (SO_LINGER 0), dropping what the kernel still holds to send; false when the
 * socket has no TCP handle to reset (the caller closes it another way).
 */
export function resetSocket(socket: Socket): boolean {
  try {
    socket.resetAndDestroy();
    return true;
  } catch {
    return false;
  }
}
