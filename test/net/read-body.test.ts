import { describe, expect, it } from 'vitest';
import { readBodyCapped } from '../../src/net/read-body.js';

async function* chunks(sizes: number[]): AsyncGenerator<Buffer> {
  for (const n of sizes) yield Buffer.alloc(n, 0x61);
}

async function* endless(): AsyncGenerator<Buffer> {
  for (;;) yield Buffer.alloc(1024, 0x62);
}

describe('readBodyCapped', () => {
  it('reads a body of exactly the cap whole, and cuts one byte more', async () => {
    expect(await readBodyCapped(chunks([3, 4, 3]), 10)).toEqual({ body: Buffer.alloc(10, 0x61), truncated: false });
    const cut = await readBodyCapped(chunks([3, 4, 4]), 10);
    expect(cut.truncated).toBe(true);
    expect(cut.body.length).toBe(10);
  });

  it('stops reading a body that never ends', async () => {
    const out = await readBodyCapped(endless(), 5000);
    expect(out).toEqual({ body: Buffer.alloc(5000, 0x62), truncated: true });
  });
});
