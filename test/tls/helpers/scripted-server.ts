// A scripted TLS ≤ 1.2 / SSLv2 server on loopback: it decodes each ClientHello and answers the
// way a configured legacy stack would — SSLv3 and SSLv2 included, which no local OpenSSL speaks,
// a Heartbleed-vulnerable heartbeat if asked — then waits for the client to hang up. Only first
// flights: it never finishes a handshake.

import { createServer, type Server, type Socket } from 'node:net';
import { afterEach } from 'vitest';
import type { AddressInfo } from 'node:net';
import {
  alertRecord,
  certificate,
  decodeClientHello,
  decodeSslv2ClientHello,
  dheKeyExchange,
  ecdheKeyExchange,
  ext,
  record,
  serverHello,
  serverHelloDone,
  sslv2ServerHello,
  type DecodedClientHello,
  type Ext,
} from './server-bytes.js';
import { suiteByCode } from '../../../src/tls/registry.js';

export interface ScriptedServerConfig {
  /** Wire versions spoken (0x0300 SSLv3 … 0x0303 TLS 1.2). */
  versions: number[];
  /** Suites in the server's order. */
  suites: number[];
  serverPreference?: boolean;
  /** Speak SSLv2 with these cipher kinds. */
  sslv2Kinds?: number[];
  heartbeat?: 'none' | 'patched' | 'vulnerable';
  fallbackScsv?: boolean;
  secureRenegotiation?: boolean;
  /** Choose DEFLATE when offered. */
  compression?: boolean;
  dhPrime?: Buffer;
  /** Hang up on hellos offering more suites than this (as some stacks do). */
  maxSuites?: number;
  /**
   * Serve one connection at a time, in the order they were accepted, as openssl s_server does:
   * the next one is read only after the client hung up on the current one.
   */
  oneAtATime?: boolean;
  /** Wait this long between a hello and its answer (so a FIN sent with the hello is seen first). */
  answerDelayMs?: number;
}

export interface ScriptedServer {
  port: number;
  /** ClientHellos seen (SSLv2 hellos as version 2). */
  hellos: number;
  /** Hellos whose connection the client had half-closed before the answer went out. */
  hellosWithFin: number;
  /** The most connections served at once. */
  maxServing: number;
  close(): Promise<void>;
}

