#!/usr/bin/env node
// Does `assess` grow with the servers a site has, or with its endpoints? Two sites on the same
// loopback HTTPS server: one endpoint, and N endpoints (different paths, one address and port).
// With per-server work shared (one TLS audit, one chain fetch per server), N endpoints cost N
// HTTP requests and N small results more than one endpoint — not N audits.
//
// Each round runs both sites once, in alternating order, as `node <cli> assess <site> --format
// json --quiet` with every default check (spawn to exit: the CLI's start is in both). Reported:
// the median wall time of each, their ratio (the anchor is the one-endpoint site, measured in the
// same run), and the TLS connections the server accepted per run.
//
// Usage: node bench/endpoint-scale.mjs [--endpoints N] [--rounds N] [--cli path/to/siteready.js]
// Needs a built CLI (`npm run build`).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchArgs, gitCommit, summarize, table } from './lib/common.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const { createCertificateAuthority, issueCertificate } = await import(join(ROOT, 'dist', 'src', 'lab', 'cert.js'));

function usage(msg) {
  if (msg) process.stderr.write(`endpoint-scale: ${msg}\n`);
  process.stderr.write('usage: node bench/endpoint-scale.mjs [--endpoints N] [--rounds N] [--cli path/to/siteready.js]\n');
  process.exit(msg ? 2 : 0);
}
const opts = benchArgs(process.argv.slice(2), usage, {
  endpoints: { default: 100, min: 2 },
  rounds: { default: 5, min: 1 },
  cli: { default: join(ROOT, 'bin', 'siteready.js'), parse: (raw) => resolve(raw) },
});
const { endpoints, rounds, cli } = opts;

const ca = createCertificateAuthority('bench CA');
const leaf = issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
const server = createServer({ key: leaf.keyPem, cert: `${leaf.certPem}${ca.certPem}` }, (_req, res) => res.end('ok'));
server.on('tlsClientError', () => undefined);
let accepted = 0;
server.on('connection', (s) => {
  accepted++;
  s.on('error', () => undefined);
});
const port = await new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));

const dir = mkdtempSync(join(tmpdir(), 'sr-scale-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, ca.certPem);
function site(n) {
  const lines = [
    'version: 1',
    'site:',
    `  name: Scale ${n}`,
    'security:',
    '  trust:',
    `    caFile: ${caFile}`,
    'platform:',
    '  name: Bench IM',
    '  endpoints:',
  ];
  for (let i = 0; i < n; i++) lines.push(`    - name: ep-${i}`, '      role: api', `      url: https://127.0.0.1:${port}/h${i}`);
  const path = join(dir, `site-${n}.yaml`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
const sites = { 1: site(1), [endpoints]: site(endpoints) };

async function assess(n) {
  accepted = 0;
  const t0 = performance.now();
  // Not spawnSync: the server lives in this process and must keep serving while the CLI runs.
  const code = await new Promise((done) => {
    const child = spawn(process.execPath, [cli, 'assess', sites[n], '--format', 'json', '--quiet', '--out', join(dir, `r-${n}.json`)], {
      cwd: dir,
      stdio: 'ignore',
    });
    child.on('exit', (c) => done(c));
  });
  return { ms: performance.now() - t0, code, connections: accepted };
}

const samples = { 1: [], [endpoints]: [] };
const conns = { 1: [], [endpoints]: [] };
const load = [loadavg()[0]];
try {
  await assess(1); // warm-up: page cache, compiled code
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [endpoints, 1] : [1, endpoints];
    for (const n of order) {
      const s = await assess(n);
      samples[n].push(s.ms);
      conns[n].push(s.connections);
      process.stdout.write(
        `round ${r + 1}: ${n} endpoint(s) ${(s.ms / 1000).toFixed(2)} s, exit ${s.code}, TLS connections ${s.connections}\n`,
      );
    }
  }
  load.push(loadavg()[0]);
  const one = summarize(samples[1]);
  const many = summarize(samples[endpoints]);
  process.stdout.write(
    `\ncommit ${gitCommit() ?? '?'}, Node ${process.version}, load ${load.map((l) => l.toFixed(1)).join(' → ')}\n\n` +
      table(
        ['site', 'runs', 'wall ms (median)', 'min–max', 'TLS connections', 'ratio to 1 endpoint'],
        ['l', 'r', 'r', 'r', 'r', 'r'],
        [
          [
            '1 endpoint (anchor)',
            rounds,
            Math.round(one.median),
            `${Math.round(one.min)}–${Math.round(one.max)}`,
            summarize(conns[1]).median,
            '1.00×',
          ],
          [
            `${endpoints} endpoints, one server`,
            rounds,
            Math.round(many.median),
            `${Math.round(many.min)}–${Math.round(many.max)}`,
            summarize(conns[endpoints]).median,
            `**${(many.median / one.median).toFixed(2)}×**`,
          ],
        ],
      ) +
      '\n',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  server.close();
}
