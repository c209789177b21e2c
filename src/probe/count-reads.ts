// Counting what an accepted socket receives without a Buffer per read. A socket from
// net.connect can be given `onread` (one reused buffer, a callback per read); a socket a server
// accepted cannot, through any public API, and a reflector receiving an upload at 10 Gbit/s would
// otherwise allocate and collect ~19,000 64 KiB Buffers a second (BENCHMARKS.md, Throughput).
// This switches the same mechanism on after the fact, through the fields `onread` itself sets.
// They are Node internals, so their presence is checked first; where they differ, the caller
// counts 'data' events instead, which is slower but just as exact.

import type { Socket } from 'node:net';

/** One buffer for every counting socket: the callback only reads the count, never the bytes. */
const SHARED = Buffer.allocUnsafe(256 * 1024);

interface Internals {
  kBuffer: symbol;
  kBufferCb: symbol;
}

let internals: Internals | null | undefined;

function findInternals(socket: Socket): Internals | null {
  if (internals !== undefined) return internals;
  const symbols = Object.getOwnPropertySymbols(socket);
  const kBuffer = symbols.find((s) => s.description === 'kBuffer');
  const kBufferCb = symbols.find((s) => s.description === 'kBufferCb');
  internals = kBuffer && kBufferCb ? { kBuffer, kBufferCb } : null;
  return internals;
}

/**
 * Calls `onBytes` with the size of every read from now on, and hands the bytes to nobody: after
 * this the socket emits no 'data' (it still emits 'end' and 'close'). Bytes the stream already
 * holds are counted first. Returns false, changing nothing, when the mechanism is not available
 * (or `disabled`, for testing the fallback).
 */
export function countReads(socket: Socket, onBytes: (bytes: number) => void, disabled = false): boolean {
  if (disabled) return false;
  const k = findInternals(socket);
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void } })._handle;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (!k || typeof handle?.useUserBuffer !== 'function' || fields[k.kBuffer]) return false;
  for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) onBytes(chunk.length);
  fields[k.kBuffer] = SHARED;
  fields[k.kBufferCb] = (n: number) => {
    onBytes(n);
    return true;
  };
  handle.useUserBuffer(SHARED);
  // Reads go to the callback now; the stream itself must be flowing for 'end' to be emitted.
  socket.resume();
  return true;
}
