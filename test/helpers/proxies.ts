// Real HTTP proxies for the proxy / PAC / interception integration tests — tinyproxy and squid
// started in the foreground with generated configs in their own temp dirs — plus the small node
// peers those tests need around them: TLS (+ WebSocket) and plain-HTTP upstreams with lab
// certificates, a proxy that only offers NTLM/Negotiate, a PAC file server, and a dnsmasq on
// port 53 of a private loopback address (squid cannot be told another resolver port).
//
// Every starter returns a handle whose stop() is safe to call twice; tests call it in afterAll.

import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { Resolver } from 'node:dns/promises';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { KeyAndCert } from '../../src/lab/cert.js';
import { runCli, type CliResult } from './cli.js';
import { freePort, startProcess, waitForTcp, type Peer, type Report } from './peers.js';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Environment with every proxy variable removed: a developer's own HTTPS_PROXY must not leak into a test. */
export const NO_PROXY_ENV: NodeJS.ProcessEnv = {
  HTTP_PROXY: undefined,
  HTTPS_PROXY: undefined,
  NO_PROXY: undefined,
  http_proxy: undefined,
  https_proxy: undefined,
  no_proxy: undefined,
  ALL_PROXY: undefined,
  all_proxy: undefined,
};

const BIND_FAILURE = /in use|bind\(\)|cannot bind|could not bind|unable to bind|failed to create listening socket/i;

async function retryOnBind<T>(attempts: number, start: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await start();
    } catch (err) {
      last = err;
      if (!BIND_FAILURE.test(String((err as Error).message))) throw err;
    }
  }
  throw last;
}

export interface ProxyPeer {
  port: number;
  /** http://127.0.0.1:port (without credentials). */
  url: string;
  dir: string;
  /** What the proxy logged so far (tinyproxy: its stderr; squid: access.log). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

function stopper(peer: Peer, dir: string): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      await peer.stop();
      await rm(dir, { recursive: true, force: true });
    })());
}

// ---------------------------------------------------------------------------------------------
// tinyproxy

export interface TinyproxyOptions {
  /** `BasicAuth user password`: tinyproxy then wants Proxy-Authorization for everything. */
  basicAuth?: { user: string; password: string };
  /** `ConnectPort` lines: CONNECT only to these ports (none: any port). */
  connectPorts?: number[];
}

export async function startTinyproxy(opts: TinyproxyOptions = {}): Promise<ProxyPeer> {
  return retryOnBind(5, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sr-tinyproxy-'));
    const port = await freePort();
    const conf = join(dir, 'tinyproxy.conf');
    await writeFile(
      conf,
      [
        `Port ${port}`,
        'Listen 127.0.0.1',
        'Timeout 30',
        'MaxClients 100',
        'LogLevel Info',
        ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`] : []),
        ...(opts.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
        '',
      ].join('\n'),
    );
    let peer: Peer;
    try {
      peer = await startProcess('tinyproxy', ['-d', '-c', conf], {
        name: 'tinyproxy',
        ready: () =>
          waitForTcp('127.0.0.1', port, 200).then(
            () => true,
            () => false,
          ),
      });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return { port, url: `http://127.0.0.1:${port}`, dir, log: async () => peer.output(), stop: stopper(peer, dir) };
  });
}

// ---------------------------------------------------------------------------------------------
// squid

export interface SquidOptions {
  /** `acl SSL_ports port …` + `http_access deny CONNECT !SSL_ports` (absent: CONNECT to any port). */
  sslPorts?: number[];
  /** basic_ncsa_auth with an htpasswd file made by `openssl passwd -apr1`. */
  basicAuth?: { user: string; password: string };
  /** `dns_nameservers` (an address only: squid always asks port 53). Default 127.0.0.1. */
  dnsServer?: string;
  /** Names squid resolves from its own hosts_file, before any DNS. */
  hosts?: Record<string, string>;
  connectTimeoutS?: number;
}

const NCSA_AUTH = ['/usr/lib/squid/basic_ncsa_auth', '/usr/lib64/squid/basic_ncsa_auth', '/usr/libexec/squid/basic_ncsa_auth'];

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) {
    if (
      await access(p, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return p;
  }
  return undefined;
}

/** `user:$apr1$…` from `openssl passwd -apr1 -stdin` (the password never appears in argv). */
async function htpasswdLine(user: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['passwd', '-apr1', '-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(`${user}:${out.trim()}`) : reject(new Error(`openssl passwd exited ${code}: ${err}`)),
    );
    child.stdin.end(`${password}\n`);
  });
}

