import { defineConfig } from 'vitest/config';

// The fast part of the suite: judges on fact fixtures, parsers, codecs, scoring, renderers, the
// rule engine — no root, no network namespaces, no servers. `npm test` runs these and the rest.
export default defineConfig({
  test: {
    include: [
      'checks/**/*.test.ts',
      'examples/**/*.test.ts',
      'test/{architecture,testing,i18n,scoring,runner,site,compliance,report,fleet,capacity,quality,tls,net,probe,history}/**/*.test.ts',
    ],
    exclude: [
      'test/report/real-run.test.ts',
      'test/report/report-compare-cli.test.ts',
      'test/report/html.test.ts',
      'test/compliance/cli.test.ts',
      'test/compliance/assess-e2e.test.ts',
      'test/tls/scan-openssl.test.ts',
      'test/tls/certificate.test.ts',
      'test/tls/hsts.test.ts',
      '**/node_modules/**',
    ],
    testTimeout: 30_000,
    // Vendor feeds a developer stored with `siteready platforms update` must not change what tests see.
    env: { SITEREADY_CACHE_DIR: '/nonexistent/siteready-test-cache' },
    pool: 'forks',
  },
});
