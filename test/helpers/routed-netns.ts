// Two hosts and a router between them, each in a network namespace the test creates:
//
//   client (c0) ──veth── (rc) router (rs) ──veth── (s0) server
//
// with IPv4 (two /30s in 10.233.0.0/16) and IPv6 (two ULA /64s) and forwarding on in the router,
// so iptables / ip6tables / tc on the router act on traffic as a path's middle box would. Nothing
// of it lives in the host's namespace: the veth pairs are created inside the namespaces, so no
// interface name or route of the host is touched. Names and subnets are unique per process (pid +
// random, checked against what exists); destroy() — or, failing that, the process's exit — removes
// everything, including the processes started inside.

import { randomBytes, randomInt } from 'node:crypto';
import { labTeardown, run, runOk, type ExecResult } from './netns.js';
import { startProcess, type Peer, type StartOptions } from './peers.js';

export type Role = 'client' | 'router' | 'server';

export interface RoutedLab {
  ns: Record<Role, string>;
  /** Router interfaces: toward the client (egress of the return path) and toward the server. */
  routerIf: { toClient: string; toServer: string };
  client: { v4: string; v6: string };
  server: { v4: string; v6: string };
  exec(role: Role, args: string[]): Promise<ExecResult>;
  /** A command line prefix that runs a program inside a namespace (for runCli's `prefix`). */
  prefix(role: Role): string[];
  start(role: Role, args: string[], opts: Omit<StartOptions, 'cwd'>): Promise<Peer>;
  destroy(): Promise<void>;
}

const BLOCKS = 1 << 14; // /30 blocks in 10.233.0.0/16

function block(index: number): { low: string; high: string; all: string[] } {
  const base = index * 4;
  const third = Math.floor(base / 256);
  const fourth = base % 256;
  const at = (k: number) => `10.233.${third}.${fourth + k}`;
  return { low: at(1), high: at(2), all: [at(0), at(1), at(2), at(3)] };
}

async function taken(): Promise<{ text: string; names: Set<string> }> {
  const [addrs, routes, netns] = await Promise.all([
    run('ip', ['-4', '-o', 'addr', 'show']),
    run('ip', ['-4', 'route', 'show']),
    run('ip', ['netns', 'list']),
  ]);
  return {
    text: `${addrs.stdout}\n${routes.stdout}`,
    names: new Set(
      netns.stdout
        .split('\n')
        .map((l) => l.split(' ')[0]!)
        .filter(Boolean),
    ),
  };
}

export async function createRoutedLab(): Promise<RoutedLab> {
  const { started, created, destroy } = labTeardown();

  try {
    const used = await taken();
    const free = (b: ReturnType<typeof block>) => !b.all.some((a) => new RegExp(`\\b${a.replace(/\./g, '\\.')}\\b`).test(used.text));
    let pair: [ReturnType<typeof block>, ReturnType<typeof block>] | undefined;
    for (let attempt = 0; attempt < 50 && !pair; attempt++) {
      // pid + random: parallel test files (separate processes) start from different places.
      const i = (process.pid * 131 + randomInt(BLOCKS)) % (BLOCKS - 1);
      const a = block(i);
      const b = block(i + 1);
      if (free(a) && free(b)) pair = [a, b];
    }
    if (!pair) throw new Error('no two free /30s in 10.233.0.0/16');
    const [left, right] = pair;

    const tag = randomBytes(3).toString('hex');
    const ns: Record<Role, string> = {
      client: `sr-${process.pid}-${tag}-c`,
      router: `sr-${process.pid}-${tag}-r`,
      server: `sr-${process.pid}-${tag}-s`,
    };
    if (Object.values(ns).some((n) => used.names.has(n))) throw new Error(`namespace name taken: ${Object.values(ns).join(', ')}`);
    const v6 = `fd53:${(process.pid & 0xffff).toString(16)}:${tag.slice(0, 4)}`;
    const lab = {
      client: { v4: left.high, v6: `${v6}:1::2` },
      routerClientSide: { v4: left.low, v6: `${v6}:1::1` },
      routerServerSide: { v4: right.low, v6: `${v6}:2::1` },
      server: { v4: right.high, v6: `${v6}:2::2` },
    };

    for (const n of Object.values(ns)) {
      await runOk('ip', ['netns', 'add', n]);
      created.push(n);
    }
    const inNs = (role: Role, args: string[]) => runOk('ip', ['netns', 'exec', ns[role], ...args]);
    // Each pair is born inside its namespaces: nothing appears in the host's.
    await runOk('ip', ['link', 'add', 'c0', 'netns', ns.client, 'type', 'veth', 'peer', 'name', 'rc', 'netns', ns.router]);
    await runOk('ip', ['link', 'add', 's0', 'netns', ns.server, 'type', 'veth', 'peer', 'name', 'rs', 'netns', ns.router]);
    const addresses: Array<[Role, string, { v4: string; v6: string }]> = [
      ['client', 'c0', lab.client],
      ['router', 'rc', lab.routerClientSide],
      ['router', 'rs', lab.routerServerSide],
      ['server', 's0', lab.server],
    ];
    for (const [role, dev, a] of addresses) {
      await inNs(role, ['ip', 'addr', 'add', `${a.v4}/30`, 'dev', dev]);
      // nodad: usable at once, no duplicate-address detection wait.
      await inNs(role, ['ip', '-6', 'addr', 'add', `${a.v6}/64`, 'dev', dev, 'nodad']);
      await inNs(role, ['ip', 'link', 'set', dev, 'up']);
    }
    for (const role of ['client', 'router', 'server'] as Role[]) await inNs(role, ['ip', 'link', 'set', 'lo', 'up']);
    await inNs('router', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    await inNs('client', ['ip', 'route', 'add', 'default', 'via', lab.routerClientSide.v4]);
    await inNs('client', ['ip', '-6', 'route', 'add', 'default', 'via', lab.routerClientSide.v6]);
    await inNs('server', ['ip', 'route', 'add', 'default', 'via', lab.routerServerSide.v4]);
    await inNs('server', ['ip', '-6', 'route', 'add', 'default', 'via', lab.routerServerSide.v6]);

    return {
      ns,
      routerIf: { toClient: 'rc', toServer: 'rs' },
      client: lab.client,
      server: lab.server,
      exec: inNs,
      prefix: (role) => ['ip', 'netns', 'exec', ns[role]],
      async start(role, args, opts) {
        const [cmd, ...rest] = args;
        const peer = await startProcess('ip', ['netns', 'exec', ns[role], cmd!, ...rest], opts);
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
