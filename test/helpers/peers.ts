// Real peers for integration tests — dnsmasq, nginx, openssl s_server, plain node servers — started
// as child processes on loopback (or inside a test namespace), plus the glue to write a site file,
// run `siteready assess` on it and read the report back.
//
// Everything here is started with unique ports and temp dirs and stopped by the returned handle;
// tests call stop()/remove() in afterAll/finally so a failing test leaves nothing behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { stringify } from 'yaml';
import { runCli, type CliResult } from './cli.js';

// ---------------------------------------------------------------------------------------------
// Tools, temp dirs, ports

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Whether an executable is installed (PATH plus the sbin dirs, where ip/iptables/nginx live). */
export function hasTool(name: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...SBIN].filter(Boolean);
  return dirs.some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'sr-it-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A port that was free a moment ago (the caller retries if someone takes it meanwhile). */
export function freePort(kind: 'tcp' | 'udp' = 'tcp', host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, host, () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
      return;
    }
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A port free for both TCP and UDP (dnsmasq binds both). */
export async function freeDualPort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort('udp', host);
    const tcpFree = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, host, () => s.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('no port free for both TCP and UDP');
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves once host:port accepts a TCP connection. */
export async function waitForTcp(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${host}:${port} did not start accepting connections`);
    await delay(50);
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface Peer {
  name: string;
  pid: number;
  child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL if it lingers. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Ready when this appears in stdout/stderr, or when the function resolves true. */
  ready: RegExp | (() => Promise<boolean>);
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function startProcess(cmd: string, args: string[], opts: StartOptions): Promise<Peer> {
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  let stopping: Promise<void> | undefined;
  const peer: Peer = {
    name: opts.name,
    pid: child.pid ?? -1,
    child,
    output: () => output,
    stop() {
      stopping ??= (async () => {
        if (exited || child.pid === undefined) return;
        child.kill('SIGTERM');
        const killed = await Promise.race([exit.then(() => true), delay(3000).then(() => false)]);
        if (!killed) {
          child.kill('SIGKILL');
          await exit;
        }
      })();
      return stopping;
    },
  };
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  try {
    for (;;) {
      if (exited) throw new Error(`${opts.name} exited before it was ready:\n${output}`);
      const ready = opts.ready instanceof RegExp ? opts.ready.test(output) : await Promise.race([opts.ready(), spawnError]);
      if (ready) return peer;
      if (Date.now() > deadline) throw new Error(`${opts.name} was not ready in time:\n${output}`);
      await Promise.race([delay(50), spawnError]);
    }
  } catch (err) {
    await peer.stop();
    throw err;
  }
}

/** Retries a start that lost a port race (EADDRINUSE and friends) with fresh ports. */
export async function withRetries<T>(attempts: number, start: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await start();
    } catch (err) {
      last = err;
      if (!/in use|bind\(\)|failed to create listening socket/i.test(String((err as Error).message))) throw err;
    }
  }
  throw last;
}

// ---------------------------------------------------------------------------------------------
// dnsmasq: a real resolver that answers only what the test configured (nothing leaves the host)

export interface Dnsmasq {
  port: number;
  /** For network.dns.servers. */
  server: string;
  logFile: string;
  /** Query log lines "query[A] name from 127.0.0.1" so far. */
  queries(): Promise<Array<{ type: string; name: string }>>;
  stop(): Promise<void>;
}

/**
 * `records`: extra dnsmasq options, e.g. `--address=/ok.sr.test/10.233.1.2`. The resolver knows
 * nothing upstream (--no-resolv), reads no config or hosts file, and answers NXDOMAIN for any
 * other name under the `local` domains.
 */
export async function startDnsmasq(opts: { records: string[]; local?: string[]; dir: string }): Promise<Dnsmasq> {
  return withRetries(5, async () => {
    const port = await freeDualPort();
    const logFile = join(opts.dir, `dnsmasq-${port}.log`);
    const peer = await startProcess(
      'dnsmasq',
      [
        '--no-daemon',
        '--conf-file=/dev/null',
        '--no-resolv',
        '--no-hosts',
        `--port=${port}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--cache-size=0',
        ...(opts.local ?? ['/test/']).map((d) => `--local=${d}`),
        ...opts.records,
        '--log-queries',
        `--log-facility=${logFile}`,
        `--pid-file=${join(opts.dir, `dnsmasq-${port}.pid`)}`,
      ],
      {
        name: 'dnsmasq',
        ready: async () => {
          // Asking a name no test counts: answered (even NXDOMAIN) means it is serving.
          const r = new Resolver({ timeout: 200, tries: 1 });
          r.setServers([`127.0.0.1:${port}`]);
          try {
            await r.resolve4('ready.probe.invalid');
            return true;
          } catch (err) {
            return (err as { code?: string }).code === 'ENOTFOUND' || (err as { code?: string }).code === 'EREFUSED';
          }
        },
      },
    );
    return {
      port,
      server: `127.0.0.1:${port}`,
      logFile,
      async queries() {
        const text = await readFile(logFile, 'utf8').catch(() => '');
        return [...text.matchAll(/query\[(\w+)\] (\S+) from/g)].map((m) => ({ type: m[1]!, name: m[2]! }));
      },
      stop: () => peer.stop(),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// nginx: one foreground process (no daemon, no workers) with its config and files in a temp dir

export interface Nginx {
  dir: string;
  ports: number[];
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `servers(ports)` returns the `server { ... }` blocks (and any other http-level directives) for
 * `portCount` fresh loopback ports. Ready once every port accepts connections.
 */
export async function startNginx(opts: { dir: string; portCount: number; servers: (ports: number[]) => string }): Promise<Nginx> {
  return withRetries(5, async () => {
    const ports: number[] = [];
    while (ports.length < opts.portCount) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const dir = join(opts.dir, `nginx-${ports[0]}`);
    await mkdir(dir, { recursive: true });
    const conf = `
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/plain;
${opts.servers(ports)}
}
`;
    await writeFile(join(dir, 'nginx.conf'), conf);
    const peer = await startProcess('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
      name: 'nginx',
      ready: async () => {
        for (const p of ports) await waitForTcp('127.0.0.1', p, 200).catch(() => Promise.reject(new Error('not yet')));
        return true;
      },
    }).catch(async (err: Error) => {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      throw new Error(`${err.message}\n${log}`);
    });
    return { dir, ports, errorLog: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''), stop: () => peer.stop() };
  });
}

