// `siteready report --rejudge`: the facts of a real assessment judged again with an edited site
// file, inside an empty network namespace (no network at all). Exactly the verdicts the new
// thresholds and options imply change; a result whose facts cannot be judged again says so.

import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { ROOT, requireTool, runCli } from '../helpers/cli.js';
import { assess, hasTool, reportValidator, startNginx, tempDir, type Nginx, type TempDir } from '../helpers/peers.js';

const available =
  requireTool(hasTool('nginx'), 'nginx') &&
  requireTool(hasTool('unshare'), 'unshare') &&
  requireTool(process.getuid?.() === 0, 'root (unshare -n)');

interface Result {
  check: string;
  target: string;
  status: string;
  score: number | null;
  factsVersion?: number;
  findings: Array<{ id: string }>;
  error?: { kind: string; message: string };
}
interface Saved {
  results: Result[];
  gate?: { passed: boolean };
  rejudged?: { notRejudged: Array<{ check: string; target: string; reason: string }>; site: { file: string } };
}

describe.skipIf(!available)('report --rejudge, without a network', () => {
  let tmp: TempDir;
  let nginx: Nginx | undefined;
  let listener: Server;
  let base: Record<string, unknown>;
  let saved: Saved;
  let reportPath: string;

  beforeAll(async () => {
    tmp = await tempDir('sr-rejudge-');
    const dir = tmp.path;
    const ca = createCertificateAuthority('siteready rejudge CA');
    const leaf = issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
    await writeFile(join(dir, 'ca.pem'), ca.certPem);
    await writeFile(join(dir, 'leaf.crt'), leaf.certPem);
    await writeFile(join(dir, 'leaf.key'), leaf.keyPem);
    nginx = await startNginx({
      dir,
      portCount: 1,
      servers: ([port]) => `
  server {
    listen 127.0.0.1:${port} ssl; ssl_certificate ${join(dir, 'leaf.crt')}; ssl_certificate_key ${join(dir, 'leaf.key')};
    add_header Strict-Transport-Security "max-age=31536000" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Content-Security-Policy "default-src 'self'" always;
    location / { return 200 "ok\\n"; }
  }`,
    });
    listener = createServer((s) => s.on('error', () => undefined).end());
    const tcpPort = await new Promise<number>((r) =>
      listener.listen(0, '127.0.0.1', () => r((listener.address() as { port: number }).port)),
    );
    base = {
      version: 1,
      site: { name: 'Rejudge' },
      plugins: [join(ROOT, 'examples/plugins/security-headers/index.mjs')],
      security: { trust: { caFile: join(dir, 'ca.pem') } },
      platform: {
        endpoints: [
          { name: 'db', host: '127.0.0.1', port: tcpPort, protocol: 'tcp' },
          { name: 'closed', host: '127.0.0.1', port: 1, protocol: 'tcp' },
          { name: 'web', url: `https://127.0.0.1:${nginx.ports[0]}/` },
        ],
      },
    };
    await writeFile(join(dir, 'site.yaml'), stringify(base));
    const run = await assess(join(dir, 'site.yaml'), dir);
    reportPath = run.reportPath;
    saved = run.report as unknown as Saved;
  });

  afterAll(async () => {
    await nginx?.stop();
    await new Promise((r) => listener?.close(r));
    await tmp?.remove();
  });

  function rejudge(args: string[]) {
    return runCli(['report', reportPath, '--rejudge', ...args], { cwd: tmp.path, prefix: ['unshare', '-n'], timeoutMs: 30_000 });
  }

  it('with a stricter site file: exactly the implied verdicts change, and the gate decides the exit', async () => {
    const stricter = {
      ...base,
      thresholds: { 'tcp.connectMs': 0.001 },
      checks: { 'example/security-headers': { require: ['strict-transport-security', 'referrer-policy'] } },
      gate: { failOn: 'medium' },
    };
    await writeFile(join(tmp.path, 'stricter.yaml'), stringify(stricter));
    const r = await rejudge(['--site', 'stricter.yaml', '-f', 'json=rejudged.json', '--quiet']);
    expect(r.code, r.stderr).toBe(1);
    const again = JSON.parse(await readFile(join(tmp.path, 'rejudged.json'), 'utf8')) as Saved;
    const validate = await reportValidator();
    expect(validate(again), JSON.stringify(validate.errors)).toBe(true);
    const before = (c: string, t: string) => saved.results.find((x) => x.check === c && x.target === t)!;
    const after = (c: string, t: string) => again.results.find((x) => x.check === c && x.target === t)!;
    // The open port was a pass; against a 1 µs target its (unchanged) handshake time is slow.
    expect(before('tcp', 'db').status).toBe('pass');
    expect(after('tcp', 'db')).toMatchObject({ status: 'warn', findings: [{ id: 'tcp.slow' }] });
    // A refused port stays refused: the facts did not change, the verdict has no reason to.
    const ids = (r: Result) => r.findings.map((f) => f.id);
    expect([after('tcp', 'closed').status, ids(after('tcp', 'closed'))]).toEqual([
      before('tcp', 'closed').status,
      ids(before('tcp', 'closed')),
    ]);
    expect(before('tcp', 'closed').status).toBe('fail');
    // The plugin now also wants a Referrer-Policy, which the saved headers do not have.
    expect(before('example/security-headers', 'web').status).toBe('pass');
    expect(after('example/security-headers', 'web')).toMatchObject({
      status: 'warn',
      findings: [{ id: 'example/security-headers.missing' }],
    });
    // Every other result was either judged again the same way, or says it could not be.
    for (const old of saved.results) {
      if (['tcp', 'example/security-headers'].includes(old.check)) continue;
      const now = after(old.check, old.target);
      if (now.error?.kind === 'not-rejudged') {
        expect(again.rejudged!.notRejudged).toContainEqual(expect.objectContaining({ check: old.check, target: old.target }));
      } else {
        expect([old.check, old.target, now.status]).toEqual([old.check, old.target, old.status]);
      }
    }
    expect(again.rejudged!.site.file).toBe('stricter.yaml');
    expect(again.gate?.passed).toBe(false);
  });

  it('facts of another version are not judged again, and the report says which', async () => {
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as Saved;
    report.results.find((x) => x.check === 'tcp' && x.target === 'db')!.factsVersion = 99;
    await writeFile(join(tmp.path, 'old.json'), JSON.stringify(report));
    const r = await runCli(['report', join(tmp.path, 'old.json'), '--rejudge', '--json', '--quiet'], {
      cwd: tmp.path,
      prefix: ['unshare', '-n'],
    });
    expect([0, 1]).toContain(r.code);
    const again = JSON.parse(r.stdout) as Saved;
    expect(again.results.find((x) => x.check === 'tcp' && x.target === 'db')).toMatchObject({
      status: 'error',
      error: { kind: 'not-rejudged', message: expect.stringMatching(/version 99/) },
    });
    expect(again.rejudged!.notRejudged).toContainEqual(expect.objectContaining({ check: 'tcp', target: 'db' }));
  });

  it('--site and --profile without --rejudge are a usage error', async () => {
    const r = await runCli(['report', reportPath, '--site', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/add --rejudge/);
  });
});
