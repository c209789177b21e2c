// Reading an HTTP body with a cap, for every answer a peer controls: reading stops at the first byte
// past the cap, so a body that never ends (endless chunks, a Content-Length of terabytes) costs
// maxBytes plus one chunk, and a body of exactly maxBytes is not mistaken for a cut one.

export async function readBodyCapped(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const room = maxBytes - size;
    if (b.length > room) {
      chunks.push(b.subarray(0, room));
      size += room;
      return { body: Buffer.concat(chunks, size), truncated: true };
    }
    chunks.push(b);
    size += b.length;
  }
  return { body: Buffer.concat(chunks, size), truncated: false };
}