/** The user squid switches to when started as root (Debian: proxy). */
const SQUID_USER = 'proxy';

async function squidUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (!isRoot()) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith(`${SQUID_USER}:`));
  if (!line) throw new Error(`squid runs as "${SQUID_USER}" when started as root, and there is no such user`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startSquid(opts: SquidOptions = {}): Promise<ProxyPeer> {
  const auth = opts.basicAuth ? await firstExisting(NCSA_AUTH) : undefined;
  if (opts.basicAuth && !auth) throw new Error(`basic_ncsa_auth not found (looked in ${NCSA_AUTH.join(', ')})`);
  const ids = await squidUserIds();
  return retryOnBind(5, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sr-squid-'));
    const port = await freePort();
    const lines = [
      `http_port 127.0.0.1:${port}`,
      `pid_filename ${dir}/squid.pid`,
      `cache_log ${dir}/cache.log`,
      `access_log stdio:${dir}/access.log`,
      'cache_store_log none',
      // No cache_dir: nothing on disk. Memory cache off too: every request goes upstream.
      'cache deny all',
      'cache_mem 4 MB',
      `coredump_dir ${dir}`,
      'visible_hostname siteready-test-squid',
      'pinger_enable off',
      'shutdown_lifetime 0 seconds',
      `connect_timeout ${opts.connectTimeoutS ?? 5} seconds`,
      `dns_nameservers ${opts.dnsServer ?? '127.0.0.1'}`,
      `hosts_file ${opts.hosts ? `${dir}/hosts` : 'none'}`,
      ...(ids ? [`cache_effective_user ${SQUID_USER}`] : []),
      'acl CONNECT method CONNECT',
    ];
    if (opts.basicAuth) {
      lines.push(
        `auth_param basic program ${auth} ${dir}/htpasswd`,
        'auth_param basic children 2 startup=1 idle=1',
        'auth_param basic realm siteready-test',
        'acl authenticated proxy_auth REQUIRED',
      );
    }
    if (opts.sslPorts) lines.push(`acl SSL_ports port ${opts.sslPorts.join(' ')}`, 'http_access deny CONNECT !SSL_ports');
    if (opts.basicAuth) lines.push('http_access deny !authenticated');
    // It listens on loopback only: whoever reaches it may use it.
    lines.push('http_access allow all', '');
    await writeFile(join(dir, 'squid.conf'), lines.join('\n'));
    if (opts.hosts)
      await writeFile(
        join(dir, 'hosts'),
        Object.entries(opts.hosts)
          .map(([name, ip]) => `${ip} ${name}`)
          .join('\n') + '\n',
      );
    if (opts.basicAuth) await writeFile(join(dir, 'htpasswd'), `${await htpasswdLine(opts.basicAuth.user, opts.basicAuth.password)}\n`);
    if (ids) {
      // Started as root, squid writes its logs and pid file (and runs its helpers) as SQUID_USER.
      await chmod(dir, 0o750);
      for (const f of ['', 'squid.conf', ...(opts.hosts ? ['hosts'] : []), ...(opts.basicAuth ? ['htpasswd'] : [])])
        await chown(join(dir, f), ids.uid, ids.gid);
    }
    let peer: Peer;
    try {
      peer = await startProcess('squid', ['-N', '-d', '1', '-f', join(dir, 'squid.conf')], {
        name: 'squid',
        timeoutMs: 20_000,
        ready: () =>
          waitForTcp('127.0.0.1', port, 200).then(
            () => true,
            () => false,
          ),
      });
    } catch (err) {
      const log = await readFile(join(dir, 'cache.log'), 'utf8').catch(() => '');
      await rm(dir, { recursive: true, force: true });
      throw new Error(`${(err as Error).message}\n${log}`, { cause: err });
    }
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      dir,
      log: () => readFile(join(dir, 'access.log'), 'utf8').catch(() => ''),
      stop: stopper(peer, dir),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// dnsmasq on <private loopback address>:53, for squid (dns_nameservers takes no port)

export interface Dns53 {
  /** 127.x.y.z: for squid's dns_nameservers and for network.dns.servers. */
  address: string;
  stop(): Promise<void>;
}

/**
 * Port 53 needs root. A random 127.53.0.0/16 address keeps parallel test files (and any resolver
 * on 127.0.0.1:53 or 127.0.0.53:53) out of each other's way; Linux routes all of 127/8 to lo.
 */
export async function startDns53(opts: { records: string[]; local?: string[] }): Promise<Dns53> {
  return retryOnBind(5, async () => {
    const address = `127.53.${randomInt(1, 255)}.${randomInt(1, 255)}`;
    const dir = await mkdtemp(join(tmpdir(), 'sr-dns53-'));
    let peer: Peer;
    try {
      peer = await startProcess(
        'dnsmasq',
        [
          '--no-daemon',
          '--conf-file=/dev/null',
          '--no-resolv',
          '--no-hosts',
          '--port=53',
          `--listen-address=${address}`,
          '--bind-interfaces',
          '--cache-size=0',
          `--pid-file=${join(dir, 'dnsmasq.pid')}`,
          ...(opts.local ?? ['/test/']).map((d) => `--local=${d}`),
          ...opts.records,
          '--log-queries',
          `--log-facility=${join(dir, 'dnsmasq.log')}`,
        ],
        {
          name: 'dnsmasq :53',
          ready: async () => {
            const r = new Resolver({ timeout: 200, tries: 1 });
            r.setServers([address]);
            try {
              await r.resolve4('ready.probe.invalid');
              return true;
            } catch (err) {
              const code = (err as { code?: string }).code;
              return code === 'ENOTFOUND' || code === 'EREFUSED';
            }
          },
        },
      );
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return { address, stop: stopper(peer, dir) };
  });
}

// ---------------------------------------------------------------------------------------------
// Node peers

export function listen(server: HttpServer | HttpsServer | TcpServer, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

function closer(server: HttpServer | HttpsServer | TcpServer, sockets: Set<Socket>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
}

function track(server: HttpServer | HttpsServer | TcpServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface Upstream {
  port: number;
  /** Requests (and WebSocket upgrades) the server saw. */
  requests: SeenRequest[];
  stop(): Promise<void>;
}

/**
 * An HTTPS server with `cert` answering 200 on every path, and a WebSocket echo on /ws (same
 * port): the platform behind the proxy.
 */
export async function startTlsUpstream(cert: KeyAndCert, host = '127.0.0.1'): Promise<Upstream> {
  const requests: SeenRequest[] = [];
  const server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem, ALPNProtocols: ['http/1.1'] }, (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('upstream ok\n');
  });
  server.on('tlsClientError', () => undefined);
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    requests.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers });
    if (req.url !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  });
  const port = await listen(server, host);
  const stopServer = closer(server, sockets);
  return {
    port,
    requests,
    stop: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await stopServer();
    },
  };
}

