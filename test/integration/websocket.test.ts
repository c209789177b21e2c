// websocket check against real peers: nginx terminating wss with a lab certificate and proxying
// the upgrade to a node `ws` echo server (subprotocol agreed, or refused), an nginx location that
// answers the upgrade with 403, and TCP servers that accept and then never say anything.

import { writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createCertificateAuthority, issueCertificate } from '../../src/lab/cert.js';
import { requireTool } from '../helpers/cli.js';
import {
  assess,
  hasTool,
  reportValidator,
  result,
  startDnsmasq,
  startNginx,
  tempDir,
  writeSite,
  type AssessRun,
  type Dnsmasq,
  type Nginx,
  type TempDir,
} from '../helpers/peers.js';
import { factsSchemaProblems } from '../helpers/facts-schema.js';
import { englishReport } from '../helpers/report-text.js';

const available = requireTool(hasTool('nginx'), 'nginx') && requireTool(hasTool('dnsmasq'), 'dnsmasq');

const TASK_TIMEOUT_MS = 2500;

function listen(server: HttpServer | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

describe.skipIf(!available)('websocket check through nginx', () => {
  let tmp: TempDir | undefined;
  let dns: Dnsmasq | undefined;
  let nginx: Nginx | undefined;
  let upstream: HttpServer | undefined;
  let wss: WebSocketServer | undefined;
  let silent: TcpServer | undefined;
  const silentSockets = new Set<Socket>();
  const upstreamProtocols: string[] = [];
  let run: AssessRun;

  beforeAll(async () => {
    tmp = await tempDir('sr-ws-');
    const dir = tmp.path;
    const ca = createCertificateAuthority('siteready ws CA');
    const leaf = issueCertificate(ca, { commonName: 'ws.sr.test' });
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, ca.certPem);
    await writeFile(join(dir, 'ws.crt'), leaf.certPem);
    await writeFile(join(dir, 'ws.key'), leaf.keyPem);

    // The upstream: echo, and agree to im.v1 except on /noproto (an old server version).
    upstream = createHttpServer((_req, res) => res.writeHead(404).end());
    wss = new WebSocketServer({
      server: upstream,
      handleProtocols: (protocols, req) => {
        upstreamProtocols.push([...protocols].join(','));
        return req.url === '/noproto' ? false : protocols.has('im.v1') ? 'im.v1' : false;
      },
    });
    wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
    const upstreamPort = await listen(upstream);

    // Accepts connections and never sends a byte.
    silent = createTcpServer((s) => {
      silentSockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => silentSockets.delete(s));
    });
    const silentPort = await listen(silent);

    dns = await startDnsmasq({ dir, records: ['--address=/sr.test/127.0.0.1'] });
    nginx = await startNginx({
      dir,
      portCount: 1,
      servers: ([wssPort]) => `
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${wssPort} ssl;
    ssl_certificate ${dir}/ws.crt;
    ssl_certificate_key ${dir}/ws.key;
    location = /forbidden { return 403; }
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 30s;
    }
  }
`,
    });
    const wssPort = nginx.ports[0]!;

    const site = await writeSite(dir, {
      site: { name: 'websocket' },
      network: { dns: { servers: [dns.server], timeoutMs: 2000 } },
      platform: {
        endpoints: [
          { name: 'signalling', role: 'signalling', url: `wss://ws.sr.test:${wssPort}/ws`, subprotocols: ['im.v1'] },
          { name: 'old-server', role: 'signalling', url: `wss://ws.sr.test:${wssPort}/noproto`, subprotocols: ['im.v1'] },
          { name: 'forbidden', role: 'signalling', url: `wss://ws.sr.test:${wssPort}/forbidden`, subprotocols: ['im.v1'] },
          { name: 'silent', role: 'signalling', url: `ws://silent.sr.test:${silentPort}/ws` },
          { name: 'silent-tls', role: 'signalling', url: `wss://silent.sr.test:${silentPort}/ws` },
        ],
      },
      security: { trust: { caFile } },
      checks: { websocket: { timeoutMs: TASK_TIMEOUT_MS, connectTimeoutMs: 2000, pings: 3 } },
    });
    run = await assess(site, dir);
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await dns?.stop();
    for (const s of silentSockets) s.destroy();
    await new Promise<void>((r) => (silent ? silent.close(() => r()) : r()));
    wss?.clients.forEach((c) => c.terminate());
    await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
    upstream?.closeAllConnections();
    await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
    await tmp?.remove();
  });

  it('writes a schema-valid report and exits 0 (no gate)', async () => {
    expect(run.cli.code, run.cli.stderr).toBe(0);
    const validate = await reportValidator();
    expect(validate(run.report), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(await factsSchemaProblems(run.report.results)).toEqual([]);
  });

  it('wss through nginx: ok, subprotocol negotiated, ping/pong measured', () => {
    const r = result(run.report, 'websocket', 'signalling');
    expect(r.status).toMatch(/^(pass|warn)$/);
    expect(r.facts).toMatchObject({ classification: 'ok', protocol: 'im.v1', address: '127.0.0.1' });
    expect(r.facts.tls).toMatchObject({ authorized: true });
    expect(r.facts.pingRttMs).toHaveLength(3);
    expect(r.findings.map((f) => f.id)).not.toContain('websocket.no-subprotocol');
    expect(upstreamProtocols).toContain('im.v1'); // nginx passed Sec-WebSocket-Protocol through
  });

  it('server that agrees to no subprotocol: websocket.no-subprotocol', async () => {
    const r = result(await englishReport(run.report), 'websocket', 'old-server');
    expect(r.status).toBe('fail');
    expect(r.score).toBe(0);
    expect(r.findings).toEqual([expect.objectContaining({ id: 'websocket.no-subprotocol', severity: 'high' })]);
    expect(r.findings[0]!.text).toContain('im.v1');
  });

  it('upgrade answered with 403: http-error', async () => {
    const r = result(await englishReport(run.report), 'websocket', 'forbidden');
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({ classification: 'http-error', failure: { code: 'HTTP_403' } });
    expect(r.findings).toEqual([expect.objectContaining({ id: 'websocket.http-error', severity: 'critical' })]);
    expect(r.findings[0]!.text).toContain('HTTP 403');
  });

  it('silent server (accepts, never answers the upgrade): timeout, reported by the check before its deadline', () => {
    const r = result(run.report, 'websocket', 'silent');
    // Not status "error" (the runner's deadline): the probe has its own upgrade deadline.
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({ classification: 'timeout', failure: { phase: 'application', code: 'WS_UPGRADE_TIMEOUT' } });
    expect(r.findings).toEqual([expect.objectContaining({ id: 'websocket.timeout', severity: 'critical' })]);
    // The TCP path itself is open: the silence is above it.
    expect(result(run.report, 'tcp', 'silent').facts.classification).toBe('ok');
  });

  it('silent server on a wss URL: the TLS handshake never finishes (tls-failure, TLS_TIMEOUT)', () => {
    const r = result(run.report, 'websocket', 'silent-tls');
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('fail');
    expect(r.facts).toMatchObject({ classification: 'tls-failure', failure: { phase: 'tls', code: 'TLS_TIMEOUT' } });
    expect(result(run.report, 'tcp', 'silent-tls').facts.classification).toBe('ok');
  });

  it('the silent peers cost a grade, and the run still finished with a complete report', () => {
    expect(run.report.complete).toBe(true);
    expect(run.report.verdict).toBe('NOT READY');
  });
});
