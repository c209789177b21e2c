#!/usr/bin/env node
// `assess` of a generated site whose endpoints sit on three local services: an HTTPS server, a
// plain TCP server and an HTTPS server that upgrades WebSockets (see gen-site.mjs --local). Every
// https endpoint is on the first server, every wss one on the third, so the TLS work of a run is
// two servers' worth however many endpoints there are — if audits are shared per server.
//
// Reported per round: wall time of `node <cli> assess <site> --format json --quiet` (spawn to
// exit) and the TCP connections each TLS server accepted (each one a ClientHello: a raw hello, a
// finished handshake, an HTTPS request or a WebSocket upgrade). Then the median of each.
//
// Usage: node bench/audit-dedup.mjs [--endpoints N] [--rounds N] [--cli path/to/siteready.js]
// Needs a built CLI (`npx tsc -p .`).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { writeSite } from './gen-site.mjs';
import { summarize } from './lib/common.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const { createCertificateAuthority, issueCertificate } = await import(join(ROOT, 'dist', 'src', 'lab', 'cert.js'));

const args = process.argv.slice(2);
let endpoints = 1000;
let rounds = 3;
let cli = join(ROOT, 'bin', 'siteready.js');
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--endpoints') endpoints = Number(args[++i]);
  else if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--cli') cli = resolve(args[++i]);
  else {
    process.stderr.write('usage: node bench/audit-dedup.mjs [--endpoints N] [--rounds N] [--cli path/to/siteready.js]\n');
    process.exit(2);
  }
}

const ca = createCertificateAuthority('bench CA');
const leaf = issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
const tlsOptions = { key: leaf.keyPem, cert: `${leaf.certPem}${ca.certPem}` };

function listen(server) {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
}
function counted(server) {
  const c = { n: 0 };
  server.on('connection', () => c.n++);
  return c;
}

const https = createHttpsServer(tlsOptions, (_req, res) => res.end('ok'));
const wssServer = createHttpsServer(tlsOptions, (_req, res) => res.end('ok'));
new WebSocketServer({ server: wssServer });
const tcp = createTcpServer((s) => s.on('error', () => undefined).end());
for (const s of [https, wssServer]) s.on('tlsClientError', () => undefined);
const httpsCount = counted(https);
const wssCount = counted(wssServer);
const ports = { https: await listen(https), tcp: await listen(tcp), wss: await listen(wssServer) };

const dir = mkdtempSync(join(tmpdir(), 'sr-bench-'));
const site = writeSite(join(dir, 'site.yaml'), endpoints, ports);
const times = [];
const conns = [];
try {
  for (let r = 0; r < rounds; r++) {
    httpsCount.n = 0;
    wssCount.n = 0;
    const t0 = performance.now();
    // Not spawnSync: the servers live in this process and must keep serving while the CLI runs.
    const code = await new Promise((done) => {
      const child = spawn(process.execPath, [cli, 'assess', site, '--format', 'json', '--quiet', '--out', join(dir, 'r.json')], {
        cwd: dir,
        stdio: 'ignore',
      });
      child.on('exit', (c) => done(c));
    });
    const ms = performance.now() - t0;
    times.push(ms);
    conns.push(httpsCount.n + wssCount.n);
    process.stdout.write(
      `round ${r + 1}: ${(ms / 1000).toFixed(2)} s, exit ${code}, TLS connections: https ${httpsCount.n}, wss ${wssCount.n}\n`,
    );
  }
  const t = summarize(times);
  const c = summarize(conns);
  process.stdout.write(`median: ${(t.median / 1000).toFixed(2)} s; TLS connections (median): ${c.median}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  https.close();
  wssServer.close();
  tcp.close();
}
