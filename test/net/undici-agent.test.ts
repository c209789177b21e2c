// The http checks load undici's Agent without undici's index (111 files): the same class, with
// the request API the checks call, and none of the mocks, caches or interceptors loaded with it.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadAgent } from '../../src/net/undici-agent.js';

describe('loadAgent', () => {
  it("is undici's Agent, with request(), loaded without the rest of undici", async () => {
    const require = createRequire(import.meta.url);
    const mockAgent = require.resolve('undici/lib/mock/mock-agent');
    const before = mockAgent in require.cache;
    const Agent = await loadAgent();
    expect(typeof Agent.prototype.request).toBe('function');
    expect(new Agent({ connections: 1 })).toBeInstanceOf(Agent);
    // Only meaningful in a process that had not loaded undici's index before: then it still has not.
    if (!before) expect(mockAgent in require.cache).toBe(false);
    expect(Agent).toBe(require('undici').Agent);
  });
});
