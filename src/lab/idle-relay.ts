// A TCP relay that behaves like a stateful firewall with an idle timeout: once a flow has been
// idle longer than `idleMs`, it silently stops forwarding in both directions — no FIN, no RST —
// exactly the failure an IM client cannot see without an application-level reply deadline.

import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface IdleRelay {
  port: number;
  close(): Promise<void>;
}

export async function startIdleDroppingRelay(opts: {
  host?: string;
  targetHost: string;
  targetPort: number;
  idleMs: number;
  mode?: 'silent' | 'rst' | 'fin';
}): Promise<IdleRelay> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: opts.targetHost, port: opts.targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
      s.setKeepAlive(false);
    }
    let last = Date.now();
    let dead = false;
    const forget = () => {
      dead = true;
      if (opts.mode === 'rst') {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      } else if (opts.mode === 'fin') {
        client.end();
        upstream.end();
      }
    };
    // A stateful firewall forgets the flow on its own clock, whether or not a packet comes.
    const timer = setInterval(
      () => {
        if (!dead && Date.now() - last > opts.idleMs) forget();
      },
      Math.max(50, Math.floor(opts.idleMs / 10)),
    );
    const relay = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (dead) return; // swallowed: the firewall has no state for this flow any more
        last = Date.now();
        to.write(chunk);
      });
    relay(client, upstream);
    relay(upstream, client);
    const done = () => {
      clearInterval(timer);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', done);
    upstream.once('close', () => {
      if (!dead) done();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  // A listening lab server outlives whatever goes wrong on it later.
  server.on('error', () => undefined);
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
