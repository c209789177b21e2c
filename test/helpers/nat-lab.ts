// A site behind a real Linux NAT, in three network namespaces joined by veth pairs:
//
//   client (clientIp) ── inside ── router (NAT: iptables in its own namespace) ── outside ── server
//                                                    routerOutsideIp            serverIp, serverAltIp
//
// The router forwards and masquerades onto the outside link; the server has two addresses on
// that link (what RFC 5780 needs) and no route to the inside network at all, so a packet reaches
// the client only through the router's NAT. The veth pairs are created inside the namespaces,
// never in the root namespace, and every iptables rule lives in the router's namespace: deleting
// the three namespaces removes the links, addresses, rules, conntrack state and sysctls with them.
//
// Names are unique per lab (sn-<pid>-<random>-client|router|server); addresses come from a /28
// of 10.233.0.0/16 picked from the process id and a random number, like the other namespace tests.

import { randomBytes, randomInt } from 'node:crypto';
import { labTeardown, runOk, type ExecResult } from './netns.js';
import { startProcess, type Peer, type StartOptions } from './peers.js';

export interface NatLab {
  client: string;
  router: string;
  server: string;
  clientIp: string;
  routerInsideIp: string;
  routerInsideIf: string;
  /** The NAT's public side: what the server sees as the client's address. */
  routerOutsideIp: string;
  routerOutsideIf: string;
  serverIp: string;
  serverAltIp: string;
  /** `iptables` in the router's namespace. */
  routerIptables(args: string[]): Promise<ExecResult>;
  /** Runs a command to completion in one of the lab's namespaces; throws on a non-zero exit. */
  exec(ns: string, args: string[]): Promise<ExecResult>;
  /** The argv prefix that runs a command inside the client's namespace. */
  inClient(): string[];
  /** Starts a long-running process in the server's namespace; stopped by destroy(). */
  startInServer(args: string[], opts: StartOptions): Promise<Peer>;
  /** Stops what it started and deletes the namespaces. Safe to call twice. */
  destroy(): Promise<void>;
}

const BLOCKS = 1 << 12; // /28 blocks in 10.233.0.0/16

function blockAddresses(index: number) {
  const base = index * 16;
  const prefix = `10.233.${Math.floor(base / 256)}.`;
  const at = (offset: number) => `${prefix}${(base % 256) + offset}`;
  // Inside: a /30 at offset 0. Outside: a /29 at offset 8.
  return { inside: { router: at(1), client: at(2) }, outside: { router: at(9), server: at(10), serverAlt: at(11) } };
}

export async function createNatLab(): Promise<NatLab> {
  const tag = randomBytes(3).toString('hex');
  const names = {
    client: `sn-${process.pid}-${tag}-client`,
    router: `sn-${process.pid}-${tag}-router`,
    server: `sn-${process.pid}-${tag}-server`,
  };
  const links = { clientIn: `sn${tag}c`, routerIn: `sn${tag}ri`, routerOut: `sn${tag}ro`, serverOut: `sn${tag}s` };
  const addr = blockAddresses((process.pid * 131 + randomInt(BLOCKS)) % BLOCKS);
  const { started, created, destroy } = labTeardown();

  const exec = (ns: string, args: string[]) => runOk('ip', ['netns', 'exec', ns, ...args]);
  const ip = (ns: string, args: string[]) => runOk('ip', ['-n', ns, ...args]);
  try {
    for (const ns of [names.client, names.router, names.server]) {
      await runOk('ip', ['netns', 'add', ns]);
      created.push(ns);
      await ip(ns, ['link', 'set', 'lo', 'up']);
    }
    // Each pair is born with its ends already in their namespaces.
    await runOk('ip', [
      'link',
      'add',
      links.routerIn,
      'netns',
      names.router,
      'type',
      'veth',
      'peer',
      'name',
      links.clientIn,
      'netns',
      names.client,
    ]);
    await runOk('ip', [
      'link',
      'add',
      links.routerOut,
      'netns',
      names.router,
      'type',
      'veth',
      'peer',
      'name',
      links.serverOut,
      'netns',
      names.server,
    ]);

    await ip(names.client, ['addr', 'add', `${addr.inside.client}/30`, 'dev', links.clientIn]);
    await ip(names.client, ['link', 'set', links.clientIn, 'up']);
    await ip(names.client, ['route', 'add', 'default', 'via', addr.inside.router]);

    await ip(names.router, ['addr', 'add', `${addr.inside.router}/30`, 'dev', links.routerIn]);
    await ip(names.router, ['addr', 'add', `${addr.outside.router}/29`, 'dev', links.routerOut]);
    await ip(names.router, ['link', 'set', links.routerIn, 'up']);
    await ip(names.router, ['link', 'set', links.routerOut, 'up']);
    await exec(names.router, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);

    await ip(names.server, ['addr', 'add', `${addr.outside.server}/29`, 'dev', links.serverOut]);
    await ip(names.server, ['addr', 'add', `${addr.outside.serverAlt}/29`, 'dev', links.serverOut]);
    await ip(names.server, ['link', 'set', links.serverOut, 'up']);

    return {
      ...names,
      clientIp: addr.inside.client,
      routerInsideIp: addr.inside.router,
      routerInsideIf: links.routerIn,
      routerOutsideIp: addr.outside.router,
      routerOutsideIf: links.routerOut,
      serverIp: addr.outside.server,
      serverAltIp: addr.outside.serverAlt,
      routerIptables: (args) => exec(names.router, ['iptables', '-w', ...args]),
      exec,
      inClient: () => ['ip', 'netns', 'exec', names.client],
      async startInServer(args, opts) {
        const [cmd, ...rest] = args;
        const peer = await startProcess('ip', ['netns', 'exec', names.server, cmd!, ...rest], opts);
        started.push(peer);
        return peer;
      },
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}
