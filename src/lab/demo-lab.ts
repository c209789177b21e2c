// The loopback lab behind `siteready demo` (and many tests): real servers on 127.0.0.1 with
// ephemeral ports — a DNS server for the lab zone, an HTTPS API with a WebSocket endpoint
// (certificate from a lab CA generated at start), a plain TCP service, a closed port and a
// STUN/TURN media relay.
// Later capabilities add their services here.

import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { createCertificateAuthority, issueCertificate } from './cert.js';
import { startDnsServer, type RunningDnsServer } from './dns-server.js';
import { randomBytes } from 'node:crypto';
import { startReflector } from '../probe/server.js';
import { startIdleDroppingRelay } from './idle-relay.js';
import { startLabProxy } from './connect-proxy.js';
import { startLabTurnServer } from './turn-server.js';
import { Resolver } from 'node:dns/promises';

export const LAB_ZONE = 'lab.siteready.test';
export const LAB_HOSTS = ['chat', 'api', 'files', 'directory', 'admin', 'probe', 'legacy'].map((h) => `${h}.${LAB_ZONE}`);

export interface DemoLab {
  /** Environment variables the demo site file refers to (ports, CA file, DNS server). */
  env: Record<string, string>;
  caFile: string;
  ports: { https: number; tcp: number; closed: number; dns: number; probe: number; firewall: number; proxy: number; turn: number };
  close(): Promise<void>;
}

export interface DemoLabOptions {
  /** More names the lab's DNS answers (with its own address) and its certificate covers: a platform's probe hosts. */
  extraHosts?: string[];
}

export async function startDemoLab(host = '127.0.0.1', opts: DemoLabOptions = {}): Promise<DemoLab> {
  const served = [...new Set([...LAB_HOSTS, ...(opts.extraHosts ?? [])])];
  const dir = await mkdtemp(join(tmpdir(), 'siteready-lab-'));
  const closers: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const ca = createCertificateAuthority('siteready lab CA', { notAfter: new Date(Date.now() + 2 * 365 * 86_400_000) });
    // A year's validity, like a real server certificate: a short-lived lab certificate would make
    // every demo warn that it is about to expire.
    const leaf = issueCertificate(ca, {
      commonName: `chat.${LAB_ZONE}`,
      dnsNames: [...served, 'localhost'],
      ipAddresses: [host],
      notAfter: new Date(Date.now() + 365 * 86_400_000),
    });
    const caFile = join(dir, 'lab-ca.pem');
    await writeFile(caFile, ca.certPem);

    const dns: RunningDnsServer = await startDnsServer({
      host,
      records: Object.fromEntries(served.map((h) => [h, { A: [host] }])),
    });
    closers.push(() => dns.close());

    const https = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      const url = req.url ?? '/';
      if (url === '/api/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (url === '/login') {
        res.writeHead(302, { location: '/api/health' }).end();
      } else if (url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>lab</title><p>siteready lab</p>');
      } else {
        res.writeHead(404).end();
      }
    });
    const wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has('im.v1') ? 'im.v1' : false),
    });
    wss.on('connection', (ws) => {
      // A client's bad frame is an 'error' on the server's side of the WebSocket.
      ws.on('error', () => undefined);
      ws.on('message', (data, binary) => ws.send(data, { binary }));
    });
    https.on('upgrade', (req, socket, head) => {
      socket.on('error', () => undefined);
      if (req.url !== '/ws') return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    await listen(https, host);
    closers.push(() => closeServer(https, () => wss.close()));

    // A legacy web gateway nobody reconfigured since 2015: TLS 1.0–1.2 only, CBC suites beside
    // GCM, no HSTS. The tls check grades it and names what to change.
    const legacy = createHttpsServer(
      {
        cert: leaf.certPem,
        key: leaf.keyPem,
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0',
      },
      (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>legacy</title><p>legacy gateway</p>'),
    );
    await listen(legacy, host);
    closers.push(() => closeServer(legacy, () => undefined));

    const sockets = new Set<Socket>();
    const tcp = createTcpServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await listen(tcp, host);
    closers.push(() => closeServer(tcp, () => sockets.forEach((s) => s.destroy())));

    // The reflector a site's probe: section points at; its token is fresh for every lab. With the DSCP
    // module built it reads and echoes the marks of QoS probes (loopback keeps them: all preserved).
    const token = randomBytes(24).toString('hex');
    const reflector = await startReflector({ host, port: 0, token });
    closers.push(() => reflector.close());

    // A "branch firewall" in front of the HTTPS/WebSocket server that forgets flows idle for 2 s.
    const firewall = await startIdleDroppingRelay({ host, targetHost: host, targetPort: port(https), idleMs: 2000 });
    closers.push(() => firewall.close());

    const closed = await freePort(host);

    // The corporate proxy: Basic auth, CONNECT only to the platform's ports, names from the lab resolver.
    const resolver = new Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([`${host}:${dns.port}`]);
    const proxyPassword = randomBytes(12).toString('hex');
    const proxy = await startLabProxy({
      host,
      auth: { username: 'lab', password: proxyPassword },
      connectPorts: [port(https), port(tcp), firewall.port],
      resolve: async (name) => (/^[\d.]+$/.test(name) ? name : (await resolver.resolve4(name))[0]!),
    });
    closers.push(() => proxy.close());

    // The media relay: STUN/TURN over UDP and TCP on one port, long-term credentials for user "lab".
    const turnPassword = randomBytes(12).toString('hex');
    const turn = await startLabTurnServer({ host, realm: LAB_ZONE, users: { lab: turnPassword } });
    closers.push(() => turn.close());

    const ports = {
      https: port(https),
      legacyTls: port(legacy),
      tcp: port(tcp),
      closed,
      dns: dns.port,
      probe: reflector.port,
      firewall: firewall.port,
      proxy: proxy.port,
      turn: turn.port,
    };
    return {
      env: {
        SITEREADY_LAB_HTTPS_PORT: String(ports.https),
        SITEREADY_LAB_TCP_PORT: String(ports.tcp),
        SITEREADY_LAB_CLOSED_PORT: String(ports.closed),
        SITEREADY_LAB_DNS: `${host}:${ports.dns}`,
        SITEREADY_LAB_CA: caFile,
        SITEREADY_LAB_PROBE_PORT: String(ports.probe),
        SITEREADY_LAB_TOKEN: token,
        SITEREADY_LAB_FIREWALL_PORT: String(ports.firewall),
        SITEREADY_LAB_PROXY_PORT: String(ports.proxy),
        SITEREADY_LAB_PROXY_PASSWORD: proxyPassword,
        SITEREADY_LAB_TURN_PORT: String(ports.turn),
        SITEREADY_LAB_TURN_PASSWORD: turnPassword,
        SITEREADY_LAB_LEGACY_TLS_PORT: String(ports.legacyTls),
      },
      caFile,
      ports,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function listen(server: HttpsServer | TcpServer, host: string): Promise<void> {
  server.listen(0, host);
  await once(server, 'listening');
  // A listening server's later errors are not worth the demo.
  server.on('error', () => undefined);
}

function port(server: HttpsServer | TcpServer): number {
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('server has no port');
  return a.port;
}

function closeServer(server: HttpsServer | TcpServer, before: () => void): Promise<void> {
  before();
  (server as HttpsServer).closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port that was free a moment ago and has nothing listening: connections to it are refused. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = createTcpServer();
  await listen(s, host);
  const p = port(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return p;
}