/** Plain HTTP: 200 on every path, recording what it was asked (a proxy adds Via). */
export async function startHttpUpstream(host = '127.0.0.1'): Promise<Upstream> {
  const requests: SeenRequest[] = [];
  const server = createHttpServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain' }).end('plain ok\n');
  });
  const sockets = track(server);
  const port = await listen(server, host);
  return { port, requests, stop: closer(server, sockets) };
}

export interface SmallServer {
  port: number;
  url: string;
  /** How many connections / requests it got. */
  hits(): number;
  stop(): Promise<void>;
}

/**
 * A proxy that answers every request (CONNECT or not) with 407 and offers only NTLM and
 * Negotiate — what a Windows-integrated corporate proxy looks like to a client without SSPI.
 */
export async function startNtlmOnlyProxy(): Promise<SmallServer> {
  let hits = 0;
  const server = createTcpServer((socket) => {
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (!buf.includes('\r\n\r\n')) return;
      hits++;
      buf = '';
      const body = 'Proxy authentication required\n';
      socket.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\n' +
          'Server: corp-gateway\r\n' +
          'Proxy-Authenticate: NTLM\r\n' +
          'Proxy-Authenticate: Negotiate\r\n' +
          'Content-Type: text/plain\r\n' +
          `Content-Length: ${body.length}\r\n` +
          'Connection: close\r\n\r\n' +
          body,
      );
    });
  });
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, hits: () => hits, stop: closer(server, sockets) };
}

