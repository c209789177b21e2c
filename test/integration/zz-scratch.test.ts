import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { tempDir, writeSite } from '../helpers/peers.js';
import { assessWithEnv, startTlsUpstream, startHttpUpstream, startTinyproxy } from '../helpers/proxies.js';
it('scratch', async () => {
  const tmp = await tempDir('sr-scratch-');
  const ca = createCertificateAuthority('siteready proxy-test CA');
  const leaf = issueCertificate(ca, { commonName: 'app.sr.test', dnsNames: ['app.sr.test'], ipAddresses: ['127.0.0.1'] });
  const caFile = join(tmp.path, 'ca.pem');
  await writeFile(caFile, ca.certPem);
  const up = await startTlsUpstream(leaf);
  const plain = await startHttpUpstream();
  const tiny = await startTinyproxy();
  const site = await writeSite(tmp.path, { site: { name: 'x' }, network: { proxy: { url: tiny.url } }, security: { trust: { caFile } }, platform: { endpoints: [
    { name: 'https', role: 'api', url: `https://127.0.0.1:${up.port}/x` },
    { name: 'direct', role: 'api', url: `https://127.0.0.1:${up.port}/x`, via: 'direct' },
    { name: 'plain', role: 'api', url: `http://127.0.0.1:${plain.port}/x` },
  ] } });
  const r = await assessWithEnv(site, tmp.path, 'r.json');
  for (const x of r.report.results) console.log(x.check, x.target, JSON.stringify(x.details), JSON.stringify(x.findings.map(f => [f.id, f.message])));
  console.log(await tiny.log());
  await tiny.stop(); await up.stop(); await plain.stop(); await tmp.remove();
}, 60000);
