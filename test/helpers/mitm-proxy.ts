// A re-signing ("TLS inspection") CONNECT proxy for the interception tests, in node: it accepts
// CONNECT host:port, opens TLS to the real upstream first (as inspecting proxies do, to learn
// whether the origin is there), answers 200, then terminates the client's TLS with a leaf for
// the requested host signed by its own CA (src/lab/cert.ts), and pipes the plaintext both ways.

import { isIP, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import { issueCertificate, type KeyAndCert } from '../../src/lab/cert.js';

export interface MitmProxy {
  port: number;
  url: string;
  /** host:port of every CONNECT it was asked for, in order. */
  connects: string[];
  /** Hosts it minted a leaf certificate for. */
  minted(): string[];
  stop(): Promise<void>;
}

export interface MitmOptions {
  /** The inspecting CA: re-signed leaves are issued by it. */
  ca: KeyAndCert;
  /** Where a requested host really is (default: the name itself). */
  resolve?: (host: string) => string;
  /** Roots for verifying the upstream (default: the upstream is not verified, like a careless appliance). */
  upstreamCa?: string;
  /** Send the CA certificate after the leaf, as many appliances do. */
  sendChain?: boolean;
}

export async function startMitmProxy(opts: MitmOptions): Promise<MitmProxy> {
  const connects: string[] = [];
  const contexts = new Map<string, SecureContext>();
  const sockets = new Set<Socket>();
  const contextFor = (host: string): SecureContext => {
    let ctx = contexts.get(host);
    if (!ctx) {
      const leaf = issueCertificate(opts.ca, {
        commonName: host,
        ...(isIP(host) ? { ipAddresses: [host] } : { dnsNames: [host] }),
      });
      ctx = createSecureContext({ key: leaf.keyPem, cert: opts.sendChain ? leaf.certPem + opts.ca.certPem : leaf.certPem });
      contexts.set(host, ctx);
    }
    return ctx;
  };
  const keep = <T extends Socket>(s: T): T => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    return s;
  };

  const server: Server = createServer((client) => {
    keep(client);
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16384) client.destroy();
        return;
      }
      client.off('data', onData);
      client.pause();
      const rest = head.subarray(end + 4);
      const m = /^CONNECT (\[[^\]]+\]|[^\s:]+):(\d+) HTTP\/1\.[01]\r\n/i.exec(head.subarray(0, end + 2).toString('latin1'));
      if (!m) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\nServer: mitm-test-proxy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
      const port = Number(m[2]);
      connects.push(`${host}:${port}`);
      const upstream = keep(
        tlsConnect({
          host: opts.resolve ? opts.resolve(host) : host,
          port,
          ...(isIP(host) ? {} : { servername: host }),
          ALPNProtocols: ['http/1.1'],
          ...(opts.upstreamCa ? { ca: opts.upstreamCa } : { rejectUnauthorized: false }),
        }),
      );
      const fail = (err: Error) => {
        if (client.destroyed) return;
        const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
        client.end(
          `HTTP/1.1 502 Bad Gateway\r\nServer: mitm-test-proxy\r\nX-Upstream-Error: ${code}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        );
      };
      upstream.once('error', fail);
      upstream.once('secureConnect', () => {
        upstream.off('error', fail);
        client.write('HTTP/1.1 200 Connection Established\r\nServer: mitm-test-proxy\r\n\r\n');
        if (rest.length) client.unshift(rest);
        const inner = keep(new TLSSocket(client, { isServer: true, secureContext: contextFor(host), ALPNProtocols: ['http/1.1'] }));
        inner.once('secure', () => {
          inner.pipe(upstream);
          upstream.pipe(inner);
        });
        const closeBoth = () => {
          inner.destroy();
          upstream.destroy();
          client.destroy();
        };
        inner.once('close', closeBoth);
        upstream.once('close', closeBoth);
      });
    };
    client.on('data', onData);
  });
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connects,
    minted: () => [...contexts.keys()],
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })),
  };
}
