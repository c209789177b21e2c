// A small HTTP proxy for the demo lab: CONNECT tunnels and absolute-form plain HTTP, optional
// Basic authentication, a CONNECT port allow-list (403 otherwise, as corporate proxies do), and
// upstream failures answered the way real proxies answer them (502/504 with a reason).

import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import { nodeHttp } from '../util/node-builtins.js';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface LabProxyOptions {
  host?: string;
  auth?: { username: string; password: string };
  /** Ports CONNECT may reach; any other gets 403. Default: all. */
  connectPorts?: number[];
  /** Resolve a host name to an address (the lab resolves its own zone). */
  resolve(host: string): Promise<string>;
}

export interface LabProxy {
  port: number;
  close(): Promise<void>;
}

const IDENTITY = 'siteready-lab-proxy';

export async function startLabProxy(opts: LabProxyOptions): Promise<LabProxy> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Duplex>();
  const expected = opts.auth ? `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}` : undefined;
  const authorized = (req: IncomingMessage) => !expected || req.headers['proxy-authorization'] === expected;
  const head = (status: number, reason: string, extra = '') =>
    `HTTP/1.1 ${status} ${reason}\r\nServer: ${IDENTITY}\r\nContent-Length: 0\r\nConnection: close\r\n${extra}\r\n`;
  const upstreamFailure = (err: NodeJS.ErrnoException) =>
    err.code === 'ENOTFOUND' || err.code === 'ENODATA'
      ? head(502, 'Unable to resolve host')
      : err.code === 'ECONNREFUSED'
        ? head(502, 'Connection refused')
        : err.code === 'ETIMEDOUT'
          ? head(504, 'Connection timed out')
          : head(502, `Bad gateway (${err.code ?? 'error'})`);

  const server: Server = nodeHttp().createServer((req, res) => {
    // Plain HTTP in absolute form.
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="lab"', server: IDENTITY }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { server: IDENTITY }).end();
      return;
    }
    opts.resolve(target.hostname).then(
      (address) => {
        const up = nodeHttp().request(
          {
            host: address,
            port: Number(target.port) || 80,
            path: target.pathname + target.search,
            method: req.method,
            headers: { ...req.headers, host: target.host, 'proxy-authorization': undefined },
          },
          (ur) => {
            res.writeHead(ur.statusCode ?? 502, { ...ur.headers, via: `1.1 ${IDENTITY}` });
            ur.pipe(res);
          },
        );
        up.on('error', () => res.writeHead(502, { server: IDENTITY }).end());
        req.pipe(up);
      },
      () => res.writeHead(502, 'Unable to resolve host', { server: IDENTITY }).end(),
    );
  });
  server.on('connect', (req: IncomingMessage, client: Duplex, bodyHead: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (!authorized(req)) return void client.end(head(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="lab"\r\n'));
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m) return void client.end(head(400, 'Bad Request'));
    const port = Number(m[2]);
    if (opts.connectPorts && !opts.connectPorts.includes(port)) return void client.end(head(403, 'Forbidden'));
    opts.resolve(m[1]!.replace(/^\[(.*)\]$/, '$1')).then(
      (address) => {
        const up: Socket = connect({ host: address, port });
        sockets.add(up);
        // From birth and for good: a second error (a reset after a timeout) must not end the lab.
        up.on('error', () => undefined);
        up.setTimeout(5000, () => up.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
        up.once('connect', () => {
          up.setTimeout(0);
          client.write('HTTP/1.1 200 Connection established\r\n\r\n');
          if (bodyHead.length) up.write(bodyHead);
          up.pipe(client);
          client.pipe(up);
        });
        up.on('error', (err: NodeJS.ErrnoException) => {
          if (!up.readyState || up.connecting) client.end(upstreamFailure(err));
          else client.destroy();
        });
        up.on('close', () => {
          sockets.delete(up);
          client.destroy();
        });
        client.on('close', () => up.destroy());
      },
      () => client.end(head(502, 'Unable to resolve host')),
    );
  });
  server.listen(0, host);
  await once(server, 'listening');
  // A listening lab server outlives whatever goes wrong on it later.
  server.on('error', () => undefined);
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