export async function startScriptedServer(cfg: ScriptedServerConfig): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const state = { hellos: 0, hellosWithFin: 0, maxServing: 0, serving: 0 };
  const waiting: Socket[] = [];
  let current: Socket | undefined;
  const next = () => {
    if (current || waiting.length === 0) return;
    current = waiting.shift()!;
    serve(current);
    current.resume();
  };
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (socket === current) {
        state.serving--;
        current = undefined;
        next();
      } else waiting.splice(waiting.indexOf(socket) >>> 0, 1);
    });
    if (!cfg.oneAtATime) {
      socket.once('close', () => state.serving--);
      return serve(socket);
    }
    socket.pause();
    waiting.push(socket);
    next();
  });
  const serve = (socket: Socket) => {
    state.serving++;
    state.maxServing = Math.max(state.maxServing, state.serving);
    let ended = false;
    let answering = false;
    // A FIN ends our side too once the answer is out (what a server does on EOF), not before.
    socket.once('end', () => {
      ended = true;
      if (!answering) socket.end();
    });
    // A client that hung up while it waited its turn: its EOF was read already.
    if (socket.readableEnded) {
      socket.end();
      return;
    }
    const send = (bytes: Buffer, then?: () => void) => {
      answering = true;
      const go = () => {
        answering = false;
        if (ended) state.hellosWithFin++;
        socket.write(bytes);
        then?.();
        if (ended) socket.end();
      };
      if (cfg.answerDelayMs) setTimeout(go, cfg.answerDelayMs);
      else go();
    };
    let buf = Buffer.alloc(0);
    let answered = false;
    let version = 0x0303;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!answered) {
        if ((buf[0]! & 0x80) !== 0) {
          const kinds = decodeSslv2ClientHello(buf);
          if (!kinds) return;
          answered = true;
          state.hellos++;
          const shared = (cfg.sslv2Kinds ?? []).filter((k) => kinds.includes(k));
          if (shared.length) socket.write(sslv2ServerHello(shared));
          else socket.destroy();
          return;
        }
        const decoded = decodeClientHello(buf);
        if (!decoded) return;
        answered = true;
        state.hellos++;
        buf = buf.subarray(decoded.consumed);
        if (cfg.maxSuites !== undefined && decoded.hello.suites.length > cfg.maxSuites) {
          socket.destroy();
          return;
        }
        const reply = answer(cfg, decoded.hello);
        version = reply.version;
        send(reply.bytes);
        return;
      }
      // After the first flight: heartbeat requests (type 24), everything else ignored.
      while (buf.length >= 5) {
        const len = buf.readUInt16BE(3);
        if (buf.length < 5 + len) return;
        const type = buf[0]!;
        const body = buf.subarray(5, 5 + len);
        buf = buf.subarray(5 + len);
        if (type === 24 && body[0] === 1 && cfg.heartbeat === 'vulnerable') {
          // What CVE-2014-0160 does: trust payload_length, copy that many bytes, add 16 of padding.
          const claimed = body.readUInt16BE(1);
          const payload = Buffer.alloc(claimed);
          body.subarray(3).copy(payload);
          socket.write(
            record(24, version, Buffer.concat([Buffer.from([2, claimed >> 8, claimed & 255]), payload, Buffer.alloc(16, 0x42)])),
          );
        }
      }
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get hellos() {
      return state.hellos;
    },
    get hellosWithFin() {
      return state.hellosWithFin;
    },
    get maxServing() {
      return state.maxServing;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const SERVER_GROUPS = [0x0017, 0x001d, 0x0018];

function answer(cfg: ScriptedServerConfig, hello: DecodedClientHello): { version: number; bytes: Buffer } {
  const max = Math.max(...cfg.versions);
  const alertVersion = Math.min(hello.recordVersion, 0x0303) < 0x0300 ? 0x0300 : hello.recordVersion;
  // A TLS 1.3-only hello (supported_versions without any version we speak) is a protocol_version refusal.
  if (hello.supportedVersions && !hello.supportedVersions.some((v) => cfg.versions.includes(v)))
    return { version: alertVersion, bytes: alertRecord(70, alertVersion) };
  const negotiated = hello.supportedVersions
    ? Math.max(...hello.supportedVersions.filter((v) => cfg.versions.includes(v)))
    : Math.min(hello.version, max);
  if (!cfg.versions.includes(negotiated)) return { version: alertVersion, bytes: alertRecord(70, alertVersion) };
  if (cfg.fallbackScsv && hello.suites.includes(0x5600) && hello.version < max)
    return { version: negotiated, bytes: alertRecord(86, negotiated) };
  // ECDHE needs a curve both sides have; with no supported_groups the client takes any (RFC 8422 §4).
  const offeredGroups = hello.extensions.get(10);
  const clientGroups = offeredGroups
    ? Array.from({ length: offeredGroups.readUInt16BE(0) / 2 }, (_, i) => offeredGroups.readUInt16BE(2 + 2 * i))
    : SERVER_GROUPS;
  const curve = clientGroups.find((g) => SERVER_GROUPS.includes(g));
  const usable = cfg.suites.filter(
    (s) =>
      hello.suites.includes(s) &&
      // SHA-2 and AEAD suites need TLS 1.2 (TLCP, 0x0101, has its own GCM suites).
      (negotiated >= 0x0303 || negotiated === 0x0101 || !/SHA256|SHA384|GCM/.test(suiteByCode(s)?.name ?? '')) &&
      (suiteByCode(s)?.kx !== 'ECDHE' || curve !== undefined),
  );
  const chosen = cfg.serverPreference ? usable[0] : hello.suites.find((s) => usable.includes(s));
  if (chosen === undefined) return { version: negotiated, bytes: alertRecord(40, negotiated) };
  const exts: Ext[] = [];
  const wantsReneg = hello.extensions.has(0xff01) || hello.suites.includes(0x00ff);
  if (cfg.secureRenegotiation && wantsReneg) exts.push(ext.renegotiationInfo());
  if (hello.extensions.has(23)) exts.push(ext.extendedMasterSecret());
  if (hello.extensions.has(15) && cfg.heartbeat && cfg.heartbeat !== 'none') exts.push(ext.heartbeat());
  const compression = cfg.compression && hello.compression.includes(1) ? 1 : 0;
  const kx = suiteByCode(chosen)?.kx;
  const msgs = [
    serverHello({
      version: negotiated,
      suite: chosen,
      compression,
      sessionId: Buffer.alloc(32, 9),
      ...(exts.length ? { extensions: exts } : {}),
    }),
    certificate([Buffer.alloc(100, 0x30)]),
  ];
  if (kx === 'ECDHE') msgs.push(ecdheKeyExchange(curve!));
  if (kx === 'DHE') msgs.push(dheKeyExchange(cfg.dhPrime ?? Buffer.alloc(128, 0xff)));
  msgs.push(serverHelloDone());
  return { version: negotiated, bytes: record(22, negotiated, Buffer.concat(msgs)) };
}

/**
 * Scripted servers (and anything else with close()) that the calling test file closes after each
 * test: `const { scripted, track, open } = closedAfterEach();` at the top of the file.
 */
export function closedAfterEach(): {
  scripted(cfg: ScriptedServerConfig): Promise<ScriptedServer>;
  /** What is still open, the latest last. */
  open: Array<{ close(): Promise<void> }>;
} {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return {
    async scripted(cfg) {
      const s = await startScriptedServer(cfg);
      open.push(s);
      return s;
    },
    open,
  };
}