// ---------------------------------------------------------------------------------------------
// Site files, the CLI, the report

export async function writeSite(dir: string, site: Record<string, unknown>, fileName = 'site.yaml'): Promise<string> {
  const path = join(dir, fileName);
  await writeFile(path, stringify({ version: 1, ...site }));
  return path;
}

export interface ReportMessage {
  id: string;
  params?: Record<string, string | number>;
}

export interface ReportResult {
  check: string;
  target: string;
  status: string;
  score: number | null;
  facts: Record<string, any>;
  /** Message ids and parameters only (report 2.0.0): englishReport() (report-text.ts) renders the text. */
  findings: Array<{ id: string; severity: string; message: ReportMessage; remediation?: ReportMessage; evidence?: Record<string, any> }>;
  measurements: Array<{ id: string; value: unknown }>;
  error?: { kind: string; message: string };
}

export interface Report {
  score: number | null;
  grade: string | null;
  uncappedGrade?: string;
  gradeCap?: { grade: string; reason: string };
  verdict: string;
  complete: boolean;
  results: ReportResult[];
  checks: Array<{ id: string; score: number | null; weight: number; category: string }>;
  categories: Array<{ id: string; score: number | null; weight: number }>;
  blockers: Array<{ check: string; target: string; severity: string; finding: string }>;
  gate?: { passed: boolean; reasons: ReportMessage[] };
  [key: string]: unknown;
}

export interface AssessRun {
  cli: CliResult;
  report: Report;
  reportPath: string;
}

/** `siteready assess <site> --format json --out <dir>/<name> --quiet [...extra]` and the parsed report. */
export async function assess(sitePath: string, dir: string, extra: string[] = [], name = 'report.json'): Promise<AssessRun> {
  const reportPath = join(dir, name);
  await rm(reportPath, { force: true });
  const cli = await runCli(['assess', sitePath, '--format', 'json', '--out', reportPath, '--quiet', ...extra], { timeoutMs: 60_000 });
  const text = await readFile(reportPath, 'utf8').catch(() => {
    throw new Error(`no report written (exit ${cli.code}):\n${cli.stderr}\n${cli.stdout}`);
  });
  return { cli, report: JSON.parse(text) as Report, reportPath };
}

export function result<R extends { check: string; target: string }>(report: { results: R[] }, check: string, target: string): R {
  const r = report.results.find((x) => x.check === check && x.target === target);
  if (!r) throw new Error(`no ${check} result for ${target}; have: ${report.results.map((x) => `${x.check}:${x.target}`).join(', ')}`);
  return r;
}

let validator: Promise<ValidateFunction> | undefined;

/** The published report schema (`siteready schema --report`), compiled with ajv. */
export function reportValidator(): Promise<ValidateFunction> {
  validator ??= (async () => {
    const out = await runCli(['schema', '--report']);
    if (out.code !== 0) throw new Error(`siteready schema --report exited ${out.code}: ${out.stderr}`);
    const ajv = new Ajv({ allErrors: true, strict: false });
    // ajv-formats is not a dependency; RFC 3339 date-time is all the report schema uses.
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    return ajv.compile(JSON.parse(out.stdout) as object);
  })();
  return validator;
}

/** Recomputes the overall score from the report's own results (DESIGN §4), to prove it reflects them. */
export function expectedScore(report: Report): number | null {
  const byCheck = new Map<string, number[]>();
  for (const r of report.results) {
    if (r.status === 'skipped' || r.status === 'info' || (r as { waiver?: unknown }).waiver) continue;
    const v = r.status === 'error' ? 0 : r.score;
    if (v === null) continue;
    byCheck.set(r.check, [...(byCheck.get(r.check) ?? []), v]);
  }
  let total = 0;
  let weight = 0;
  for (const cat of report.categories) {
    const mine = report.checks.filter((c) => c.category === cat.id && c.weight > 0 && byCheck.has(c.id));
    const w = mine.reduce((a, c) => a + c.weight, 0);
    if (w === 0) continue;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const s = mine.reduce((a, c) => a + c.weight * mean(byCheck.get(c.id)!), 0) / w;
    total += cat.weight * s;
    weight += cat.weight;
  }
  return weight ? Math.round((100 * total) / weight) : null;
}