/** Serves `files` (path → body) over plain HTTP, as a PAC server would (application/x-ns-proxy-autoconfig). */
export async function startFileServer(files: Record<string, string>): Promise<SmallServer> {
  let hits = 0;
  const server = createHttpServer((req, res) => {
    hits++;
    const body = files[req.url ?? ''];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/x-ns-proxy-autoconfig' }).end(body);
  });
  const sockets = track(server);
  const port = await listen(server);
  return { port, url: `http://127.0.0.1:${port}`, hits: () => hits, stop: closer(server, sockets) };
}

// ---------------------------------------------------------------------------------------------
// The CLI with an environment

export interface EnvRun {
  cli: CliResult;
  report: Report;
  /** The report file's bytes, for "the secret is nowhere" checks. */
  text: string;
}

export interface AssessOptions {
  /** Added to the environment, after every proxy variable has been cleared. */
  env?: NodeJS.ProcessEnv;
  /** Runs the CLI under this command (e.g. `ip netns exec NAME`). */
  prefix?: string[];
  /** Also render the terminal report to stdout, every result (--verbose), with --debug logging on stderr. */
  loud?: boolean;
}

/**
 * `siteready assess <site> --format json --out <dir>/<name> --quiet` (or, loud, `--format
 * terminal,json=<dir>/<name> --verbose --debug`) and the parsed report.
 */
export async function assessWithEnv(sitePath: string, dir: string, name: string, opts: AssessOptions = {}): Promise<EnvRun> {
  const out = join(dir, name);
  await rm(out, { force: true });
  const args = opts.loud ? ['--format', `terminal,json=${out}`, '--verbose', '--debug'] : ['--format', 'json', '--out', out, '--quiet'];
  const cli = await runCli(['assess', sitePath, ...args], {
    env: { ...NO_PROXY_ENV, ...opts.env },
    timeoutMs: 90_000,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
  });
  const text = await readFile(out, 'utf8').catch(() => {
    throw new Error(`no report written (exit ${cli.code}):\n${cli.stderr}\n${cli.stdout}`);
  });
  return { cli, report: JSON.parse(text) as Report, text };
}

/** `siteready run <check> <targets…> --json` with extra environment (proxy variables cleared first). */
export async function runWithEnv(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ cli: CliResult; report: Report }> {
  const cli = await runCli(['run', ...args, '--json', '--quiet'], { env: { ...NO_PROXY_ENV, ...env }, timeoutMs: 60_000 });
  let report: Report;
  try {
    report = JSON.parse(cli.stdout) as Report;
  } catch {
    throw new Error(`siteready run ${args.join(' ')} did not print a JSON report (exit ${cli.code}):\n${cli.stderr}\n${cli.stdout}`);
  }
  return { cli, report };
}

/**
 * Promise.all that waits for every promise before it throws: a failed start or run must not leave
 * its siblings (CLI processes, servers) running past the cleanup.
 */
export async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Runs every cleanup even when some fail; rethrows the first failure afterwards. */
export async function cleanupAll(fns: Array<() => Promise<unknown>>): Promise<void> {
  let first: unknown;
  for (const fn of [...fns].reverse()) {
    try {
      await fn();
    } catch (err) {
      first ??= err;
    }
  }
  fns.length = 0;
  if (first) throw first;
}
