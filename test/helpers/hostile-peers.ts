// Hostile peers for the hostile-peer matrix: TCP (optionally TLS-wrapped) and UDP servers that
// misbehave in one named way each, and the glue that runs one check against a set of them through
// the real CLI and reads back what it wrote. A case passes when the run ended in bounded time,
// wrote a valid report, printed no stack trace, and called nothing hostile a pass.
//
// Every server listens on 127.0.0.1 port 0 and is closed by its handle; sockets it holds are
// destroyed on close, so a test that fails leaves nothing listening.

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { readFile, rm } from 'node:fs/promises';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { runCli, type CliResult } from './cli.js';
import type { Report, ReportResult } from './peers.js';

/** What every protocol's peer can do wrong, whatever the protocol. */
export type GenericBehaviour =
  /** Accept, then reset at once (before the client says anything). */
  | 'accept-rst'
  /** Read what the client says, then reset. */
  | 'rst-after-request'
  /** Accept and read, never answer, never close. */
  | 'silence'
  /** Answer the first bytes with random bytes, then close. */
  | 'garbage'
  /** Answer with bytes that never end (as fast as the client reads). */
  | 'endless'
  /** Answer a byte every `trickleMs`, forever: each byte arrives before any idle timer fires. */
  | 'trickle';

export const GENERIC_BEHAVIOURS: readonly GenericBehaviour[] = [
  'accept-rst',
  'rst-after-request',
  'silence',
  'garbage',
  'endless',
  'trickle',
];

/** A protocol-specific misbehaviour: what to do with a socket once the client spoke (`first`). */
export type Script = (socket: Socket | TLSSocket, first: Buffer) => void;

export interface HostileOptions {
  /** Run the behaviour inside TLS (after a successful handshake) with this key and certificate. */
  tls?: { key: string; cert: string };
  /** For 'trickle' and 'endless': what the bytes are (default: an HTTP-looking status line, then 'a's). */
  payload?: Buffer;
  trickleMs?: number;
  /** Speak first, without waiting for the client (server-greeting protocols: SMTP-like, LDAP unsolicited). */
  speakFirst?: boolean;
}

export interface HostilePeer {
  port: number;
  behaviour: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const DEFAULT_PAYLOAD = Buffer.from('HTTP/1.1 200 OK\r\nX-Trickle: ');

function generic(behaviour: GenericBehaviour, opts: HostileOptions): Script {
  const payload = opts.payload ?? DEFAULT_PAYLOAD;
  switch (behaviour) {
    case 'accept-rst':
      return (s) => reset(s);
    case 'rst-after-request':
      return (s) => reset(s);
    case 'silence':
      return () => undefined;
    case 'garbage':
      return (s) => {
        const junk = Buffer.alloc(512);
        for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
        s.end(junk);
      };
    case 'endless':
      return (s) => {
        const chunk = Buffer.concat([payload, Buffer.alloc(64 * 1024, 0x61)]);
        const pump = () => {
          while (!s.destroyed && s.write(chunk));
        };
        s.on('drain', pump);
        pump();
      };
    case 'trickle':
      return (s) => {
        let i = 0;
        const timer = setInterval(() => {
          if (s.destroyed) return clearInterval(timer);
          s.write(Buffer.from([i < payload.length ? payload[i]! : 0x61]));
          i++;
        }, opts.trickleMs ?? 300);
        s.once('close', () => clearInterval(timer));
      };
  }
}

function reset(s: Socket | TLSSocket): void {
  // resetAndDestroy sends an RST (Node ≥ 16.17); a TLS socket resets its underlying TCP socket.
  const tcp = ((s as TLSSocket & { _parent?: Socket })._parent ?? s) as Socket;
  if (typeof tcp.resetAndDestroy === 'function') tcp.resetAndDestroy();
  else tcp.destroy();
  s.destroy();
}

/**
 * A TCP (or TLS) server that misbehaves in one way. `behaviour` is a generic name or a script for
 * protocol-specific abuse; `label` names it in the matrix.
 */
export async function startHostileTcpPeer(
  behaviour: GenericBehaviour | Script,
  opts: HostileOptions & { label?: string } = {},
): Promise<HostilePeer> {
  const script = typeof behaviour === 'function' ? behaviour : generic(behaviour, opts);
  const immediate = behaviour === 'accept-rst' || opts.speakFirst;
  const sockets = new Set<Socket>();
  let accepted = 0;
  const handle = (s: Socket | TLSSocket) => {
    s.on('error', () => undefined);
    if (immediate) {
      script(s, Buffer.alloc(0));
      return;
    }
    s.once('data', (first: Buffer) => script(s, first));
  };
  const server: TcpServer = opts.tls
    ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert, minVersion: 'TLSv1.2' }, (s) => handle(s))
    : createTcpServer((s) => handle(s));
  server.on('connection', (s: Socket) => {
    accepted++;
    s.on('error', () => undefined);
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    // A TLS server with accept-rst resets before the handshake.
    if (opts.tls && behaviour === 'accept-rst') reset(s);
  });
  server.on('tlsClientError', () => undefined);
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  return {
    port,
    behaviour: opts.label ?? (typeof behaviour === 'string' ? behaviour : 'script'),
    connections: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A UDP server that answers each datagram through `reply` (return nothing to stay silent). */
export async function startHostileUdpPeer(
  label: string,
  reply: (msg: Buffer, from: RemoteInfo) => Buffer | Buffer[] | undefined,
): Promise<HostilePeer & { socket: UdpSocket }> {
  const socket = createSocket('udp4');
  socket.on('error', () => undefined);
  let received = 0;
  socket.on('message', (msg, from) => {
    received++;
    const out = reply(msg, from);
    for (const b of out === undefined ? [] : Array.isArray(out) ? out : [out]) socket.send(b, from.port, from.address);
  });
  const port = await new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve(socket.address().port));
  });
  return {
    port,
    behaviour: label,
    socket,
    connections: () => received,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

export interface CheckRun {
  cli: CliResult;
  report: Report;
}

/**
 * `siteready run <check> <targets…>` with a JSON report written to a file, as a user would run it.
 * Throws when no report was written — itself a failure of the case.
 */
export async function runCheck(
  check: string,
  targets: string[],
  dir: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 90_000,
): Promise<CheckRun> {
  const path = join(dir, `${check}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`);
  await rm(path, { force: true });
  const cli = await runCli(['run', check, ...targets, '--format', `json=${path}`, '--quiet', ...extra], { env, timeoutMs });
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`no report written (exit ${cli.code}, ${cli.ms} ms):\n${cli.stderr}\n${cli.stdout}`);
  });
  return { cli, report: JSON.parse(text) as Report };
}

/** Lines that show a crash rather than a finding: stack frames and Node's unhandled-error banners. */
export function crashSigns(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /^\s+at .+[(:]\d+|^Node\.js v\d+|node:internal|UnhandledPromiseRejection|ERR_UNHANDLED|^\s*throw er;/.test(l));
}

/** Why a result against a hostile peer is unacceptable, or undefined when it is fine. */
export function hostileVerdictProblem(r: ReportResult): string | undefined {
  if (r.status === 'pass') return `status pass (score ${r.score})`;
  const classification = (r.facts as { classification?: string } | undefined)?.classification;
  if (classification === 'ok') return 'classified ok';
  return undefined;
}
