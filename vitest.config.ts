import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'checks/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    // Vendor feeds a developer stored with `siteready platforms update` must not change what tests see.
    env: { SITEREADY_CACHE_DIR: '/nonexistent/siteready-test-cache' },
    hookTimeout: 30_000,
    pool: 'forks',
    // Integration tests start servers and namespaces with unique names and ports; they may run in parallel.
    fileParallelism: true,
    reporters: ['default'],
  },
});
