// The example third-party check (examples/plugins/security-headers) in a real assessment: loaded
// from the path a site file names, importing only siteready/plugin, measuring real nginx servers
// (one with the headers, one without), its results judged, scored and shown like a built-in's.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { ROOT, requireTool } from '../helpers/cli.js';
import { assess, hasTool, result, startNginx, tempDir, writeSite, type Nginx, type TempDir } from '../helpers/peers.js';
import { englishReport } from '../helpers/report-text.js';

const available = requireTool(hasTool('nginx'), 'nginx');

describe.skipIf(!available)('the example plugin in a real assessment', () => {
  let tmp: TempDir | undefined;
  let nginx: Nginx | undefined;
  let site: string;

  beforeAll(async () => {
    tmp = await tempDir('sr-plugin-');
    const dir = tmp.path;
    const ca = createCertificateAuthority('siteready plugin CA');
    const leaf = issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
    await writeFile(join(dir, 'ca.pem'), ca.certPem);
    await writeFile(join(dir, 'leaf.crt'), leaf.certPem);
    await writeFile(join(dir, 'leaf.key'), leaf.keyPem);
    const tls = `ssl_certificate ${join(dir, 'leaf.crt')}; ssl_certificate_key ${join(dir, 'leaf.key')};`;
    nginx = await startNginx({
      dir,
      portCount: 2,
      servers: ([hardened, bare]) => `
  server {
    listen 127.0.0.1:${hardened} ssl; ${tls}
    add_header Strict-Transport-Security "max-age=31536000" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "default-src 'self'" always;
    location / { return 200 "ok\\n"; }
  }
  server { listen 127.0.0.1:${bare} ssl; ${tls} location / { return 200 "ok\\n"; } }
`,
    });
    const [hardened, bare] = nginx.ports as [number, number];
    site = await writeSite(dir, {
      site: { name: 'Plugin' },
      plugins: [join(ROOT, 'examples/plugins/security-headers/index.mjs')],
      security: { trust: { caFile: join(dir, 'ca.pem') } },
      platform: {
        endpoints: [
          { name: 'hardened', url: `https://127.0.0.1:${hardened}/` },
          { name: 'bare', url: `https://127.0.0.1:${bare}/` },
        ],
      },
    });
  });

  afterAll(async () => {
    await nginx?.stop();
    await tmp?.remove();
  });

  it('judges each endpoint, with the facts, blocks and catalog it needs to be judged and read again', async () => {
    const run = await assess(site, tmp!.path);
    expect([0, 1]).toContain(run.cli.code);
    const report = await englishReport(run.report);
    const hardened = result(report, 'example/security-headers', 'hardened');
    const bare = result(report, 'example/security-headers', 'bare');
    expect(hardened.status).toBe('pass');
    expect(bare.status).toBe('fail');
    expect(bare.findings.map((f) => f.id)).toEqual([
      'example/security-headers.missing',
      'example/security-headers.missing',
      'example/security-headers.missing',
    ]);
    expect(bare.findings[0]!.text).toMatch(/has no strict-transport-security header/);
    expect(hardened.facts).toMatchObject({ status: 200, headers: { 'x-content-type-options': 'nosniff' } });
    expect(
      (run.report as { results: Array<{ check: string; factsVersion?: number; blocks?: unknown[] }> }).results.find(
        (r) => r.check === 'example/security-headers',
      ),
    ).toMatchObject({ factsVersion: 1, blocks: [expect.objectContaining({ kind: 'table' })] });
    // The plugin's catalog travels with the report, so it reads the same where the plugin is not installed.
    expect((run.report as { catalogs?: Record<string, unknown> }).catalogs?.['example/security-headers']).toBeDefined();
    expect(run.report.checks.find((c) => c.id === 'example/security-headers')).toMatchObject({ category: 'security' });
  });
});
